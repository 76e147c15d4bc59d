"""Traits and provider traits (1.6+), as doc/api.md section 16, README and
openapi.json describe them: standard traits from os-traits, custom
CUSTOM_ ones, the list filters, provider generations and the order of
the errors."""

import email.utils

import pytest

from placement_min.storage import trait as trait_storage

RPS = '/resource_providers'
AVX2 = 'HW_CPU_X86_AVX2'


def _traits_path(rp: dict) -> str:
    return f'{RPS}/{rp["uuid"]}/traits'


def _set(client, rp, traits, generation, status=200, version='latest'):
    return client.request('PUT', _traits_path(rp), {
        'traits': traits, 'resource_provider_generation': generation},
        version=version, status=status)


def _detail(response) -> str:
    return response.json['errors'][0]['detail']


def _listed(client, query='', status=200) -> list:
    response = client.request('GET', f'/traits{query}', status=status)
    return response.json['traits'] if status == 200 else response


class TestTraits:

    def test_below_1_6_there_are_none(self, client):
        """The routes' own methods are 404 below 1.6; a method a route
        never has is 405 at every version, as in Placement (doc/api.md
        section 1)."""
        for path in ('/traits', '/traits/CUSTOM_X', f'{RPS}/'
                     '8a3fd7a8-5b3d-4c4e-9d36-33c8a1c3e0f1/traits'):
            for method in ('GET', 'PUT', 'DELETE'):
                status = 405 if (path, method) in (
                    ('/traits', 'PUT'), ('/traits', 'DELETE')) else 404
                client.request(method, path, version='1.5', status=status)

    def test_standard_traits_are_listed(self, client):
        names = _listed(client)
        assert sorted(names) == sorted(trait_storage.STANDARD)
        assert AVX2 in names and 'MISC_SHARES_VIA_AGGREGATE' in names

    def test_create_confirm_show_delete(self, client):
        created = client.request('PUT', '/traits/CUSTOM_GOLD', version='1.6',
                                 status=201)
        assert created.headers['Location'].endswith('/traits/CUSTOM_GOLD')
        assert 'Content-Type' not in created.headers
        assert created.body == b''
        again = client.request('PUT', '/traits/CUSTOM_GOLD', version='1.6',
                               status=204)
        assert again.headers['Location'].endswith('/traits/CUSTOM_GOLD')
        client.request('GET', '/traits/CUSTOM_GOLD', status=204)
        assert 'CUSTOM_GOLD' in _listed(client)
        client.request('DELETE', '/traits/CUSTOM_GOLD', status=204)
        client.request('GET', '/traits/CUSTOM_GOLD', status=404)
        client.request('DELETE', '/traits/CUSTOM_GOLD', status=404)

    def test_put_needs_no_body_nor_content_type(self, client):
        response = client.app.put('/traits/CUSTOM_BARE', headers={
            'X-Auth-Token': 'admin',
            'OpenStack-API-Version': 'placement 1.6'})
        assert response.status_int == 201

    @pytest.mark.parametrize('name', [
        AVX2,                       # standard: exists, yet refused
        'CUSTOM_', 'custom_x', 'CUSTOM_lower', 'CUSTOM_X-Y', 'GOLD',
        'CUSTOM_' + 'X' * 249,      # 256 characters
    ])
    def test_put_refuses_what_is_not_a_custom_name(self, client, name):
        response = client.request('PUT', f'/traits/{name}', status=400)
        assert 'CUSTOM_' in _detail(response)
        client.request('GET', f'/traits/{name}',
                       status=204 if name == AVX2 else 404)

    def test_put_accepts_the_longest_name(self, client):
        client.request('PUT', '/traits/CUSTOM_' + 'X' * 248, status=201)

    @pytest.mark.parametrize('name', ['nope', 'CUSTOM_NOPE', 'a%20b',
                                      'x' * 300, 'CUSTOM_%00', '%C3%A9',
                                      'X' * 256])
    def test_show_and_delete_do_no_format_check(self, client, name):
        """Whatever the name, no such trait is a 404 (not a 400), on
        every database (PostgreSQL refuses a NUL in a query)."""
        for method in ('GET', 'DELETE'):
            client.request(method, f'/traits/{name}', status=404)

    def test_delete_order_absent_standard_linked(self, client):
        client.request('DELETE', '/traits/CUSTOM_ABSENT', status=404)
        client.request('DELETE', '/traits/lower', status=404)
        response = client.request('DELETE', f'/traits/{AVX2}', status=400)
        assert AVX2 in _detail(response)
        client.request('PUT', '/traits/CUSTOM_USED', status=201)
        rp = client.create_provider('rp')
        _set(client, rp, ['CUSTOM_USED'], 0)
        response = client.request('DELETE', '/traits/CUSTOM_USED', status=409)
        assert 'CUSTOM_USED' in _detail(response)
        client.request('GET', '/traits/CUSTOM_USED', status=204)
        client.request('DELETE', _traits_path(rp), status=204)
        client.request('DELETE', '/traits/CUSTOM_USED', status=204)

    @pytest.mark.parametrize('method, path, status', [
        ('PUT', '/traits/CUSTOM_C', 201), ('PUT', '/traits/CUSTOM_C', 204),
        ('GET', '/traits/CUSTOM_C', 204), ('GET', '/traits', 200)])
    def test_cache_headers_from_1_15(self, client, method, path, status):
        """Even the bodiless answers of /traits/{name} say, from 1.15,
        when the trait was created, as Placement's do."""
        by_version = {}
        for version in ('1.14', '1.15'):
            client.request('DELETE', '/traits/CUSTOM_C')
            if status != 201:
                client.request('PUT', '/traits/CUSTOM_C', status=201)
            by_version[version] = client.request(
                method, path, version=version, status=status).headers
        assert 'Last-Modified' not in by_version['1.14']
        assert 'Cache-Control' not in by_version['1.14']
        assert by_version['1.15']['Cache-Control'] == 'no-cache'
        assert email.utils.parsedate_to_datetime(
            by_version['1.15']['Last-Modified'])


