"""Provider aggregates (1.1+), as doc/api.md section 17, README and
openapi.json describe them: a bare list before 1.19, the list with a
checked generation from 1.19, and every spelling of a uuid normalised to
one aggregate."""

import email.utils

import pytest

RPS = '/resource_providers'
A = '5b5a6f1c-3c1e-4d4c-9a43-7d1f0e2f6a01'
B = '5b5a6f1c-3c1e-4d4c-9a43-7d1f0e2f6a02'
MISSING = '8a3fd7a8-5b3d-4c4e-9d36-33c8a1c3e0f1'


def _path(rp) -> str:
    uuid = rp['uuid'] if isinstance(rp, dict) else rp
    return f'{RPS}/{uuid}/aggregates'


def _detail(response) -> str:
    return response.json['errors'][0]['detail']


def _put(client, rp, aggregates, generation=None, version='latest',
         status=200):
    body = aggregates if generation is None else {
        'aggregates': aggregates, 'resource_provider_generation': generation}
    return client.request('PUT', _path(rp), body, version=version,
                          status=status)


def test_below_1_1_there_are_none(client):
    rp = client.create_provider('rp')
    client.request('GET', _path(rp), version='1.0', status=404)
    client.request('PUT', _path(rp), [A], version='1.0', status=404)


def test_list_body_before_1_19(client):
    rp = client.create_provider('rp')
    assert client.request('GET', _path(rp), version='1.1').json == {
        'aggregates': []}
    put = _put(client, rp, [B, A], version='1.18').json
    assert put == {'aggregates': [B, A]}
    shown = client.request('GET', _path(rp), version='1.18').json
    assert sorted(shown['aggregates']) == [A, B]
    # The generation is left alone before 1.19.
    assert client.request('GET', f'{RPS}/{rp["uuid"]}').json[
        'generation'] == 0


def test_generation_checked_and_raised_from_1_19(client):
    rp = client.create_provider('rp')
    assert client.request('GET', _path(rp), version='1.19').json == {
        'aggregates': [], 'resource_provider_generation': 0}
    put = _put(client, rp, [A, B], 0).json
    assert put == {'aggregates': [A, B], 'resource_provider_generation': 1}
    # Even an unchanged set adds one.
    assert _put(client, rp, [A, B], 1).json[
        'resource_provider_generation'] == 2
    stale = _put(client, rp, [], 1, status=409)
    assert stale.json['errors'][0]['code'] == 'placement.concurrent_update'
    shown = client.request('GET', _path(rp)).json
    assert sorted(shown['aggregates']) == [A, B]
    assert shown['resource_provider_generation'] == 2
    assert _put(client, rp, [], 2).json == {
        'aggregates': [], 'resource_provider_generation': 3}


@pytest.mark.parametrize('version, body', [
    ('1.18', {'aggregates': [A], 'resource_provider_generation': 0}),
    ('1.19', [A]),
    ('1.19', {'aggregates': [A]}),
    ('1.19', {'resource_provider_generation': 0}),
    ('1.19', {'aggregates': [A], 'resource_provider_generation': 0,
              'x': 1}),
    ('1.19', {'aggregates': A, 'resource_provider_generation': 0}),
    ('1.1', [A, A]),
    ('1.1', ['not-a-uuid']),
    ('1.1', [A + '0']),
    ('1.1', ['']),
    ('1.1', [1]),
    ('1.1', ['g' * 32]),
    ('1.39', {'aggregates': ['{' + A + '}}'],
              'resource_provider_generation': 0}),
])
def test_wrong_shape_for_the_version_is_a_400(client, version, body):
    rp = client.create_provider('rp')
    client.request('PUT', _path(rp), body, version=version, status=400)
    assert client.request('GET', _path(rp)).json == {
        'aggregates': [], 'resource_provider_generation': 0}


def test_unknown_provider_is_a_404_before_the_body(client):
    for version, body in (('1.1', [A]), ('1.1', 'junk'), ('1.19', [A]),
                          ('1.39', {'bad': True})):
        client.request('PUT', _path(MISSING), body, version=version,
                       status=404)
    client.request('GET', _path(MISSING), status=404)
    client.request('GET', _path('not-a-uuid'), status=404)


def test_uuid_forms_are_one_aggregate(client):
    """README: every spelling is_uuid_like accepts (upper case, no
    dashes, braces, urn:uuid:) is stored and shown lowercase dashed."""
    rp = client.create_provider('rp')
    other = client.create_provider('other')
    spellings = [A.upper(), A.replace('-', ''), '{' + A + '}',
                 'urn:uuid:' + A, A]
    for spelling in spellings:
        generation = client.request('GET', _path(rp)).json[
            'resource_provider_generation']
        put = _put(client, rp, [spelling], generation).json
        assert put['aggregates'] == [A]
    _put(client, other, [B.upper().replace('-', '')], 0)
    assert client.request('GET', _path(other)).json['aggregates'] == [B]
    listed = client.request(
        'GET', f'{RPS}?member_of=in:{A.upper()},{B}').json
    assert {p['name'] for p in listed['resource_providers']} == {
        'rp', 'other'}


def test_two_spellings_of_one_aggregate_are_a_400(client):
    rp = client.create_provider('rp')
    response = _put(client, rp, [A, B, A.upper()], 0, status=400)
    assert A in _detail(response)
    assert client.request('GET', _path(rp)).json['aggregates'] == []


def test_list_echoed_in_request_order(client):
    rp = client.create_provider('rp')
    ordered = [B, A, '5b5a6f1c-3c1e-4d4c-9a43-7d1f0e2f6a00']
    assert _put(client, rp, ordered, 0).json['aggregates'] == ordered


def test_aggregates_are_shared_and_outlive_their_members(client):
    first = client.create_provider('first')
    second = client.create_provider('second')
    _put(client, first, [A], 0)
    _put(client, second, [A, B], 0)
    _put(client, first, [], 1)
    client.request('DELETE', f'{RPS}/{second["uuid"]}', status=204)
    listed = client.request('GET', f'{RPS}?member_of={A}').json
    assert listed['resource_providers'] == []
    _put(client, first, [B], 2)
    assert client.request('GET', _path(first)).json['aggregates'] == [B]


def test_last_modified_is_now_from_1_15(client):
    rp = client.create_provider('rp')
    for method, body in (('GET', None), ('PUT', [A])):
        old = client.request(method, _path(rp), body, version='1.14')
        assert 'Last-Modified' not in old.headers
        new = client.request(method, _path(rp), body, version='1.15')
        assert new.headers['Cache-Control'] == 'no-cache'
        assert email.utils.parsedate_to_datetime(new.headers['Last-Modified'])
