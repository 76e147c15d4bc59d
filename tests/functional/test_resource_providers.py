"""/resource_providers and /resource_providers/{uuid} (doc/api.md
sections 5 and 18)."""

import json
import uuid as uuidlib

import pytest

from placement_min import patterns

RPS = '/resource_providers'
DUPLICATE = 'placement.duplicate_name'


def error(response) -> dict:
    return response.json['errors'][0]


def test_create_below_1_20_is_201_with_location_and_no_body(client):
    rp_uuid = str(uuidlib.uuid4())
    response = client.request('POST', RPS, {'name': 'a', 'uuid': rp_uuid},
                              version='1.19', status=201)
    assert response.body == b''
    assert response.headers['Location'].endswith(f'{RPS}/{rp_uuid}')
    shown = client.request('GET', f'{RPS}/{rp_uuid}', status=200).json
    assert shown['name'] == 'a'
    assert shown['generation'] == 0


def test_create_from_1_20_returns_the_provider(client):
    response = client.request('POST', RPS, {'name': 'a'}, version='1.20',
                              status=200)
    body = response.json
    assert patterns.is_uuid(body['uuid'])
    assert body['name'] == 'a'
    assert body['generation'] == 0
    assert body['parent_provider_uuid'] is None
    assert body['root_provider_uuid'] == body['uuid']
    assert response.headers['Location'].endswith(f'{RPS}/{body["uuid"]}')


def test_generated_uuids_differ(client):
    first = client.create_provider('a')
    second = client.create_provider('b')
    assert first['uuid'] != second['uuid']


def test_uuid_is_stored_lower_case(client):
    rp_uuid = str(uuidlib.uuid4())
    rp = client.create_provider('a', uuid=rp_uuid.upper())
    assert rp['uuid'] == rp_uuid
    client.request('GET', f'{RPS}/{rp_uuid.upper()}', status=200)


@pytest.mark.parametrize('field', ['name', 'uuid'])
def test_duplicate_name_or_uuid_is_409(client, field):
    rp = client.create_provider('a')
    body = {'name': 'b', 'uuid': str(uuidlib.uuid4())}
    body[field] = rp[field]
    response = client.request('POST', RPS, body, status=409)
    assert error(response)['code'] == DUPLICATE
    assert rp[field] in error(response)['detail']
    names = [p['name'] for p in
             client.request('GET', RPS, status=200).json[
                 'resource_providers']]
    assert names == ['a']


@pytest.mark.parametrize('body, field', [
    ({}, 'name'),
    ({'name': ''}, 'name'),
    ({'name': 'x' * 201}, 'name'),
    ({'name': 5}, 'name'),
    ({'name': 'a\nb'}, 'name'),
    ({'name': 'a', 'uuid': 'not-a-uuid'}, 'uuid'),
    ({'name': 'a', 'extra': 1}, 'extra'),
    ({'name': 'a', 'parent_provider_uuid': 'nope'}, 'parent_provider_uuid'),
])
def test_create_invalid_body_is_400_naming_the_field(client, body, field):
    response = client.request('POST', RPS, body, status=400)
    assert field in error(response)['detail']
    assert client.request('GET', RPS).json['resource_providers'] == []


def test_name_of_200_characters_is_accepted(client):
    assert client.create_provider('x' * 200)['name'] == 'x' * 200


def test_parent_below_1_14_is_an_unknown_field(client):
    parent = client.create_provider('parent')
    response = client.request(
        'POST', RPS, {'name': 'child', 'parent_provider_uuid':
                      parent['uuid']}, version='1.13', status=400)
    assert 'parent_provider_uuid' in error(response)['detail']


def test_parent_must_exist(client):
    missing = str(uuidlib.uuid4())
    response = client.request('POST', RPS, {
        'name': 'child', 'parent_provider_uuid': missing}, status=400)
    assert missing in error(response)['detail']
    assert client.request('GET', RPS).json['resource_providers'] == []


def test_tree_fields_from_1_14(client):
    root = client.create_provider('root')
    child = client.create_provider('child', parent=root['uuid'])
    grandchild = client.create_provider('grandchild', parent=child['uuid'])
    assert child['parent_provider_uuid'] == root['uuid']
    assert grandchild['root_provider_uuid'] == root['uuid']
    assert grandchild['parent_provider_uuid'] == child['uuid']
    shown = client.request('GET', f'{RPS}/{grandchild["uuid"]}',
                           version='1.14', status=200).json
    assert shown['root_provider_uuid'] == root['uuid']
    old = client.request('GET', f'{RPS}/{grandchild["uuid"]}',
                         version='1.13', status=200).json
    assert 'parent_provider_uuid' not in old
    assert 'root_provider_uuid' not in old