class TestListFilters:

    @pytest.fixture
    def linked(self, client):
        for name in ('CUSTOM_A_1', 'CUSTOM_A_2', 'CUSTOM_AB', 'CUSTOM_B'):
            client.request('PUT', f'/traits/{name}', status=201)
        rp = client.create_provider('rp')
        _set(client, rp, ['CUSTOM_A_1', AVX2], 0)
        return rp

    @pytest.mark.parametrize('query, expected', [
        ('?name=in:CUSTOM_A_1,CUSTOM_B,CUSTOM_NOPE', ['CUSTOM_A_1',
                                                      'CUSTOM_B']),
        ('?name=in:CUSTOM_NOPE', []),
        ('?name=startswith:CUSTOM_A', ['CUSTOM_AB', 'CUSTOM_A_1',
                                       'CUSTOM_A_2']),
        # The prefix is literal: "_" is no wildcard.
        ('?name=startswith:CUSTOM_A_', ['CUSTOM_A_1', 'CUSTOM_A_2']),
        ('?name=startswith:CUSTOM_%25', []),
        ('?name=startswith:custom_', []),
        ('?name=startswith:CUSTOM_&associated=true', ['CUSTOM_A_1']),
        ('?name=startswith:CUSTOM_&associated=FALSE', ['CUSTOM_AB',
                                                       'CUSTOM_A_2',
                                                       'CUSTOM_B']),
        ('?associated=True', ['CUSTOM_A_1', AVX2]),
        ('?name=in:CUSTOM_A_1,CUSTOM_B&associated=false', ['CUSTOM_B']),
    ])
    def test_filters_combine(self, client, linked, query, expected):
        assert sorted(_listed(client, query)) == sorted(expected)

    def test_not_associated_is_everything_else(self, client, linked):
        unlinked = set(_listed(client, '?associated=false'))
        assert unlinked == set(_listed(client)) - {'CUSTOM_A_1', AVX2}

    @pytest.mark.parametrize('query, words', [
        ('?name=CUSTOM_A_1', "'name'"),
        ('?name=', "'name'"),
        ('?name=endswith:X', "unknown operator 'endswith'"),
        ('?name=in:A&name=in:B', 'more than once'),
        ('?associated=yes', "'associated': must be true or false"),
        ('?associated=', "'associated'"),
        ('?other=1', "'other'"),
    ])
    def test_bad_filters_are_a_400(self, client, query, words):
        response = _listed(client, query, status=400)
        assert words in _detail(response)


