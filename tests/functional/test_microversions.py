"""Microversion negotiation and every version gate (doc/api.md section 2)."""

import email.utils

import pytest

VARY = 'openstack-api-version'
RPS = '/resource_providers'


def served_version(response) -> str:
    return response.headers['OpenStack-API-Version']


def error(response) -> dict:
    return response.json['errors'][0]


def test_absent_header_is_1_0(client):
    response = client.request('GET', RPS, version=None, status=200)
    assert served_version(response) == 'placement 1.0'
    assert response.headers['Vary'] == VARY


def test_latest_is_1_39(client):
    response = client.request('GET', RPS, version='latest', status=200)
    assert served_version(response) == 'placement 1.39'


@pytest.mark.parametrize('name', ['openstack-api-version',
                                  'OPENSTACK-API-VERSION',
                                  'OpenStack-Api-Version'])
def test_header_name_is_case_insensitive(client, name):
    response = client.request('GET', RPS, version=None,
                              headers={name: 'placement 1.14'}, status=200)
    assert served_version(response) == 'placement 1.14'


def test_other_services_in_the_header_are_ignored(client):
    response = client.request(
        'GET', RPS, version=None, status=200,
        headers={'OpenStack-API-Version': 'compute 2.1, placement 1.9'})
    assert served_version(response) == 'placement 1.9'


def test_root_document(client):
    response = client.request('GET', '/', version=None, token=None,
                              status=200)
    assert response.json == {'versions': [{
        'id': 'v1.0', 'min_version': '1.0', 'max_version': '1.39',
        'status': 'CURRENT', 'links': [{'rel': 'self', 'href': ''}]}]}


@pytest.mark.parametrize('value', [
    'placement 1.a', 'placement 1', 'placement 01.5', 'placement 1.05',
    'placement 1.5.1', 'placement -1.5', 'placement',
    'placement latests', 'garbage', 'placement one.two', '',
])
def test_malformed_is_400(client, value):
    response = client.request(
        'GET', RPS, version=None, status=400,
        headers={'OpenStack-API-Version': value})
    assert 'microversion' in error(response)['detail'].lower()
    assert served_version(response) == 'placement 1.0'
    assert response.headers['Vary'] == VARY


@pytest.mark.parametrize('value', ['1.40', '2.0', '0.9', '1.9999'])
def test_out_of_range_is_406(client, value):
    response = client.request('GET', RPS, version=value, status=406)
    assert error(response)['min_version'] == '1.0'
    assert error(response)['max_version'] == '1.39'
    assert value in error(response)['detail']
    assert served_version(response) == 'placement 1.0'
    assert response.headers['Vary'] == VARY


@pytest.mark.parametrize('method, path, token, status', [
    ('GET', '/', None, 200),
    ('GET', RPS, 'admin', 200),
    ('GET', RPS, None, 401),
    ('GET', RPS, 'alice', 403),
    ('GET', '/nowhere', 'admin', 404),
    ('PATCH', RPS, 'admin', 405),
    ('DELETE', RPS + '/8a3fd7a8-5b3d-4c4e-9d36-33c8a1c3e0f1', 'admin', 404),
])
def test_headers_on_every_response(client, method, path, token, status):
    response = client.request(method, path, version='1.30', token=token,
                              status=status)
    assert served_version(response) == 'placement 1.30'
    assert response.headers['Vary'] == VARY


def test_version_header_on_writes(client):
    response = client.request('POST', RPS, {'name': 'a'}, version='1.19',
                              status=201)
    assert served_version(response) == 'placement 1.19'


# (path, method, body, version below the gate, its status, at the gate)
GATES = [
    ('1.2', 'GET', '/resource_classes', None, 404, 200),
    ('1.2', 'GET', '/resource_classes/VCPU', None, 404, 200),
    ('1.7', 'PUT', '/resource_classes/CUSTOM_GATE', None, 415, 201),
    ('1.14', 'GET', RPS + '?in_tree={uuid}', None, 400, 200),
    ('1.14', 'POST', RPS, {'name': 'child', 'parent_provider_uuid':
                           '{uuid}'}, 400, 201),
    ('1.20', 'POST', RPS, {'name': 'new'}, 201, 200),
    ('1.26', 'PUT', RPS + '/{uuid}/inventories/VCPU',
     {'resource_provider_generation': 1, 'total': 8, 'reserved': 8},
     400, 200),
]


@pytest.mark.parametrize('gate, method, path, body, below, at', GATES)
def test_version_gates(client, gate, method, path, body, below, at):
    rp = client.create_provider('rp', {'VCPU': {'total': 8}})
    path = path.replace('{uuid}', rp['uuid'])
    if body is not None:
        body = {k: v.replace('{uuid}', rp['uuid']) if isinstance(v, str)
                else v for k, v in body.items()}
    major, minor = gate.split('.')
    before = f'{major}.{int(minor) - 1}'
    client.request(method, path, body, version=before, status=below)
    if method == 'POST':
        body = dict(body, name=body['name'] + '-2')
    client.request(method, path, body, version=gate, status=at)