@pytest.mark.parametrize('version, rels', [
    ('1.0', []),
    ('1.1', ['aggregates']),
    ('1.5', ['aggregates']),
    ('1.6', ['aggregates', 'traits']),
    ('1.10', ['aggregates', 'traits']),
    ('1.11', ['aggregates', 'traits', 'allocations']),
    ('1.39', ['aggregates', 'traits', 'allocations']),
])
def test_links_by_version_in_order(client, version, rels):
    """README: the provider body's links, added by version in the
    order aggregates (1.1), traits (1.6), allocations (1.11), the same
    in GET, the list, PUT and POST (1.20+)."""
    rp = client.create_provider('a')
    href = f'{RPS}/{rp["uuid"]}'
    expected = [{'rel': 'self', 'href': href},
                {'rel': 'inventories', 'href': href + '/inventories'},
                {'rel': 'usages', 'href': href + '/usages'}]
    expected += [{'rel': rel, 'href': f'{href}/{rel}'} for rel in rels]
    shown = client.request('GET', href, version=version, status=200).json
    assert shown['links'] == expected
    listed = client.request('GET', RPS, version=version, status=200).json
    assert listed['resource_providers'][0]['links'] == expected
    put = client.request('PUT', href, {'name': 'b'}, version=version,
                         status=200).json
    assert put['links'] == expected
    if tuple(map(int, version.split('.'))) >= (1, 20):
        created = client.request('POST', RPS, {'name': 'c'},
                                 version=version, status=200).json
        assert [link['rel'] for link in created['links']] == [
            link['rel'] for link in expected]


def test_links_under_a_mount_point(client):
    """Served under a path prefix (SCRIPT_NAME), links carry it."""
    rp = client.create_provider('a')
    shown = client.app.get(f'{RPS}/{rp["uuid"]}', extra_environ={
        'SCRIPT_NAME': '/placement'}, headers={
        'X-Auth-Token': 'admin', 'OpenStack-API-Version': 'placement 1.11'})
    assert {link['href'] for link in shown.json['links']} == {
        f'/placement{RPS}/{rp["uuid"]}{tail}'
        for tail in ('', '/inventories', '/usages', '/aggregates',
                     '/traits', '/allocations')}


@pytest.mark.parametrize('version', ['1.0', '1.13', '1.14', '1.20',
                                     'latest'])
@pytest.mark.parametrize('script_name', ['', '/pl"ace\\ment'])
def test_body_is_exactly_what_json_dumps_writes(client, version,
                                                script_name):
    """Every provider body, listed or alone, is written as text: it must
    be byte for byte what json.dumps writes for the same document, with
    names and mount points that need escaping (non-ASCII, a character
    beyond the BMP, quote and backslash), roots and children."""
    root = client.create_provider('quote " backslash \\ caf\u00e9 \u2603 '
                                  '\U0001F600')
    client.create_provider('child', parent=root['uuid'])
    headers = {'X-Auth-Token': 'admin',
               'OpenStack-API-Version': f'placement {version}'}
    environ = {'SCRIPT_NAME': script_name}
    responses = [client.app.get(path, headers=headers,
                                extra_environ=environ)
                 for path in (RPS, f'{RPS}/{root["uuid"]}',
                              f'{RPS}?name=child')]
    responses.append(client.app.put_json(
        f'{RPS}/{root["uuid"]}', {'name': 'renamed \u00e9'},
        headers=headers, extra_environ=environ))
    for response in responses:
        assert response.body == json.dumps(response.json).encode()
    listed = responses[0].json['resource_providers']
    assert len(listed) == 2
    assert listed[0]['name'] == root['name']
    assert listed[0]['links'][0]['href'] == (
        f'{script_name}{RPS}/{root["uuid"]}')