class TestProviderTraits:

    def test_get_set_delete(self, client):
        rp = client.create_provider('rp')
        client.request('PUT', '/traits/CUSTOM_X', status=201)
        shown = client.request('GET', _traits_path(rp), version='1.6',
                               status=200).json
        assert shown == {'traits': [], 'resource_provider_generation': 0}
        put = _set(client, rp, ['CUSTOM_X', AVX2, 'CUSTOM_X'], 0,
                   version='1.6').json
        assert sorted(put['traits']) == ['CUSTOM_X', AVX2]
        assert put['resource_provider_generation'] == 1
        shown = client.request('GET', _traits_path(rp), status=200).json
        assert sorted(shown['traits']) == sorted(put['traits'])
        assert shown['resource_provider_generation'] == 1
        client.request('DELETE', _traits_path(rp), status=204)
        shown = client.request('GET', _traits_path(rp), status=200).json
        assert shown == {'traits': [], 'resource_provider_generation': 2}

    def test_generation_rises_only_when_the_set_changes(self, client):
        rp = client.create_provider('rp')
        assert _set(client, rp, [AVX2], 0).json[
            'resource_provider_generation'] == 1
        same = _set(client, rp, [AVX2, AVX2], 1).json
        assert same == {'traits': [AVX2], 'resource_provider_generation': 1}
        assert _set(client, rp, [], 1).json[
            'resource_provider_generation'] == 2
        # Deleting no traits changes nothing either.
        client.request('DELETE', _traits_path(rp), status=204)
        assert client.request('GET', f'{RPS}/{rp["uuid"]}').json[
            'generation'] == 2

    def test_unknown_provider(self, client):
        missing = {'uuid': '8a3fd7a8-5b3d-4c4e-9d36-33c8a1c3e0f1'}
        for method in ('GET', 'DELETE'):
            client.request(method, _traits_path(missing), status=404)
        _set(client, missing, [AVX2], 0, status=404)
        client.request('GET', f'{RPS}/not-a-uuid/traits', status=404)

    def test_stale_generation_is_a_conflict(self, client):
        rp = client.create_provider('rp')
        _set(client, rp, [AVX2], 0)
        response = _set(client, rp, ['HW_CPU_X86_SSE'], 0, status=409)
        assert response.json['errors'][0]['code'] == (
            'placement.concurrent_update')
        assert client.request('GET', _traits_path(rp)).json['traits'] == [
            AVX2]

    def test_unknown_traits_are_named_and_nothing_changes(self, client):
        rp = client.create_provider('rp')
        response = _set(client, rp, [AVX2, 'CUSTOM_NOPE', 'ALSO_NOPE'], 0,
                        status=400)
        assert 'ALSO_NOPE' in _detail(response)
        assert 'CUSTOM_NOPE' in _detail(response)
        assert client.request('GET', _traits_path(rp)).json == {
            'traits': [], 'resource_provider_generation': 0}

    @pytest.mark.parametrize('body, field', [
        ({'traits': [AVX2]}, 'resource_provider_generation'),
        ({'resource_provider_generation': 0}, 'traits'),
        ({'traits': AVX2, 'resource_provider_generation': 0}, 'traits'),
        ({'traits': [''], 'resource_provider_generation': 0}, 'traits/0'),
        ({'traits': ['X' * 256], 'resource_provider_generation': 0},
         'traits/0'),
        ({'traits': [1], 'resource_provider_generation': 0}, 'traits/0'),
        ({'traits': [], 'resource_provider_generation': -1},
         'resource_provider_generation'),
        ({'traits': [], 'resource_provider_generation': 0, 'x': 1},
         '(request body)'),
    ])
    def test_bad_bodies(self, client, body, field):
        rp = client.create_provider('rp')
        response = client.request('PUT', _traits_path(rp), body, status=400)
        assert f"'{field}'" in _detail(response)

    def test_error_order(self, client):
        """Schema (400), then provider (404), then generation (409),
        then unknown traits (400)."""
        missing = {'uuid': '8a3fd7a8-5b3d-4c4e-9d36-33c8a1c3e0f1'}
        client.request('PUT', _traits_path(missing), {'traits': 'x'},
                       status=400)
        _set(client, missing, ['NOPE'], 5, status=404)
        rp = client.create_provider('rp')
        _set(client, rp, ['NOPE'], 5, status=409)
        _set(client, rp, ['NOPE'], 0, status=400)

    def test_last_modified_is_the_newest_trait(self, client):
        rp = client.create_provider('rp')
        client.request('PUT', '/traits/CUSTOM_T', status=201)
        put = _set(client, rp, ['CUSTOM_T'], 0, version='1.15')
        shown = client.request('GET', _traits_path(rp), version='1.15')
        created = client.request('GET', '/traits/CUSTOM_T', version='1.15')
        assert (put.headers['Last-Modified']
                == shown.headers['Last-Modified']
                == created.headers['Last-Modified'])
        assert 'Last-Modified' not in client.request(
            'GET', _traits_path(rp), version='1.14').headers

    def test_deleting_the_provider_removes_its_links(self, client):
        rp = client.create_provider('rp')
        client.request('PUT', '/traits/CUSTOM_GONE', status=201)
        _set(client, rp, ['CUSTOM_GONE'], 0)
        client.request('DELETE', f'{RPS}/{rp["uuid"]}', status=204)
        assert _listed(client, '?associated=true') == []
        client.request('DELETE', '/traits/CUSTOM_GONE', status=204)