@pytest.mark.parametrize('version, status', [('1.4', 405), ('1.5', 204)])
def test_delete_all_inventories_gate(client, version, status):
    rp = client.create_provider('rp', {'VCPU': {'total': 8}})
    response = client.request(
        'DELETE', f'{RPS}/{rp["uuid"]}/inventories', version=version,
        status=status)
    if status == 405:
        assert 'DELETE' not in response.headers['Allow']


@pytest.mark.parametrize('version, has_link', [('1.10', False),
                                               ('1.11', True)])
def test_allocations_link_gate(client, version, has_link):
    rp = client.create_provider('rp')
    links = client.request('GET', f'{RPS}/{rp["uuid"]}',
                           version=version).json['links']
    assert ('allocations' in [link['rel'] for link in links]) is has_link


@pytest.mark.parametrize('version, tree', [('1.13', False), ('1.14', True)])
def test_tree_fields_gate(client, version, tree):
    client.create_provider('rp')
    rp = client.request('GET', RPS, version=version).json[
        'resource_providers'][0]
    assert ('parent_provider_uuid' in rp) is tree
    assert ('root_provider_uuid' in rp) is tree


def test_put_resource_class_gate_1_6_renames(client):
    client.request('POST', '/resource_classes', {'name': 'CUSTOM_A'},
                   status=201)
    client.request('PUT', '/resource_classes/CUSTOM_A',
                   {'name': 'CUSTOM_B'}, version='1.6', status=200)
    client.request('PUT', '/resource_classes/CUSTOM_B', version='1.7',
                   status=204)


@pytest.mark.parametrize('version, has_code', [('1.22', False),
                                               ('1.23', True)])
def test_error_code_gate(client, version, has_code):
    response = client.request('GET', f'{RPS}/nope', version=version,
                              status=404)
    assert ('code' in error(response)) is has_code
    if has_code:
        assert error(response)['code'] == 'placement.undefined_code'


@pytest.mark.parametrize('version, has_code', [('1.22', False),
                                               ('1.23', True)])
def test_error_code_gate_on_pipeline_errors(client, version, has_code):
    response = client.request('GET', RPS, version=version, token=None,
                              status=401)
    assert ('code' in error(response)) is has_code


class TestCacheHeaders:
    """From 1.15: Last-Modified and no-cache on bodies, never on 204s."""

    def responses(self, client, version):
        """Successful responses with and without a body at ``version``."""
        rp = client.create_provider('rp', {'VCPU': {'total': 8}})
        inv = f'{RPS}/{rp["uuid"]}/inventories'
        with_body = [
            client.request('GET', '/', version=version, token=None),
            client.request('GET', RPS, version=version),
            client.request('GET', f'{RPS}/{rp["uuid"]}', version=version),
            client.request('PUT', f'{RPS}/{rp["uuid"]}', {'name': 'x'},
                           version=version),
            client.request('GET', inv, version=version),
            client.request('GET', inv + '/VCPU', version=version),
            client.request('PUT', inv + '/VCPU', {
                'resource_provider_generation': 1, 'total': 4},
                version=version),
            client.request('PUT', inv, {'resource_provider_generation': 2,
                                        'inventories': {}},
                           version=version),
            client.request('POST', inv, {'resource_class': 'VCPU',
                                         'total': 4}, version=version),
            client.request('GET', '/resource_classes', version=version),
            client.request('GET', '/resource_classes/VCPU',
                           version=version),
        ]
        bodiless = [
            client.request('DELETE', inv + '/VCPU', version=version),
            client.request('POST', '/resource_classes',
                           {'name': 'CUSTOM_C'}, version=version),
            client.request('DELETE', '/resource_classes/CUSTOM_C',
                           version=version),
        ]
        for response in with_body + bodiless:
            assert response.status_int < 300, response.body
        return with_body, bodiless

    def test_from_1_15(self, client):
        with_body, bodiless = self.responses(client, '1.15')
        for response in with_body:
            assert response.headers['Cache-Control'] == 'no-cache'
            moment = email.utils.parsedate_to_datetime(
                response.headers['Last-Modified'])
            assert moment.tzinfo is not None
        for response in bodiless:
            assert 'Cache-Control' not in response.headers
            assert 'Last-Modified' not in response.headers
            assert 'Content-Type' not in response.headers

    def test_absent_at_1_14(self, client):
        with_body, bodiless = self.responses(client, '1.14')
        for response in with_body + bodiless:
            assert 'Cache-Control' not in response.headers
            assert 'Last-Modified' not in response.headers

    def test_provider_create_body_from_1_20(self, client):
        response = client.request('POST', RPS, {'name': 'a'},
                                  version='1.20', status=200)
        assert response.headers['Cache-Control'] == 'no-cache'
        assert 'Last-Modified' in response.headers

    def test_not_on_errors(self, client):
        response = client.request('GET', f'{RPS}/nope', status=404)
        assert 'Last-Modified' not in response.headers
        assert 'Cache-Control' not in response.headers