class TestList:

    @pytest.fixture
    def tree(self, client):
        root = client.create_provider('root')
        child = client.create_provider('child', parent=root['uuid'])
        other = client.create_provider('other')
        return root, child, other

    def names(self, client, query_string='', version='latest', status=200):
        response = client.request('GET', RPS + query_string,
                                  version=version, status=status)
        if status != 200:
            return error(response)['detail']
        return [rp['name'] for rp in response.json['resource_providers']]

    def test_all(self, client, tree):
        assert self.names(client) == ['root', 'child', 'other']

    def test_empty(self, client):
        assert self.names(client) == []

    def test_by_name(self, client, tree):
        assert self.names(client, '?name=child') == ['child']
        assert self.names(client, '?name=nobody') == []

    def test_by_non_ascii_name(self, client):
        client.create_provider('caf\u00e9 \u2603')
        assert self.names(client, '?name=caf%C3%A9%20%E2%98%83') == [
            'caf\u00e9 \u2603']

    def test_by_uuid(self, client, tree):
        assert self.names(client, f'?uuid={tree[2]["uuid"]}') == ['other']
        assert self.names(client, f'?uuid={uuidlib.uuid4()}') == []

    def test_by_uuid_upper_case(self, client, tree):
        upper = tree[2]['uuid'].upper()
        assert self.names(client, f'?uuid={upper}') == ['other']

    def test_in_tree(self, client, tree):
        for member in tree[:2]:
            assert self.names(client, f'?in_tree={member["uuid"]}') == [
                'root', 'child']
        assert self.names(client, f'?in_tree={tree[2]["uuid"]}') == [
            'other']
        assert self.names(client, f'?in_tree={uuidlib.uuid4()}') == []

    def test_filters_combine(self, client, tree):
        assert self.names(
            client, f'?in_tree={tree[0]["uuid"]}&name=child') == ['child']
        assert self.names(
            client, f'?in_tree={tree[0]["uuid"]}&name=other') == []

    def test_in_tree_unknown_below_1_14(self, client, tree):
        detail = self.names(client, f'?in_tree={tree[0]["uuid"]}',
                            version='1.13', status=400)
        assert 'in_tree' in detail

    @pytest.mark.parametrize('query_string, named', [
        ('?bogus=1', 'bogus'),
        ('?name=a&name=b', 'name'),
        ('?uuid=not-a-uuid', 'uuid'),
        ('?in_tree=12', 'in_tree'),
        ('?name=' + 'x' * 201, 'name'),
    ])
    def test_bad_query_is_400(self, client, tree, query_string, named):
        detail = self.names(client, query_string, status=400)
        assert named in detail

    def test_malformed_query_is_400(self, client):
        assert 'query' in self.names(client, '?%ff=1', status=400).lower()


class TestShow:

    def test_unknown_is_404_naming_it(self, client):
        missing = str(uuidlib.uuid4())
        response = client.request('GET', f'{RPS}/{missing}', status=404)
        assert missing in error(response)['detail']

    @pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE'])
    @pytest.mark.parametrize('bad', ['not-a-uuid', '1234', 'x' * 300])
    def test_non_uuid_path_is_404(self, client, method, bad):
        body = {'name': 'a'} if method == 'PUT' else None
        response = client.request(method, f'{RPS}/{bad}', body, status=404)
        assert 'resource provider' in error(response)['detail']

    def test_show_no_query_parameters(self, client):
        rp = client.create_provider('a')
        client.request('GET', f'{RPS}/{rp["uuid"]}', status=200)


class TestUpdate:

    def test_rename(self, client):
        rp = client.create_provider('a')
        path = f'{RPS}/{rp["uuid"]}'
        body = client.request('PUT', path, {'name': 'b'}, status=200).json
        assert body['name'] == 'b'
        assert body['generation'] == rp['generation']
        assert client.request('GET', path).json['name'] == 'b'

    def test_same_name_is_accepted(self, client):
        rp = client.create_provider('a')
        client.request('PUT', f'{RPS}/{rp["uuid"]}', {'name': 'a'},
                       status=200)

    def test_duplicate_name_is_409(self, client):
        client.create_provider('a')
        rp = client.create_provider('b')
        path = f'{RPS}/{rp["uuid"]}'
        response = client.request('PUT', path, {'name': 'a'}, status=409)
        assert error(response)['code'] == DUPLICATE
        assert client.request('GET', path).json['name'] == 'b'

    def test_unknown_provider_is_404(self, client):
        client.request('PUT', f'{RPS}/{uuidlib.uuid4()}', {'name': 'a'},
                       status=404)

    @pytest.mark.parametrize('body', [{}, {'name': ''}, {'uuid': 'x'},
                                      {'name': 'a', 'generation': 1}])
    def test_invalid_body_is_400(self, client, body):
        rp = client.create_provider('a')
        client.request('PUT', f'{RPS}/{rp["uuid"]}', body, status=400)

    def test_parent_field_below_1_14_is_400(self, client):
        parent = client.create_provider('parent')
        rp = client.create_provider('a')
        client.request('PUT', f'{RPS}/{rp["uuid"]}', {
            'name': 'a', 'parent_provider_uuid': parent['uuid']},
            version='1.13', status=400)


class TestReparent:
    """1.14 may give a root a parent; only 1.37+ may change or remove it."""

    def put(self, client, rp, parent, version='latest', status=200):
        return client.request(
            'PUT', f'{RPS}/{rp["uuid"]}',
            {'name': rp['name'], 'parent_provider_uuid': parent},
            version=version, status=status)

    def shown(self, client, rp):
        return client.request('GET', f'{RPS}/{rp["uuid"]}').json

    def test_set_parent_on_a_root_at_1_14(self, client):
        parent = client.create_provider('parent')
        rp = client.create_provider('rp')
        child = client.create_provider('child', parent=rp['uuid'])
        body = self.put(client, rp, parent['uuid'], version='1.14').json
        assert body['parent_provider_uuid'] == parent['uuid']
        assert body['root_provider_uuid'] == parent['uuid']
        assert self.shown(client, child)['root_provider_uuid'] == (
            parent['uuid'])

    @pytest.mark.parametrize('version', ['1.14', '1.36'])
    def test_change_parent_refused_below_1_37(self, client, version):
        first = client.create_provider('first')
        second = client.create_provider('second')
        rp = client.create_provider('rp', parent=first['uuid'])
        response = self.put(client, rp, second['uuid'], version=version,
                            status=400)
        assert '1.37' in error(response)['detail']
        response = self.put(client, rp, None, version=version, status=400)
        assert self.shown(client, rp)['parent_provider_uuid'] == (
            first['uuid'])

    def test_same_parent_is_accepted_below_1_37(self, client):
        first = client.create_provider('first')
        rp = client.create_provider('rp', parent=first['uuid'])
        self.put(client, rp, first['uuid'], version='1.14')

    def test_change_parent_from_1_37(self, client):
        first = client.create_provider('first')
        second = client.create_provider('second')
        rp = client.create_provider('rp', parent=first['uuid'])
        child = client.create_provider('child', parent=rp['uuid'])
        body = self.put(client, rp, second['uuid'], version='1.37').json
        assert body['root_provider_uuid'] == second['uuid']
        assert self.shown(client, child)['root_provider_uuid'] == (
            second['uuid'])

    def test_remove_parent_from_1_37(self, client):
        first = client.create_provider('first')
        rp = client.create_provider('rp', parent=first['uuid'])
        child = client.create_provider('child', parent=rp['uuid'])
        body = self.put(client, rp, None, version='1.37').json
        assert body['parent_provider_uuid'] is None
        assert body['root_provider_uuid'] == rp['uuid']
        assert self.shown(client, child)['root_provider_uuid'] == rp['uuid']

    @pytest.mark.parametrize('target', ['self', 'child', 'grandchild'])
    def test_loops_are_refused(self, client, target):
        rp = client.create_provider('rp')
        child = client.create_provider('child', parent=rp['uuid'])
        grandchild = client.create_provider('grandchild',
                                            parent=child['uuid'])
        parent = {'self': rp, 'child': child, 'grandchild': grandchild}
        response = self.put(client, rp, parent[target]['uuid'], status=400)
        assert rp['uuid'] in error(response)['detail']
        shown = self.shown(client, rp)
        assert shown['parent_provider_uuid'] is None
        assert self.shown(client, grandchild)['root_provider_uuid'] == (
            rp['uuid'])

    def test_unknown_parent_is_400(self, client):
        rp = client.create_provider('rp')
        missing = str(uuidlib.uuid4())
        response = self.put(client, rp, missing, status=400)
        assert missing in error(response)['detail']


class TestDelete:

    def test_delete(self, client):
        rp = client.create_provider('a')
        path = f'{RPS}/{rp["uuid"]}'
        response = client.request('DELETE', path, status=204)
        assert response.body == b''
        assert 'Content-Type' not in response.headers
        client.request('GET', path, status=404)
        client.request('DELETE', path, status=404)

    def test_delete_deletes_inventory_and_frees_the_name(self, client, db):
        rp = client.create_provider('a', {'VCPU': {'total': 4},
                                          'DISK_GB': {'total': 10}})
        client.request('DELETE', f'{RPS}/{rp["uuid"]}', status=204)
        with db.engine.connect() as conn:
            count = conn.exec_driver_sql(
                'SELECT COUNT(*) FROM inventories').scalar()
        assert count == 0
        client.request('GET', f'{RPS}/{rp["uuid"]}/inventories',
                       status=404)
        client.create_provider('a')

    def test_parent_with_children_is_409(self, client):
        parent = client.create_provider('parent')
        child = client.create_provider('child', parent=parent['uuid'])
        path = f'{RPS}/{parent["uuid"]}'
        response = client.request('DELETE', path, status=409)
        assert error(response)['code'] == (
            'placement.resource_provider.cannot_delete_parent')
        assert parent['uuid'] in error(response)['detail']
        client.request('GET', path, status=200)
        client.request('DELETE', f'{RPS}/{child["uuid"]}', status=204)
        client.request('DELETE', path, status=204)

    def test_refused_delete_code_hidden_below_1_23(self, client):
        parent = client.create_provider('parent')
        client.create_provider('child', parent=parent['uuid'])
        response = client.request('DELETE', f'{RPS}/{parent["uuid"]}',
                                  version='1.22', status=409)
        assert 'code' not in error(response)
