"""/resource_classes and /resource_classes/{name} (doc/api.md section 6)."""

import os_resource_classes
import pytest

RCS = '/resource_classes'


def error(response) -> dict:
    return response.json['errors'][0]


def names(client) -> list[str]:
    return [rc['name'] for rc in
            client.request('GET', RCS, status=200).json['resource_classes']]


def create(client, name, status=201, version='latest'):
    return client.request('POST', RCS, {'name': name}, version=version,
                          status=status)


@pytest.mark.parametrize('method, path', [
    ('GET', RCS), ('POST', RCS), ('GET', RCS + '/VCPU'),
    ('PUT', RCS + '/CUSTOM_A'), ('DELETE', RCS + '/CUSTOM_A'),
])
def test_routes_do_not_exist_below_1_2(client, method, path):
    body = {'name': 'CUSTOM_A'} if method in ('POST', 'PUT') else None
    client.request(method, path, body, version='1.1', status=404)
    assert 'CUSTOM_A' not in names(client)


def test_list_has_every_standard_class(client):
    listed = names(client)
    assert set(os_resource_classes.STANDARDS) <= set(listed)
    vcpu = client.request('GET', RCS).json['resource_classes'][
        listed.index('VCPU')]
    assert vcpu == {'name': 'VCPU', 'links': [
        {'rel': 'self', 'href': f'{RCS}/VCPU'}]}


def test_list_accepts_no_query_parameters(client):
    response = client.request('GET', RCS + '?name=VCPU', status=400)
    assert 'name' in error(response)['detail']


def test_create_custom_class(client):
    response = create(client, 'CUSTOM_GPU')
    assert response.headers['Location'].endswith(f'{RCS}/CUSTOM_GPU')
    assert response.body == b''
    assert 'CUSTOM_GPU' in names(client)
    shown = client.request('GET', f'{RCS}/CUSTOM_GPU', status=200).json
    assert shown == {'name': 'CUSTOM_GPU', 'links': [
        {'rel': 'self', 'href': f'{RCS}/CUSTOM_GPU'}]}


def test_create_longest_name(client):
    name = 'CUSTOM_' + 'A' * 248
    create(client, name)
    client.request('GET', f'{RCS}/{name}', status=200)


def test_duplicate_is_409(client):
    create(client, 'CUSTOM_GPU')
    response = create(client, 'CUSTOM_GPU', status=409)
    assert error(response)['code'] == 'placement.duplicate_name'
    assert 'CUSTOM_GPU' in error(response)['detail']


@pytest.mark.parametrize('name', [
    'VCPU', 'GPU', 'CUSTOM_', 'custom_gpu', 'CUSTOM_gpu', 'CUSTOM_A-B',
    'CUSTOM_A B', 'CUSTOM_' + 'A' * 249, '', 5, None,
])
def test_create_bad_name_is_400(client, name):
    before = names(client)
    response = create(client, name, status=400)
    assert 'name' in error(response)['detail']
    assert names(client) == before


@pytest.mark.parametrize('body', [{}, {'name': 'CUSTOM_A', 'extra': 1}])
def test_create_bad_body_is_400(client, body):
    client.request('POST', RCS, body, status=400)
    assert 'CUSTOM_A' not in names(client)


def test_show_unknown_is_404(client):
    response = client.request('GET', f'{RCS}/CUSTOM_NOPE', status=404)
    assert 'CUSTOM_NOPE' in error(response)['detail']


@pytest.mark.parametrize('name', ['lower', 'A' * 256, 'A%20B'])
def test_show_impossible_name_is_404(client, name):
    client.request('GET', f'{RCS}/{name}', status=404)


def test_show_standard(client):
    client.request('GET', f'{RCS}/MEMORY_MB', status=200)


class TestRename:
    """PUT with a body renames a custom class at 1.2 to 1.6."""

    def rename(self, client, old, new, status, version='1.6'):
        return client.request('PUT', f'{RCS}/{old}', {'name': new},
                              version=version, status=status)

    @pytest.mark.parametrize('version', ['1.2', '1.6'])
    def test_rename(self, client, version):
        create(client, 'CUSTOM_OLD')
        body = self.rename(client, 'CUSTOM_OLD', 'CUSTOM_NEW', 200,
                           version).json
        assert body['name'] == 'CUSTOM_NEW'
        listed = names(client)
        assert 'CUSTOM_NEW' in listed
        assert 'CUSTOM_OLD' not in listed

    def test_rename_to_existing_is_409(self, client):
        create(client, 'CUSTOM_A')
        create(client, 'CUSTOM_B')
        response = self.rename(client, 'CUSTOM_A', 'CUSTOM_B', 409)
        assert 'CUSTOM_B' in error(response)['detail']
        assert 'code' not in error(response)
        assert {'CUSTOM_A', 'CUSTOM_B'} <= set(names(client))

    def test_rename_unknown_is_404(self, client):
        self.rename(client, 'CUSTOM_A', 'CUSTOM_B', 404)

    def test_rename_standard_is_400(self, client):
        response = self.rename(client, 'VCPU', 'CUSTOM_CPU', 400)
        assert 'VCPU' in error(response)['detail']
        assert 'VCPU' in names(client)
        assert 'CUSTOM_CPU' not in names(client)

    @pytest.mark.parametrize('new', ['VCPU', 'NOT_CUSTOM', 'CUSTOM_a'])
    def test_rename_to_non_custom_is_400(self, client, new):
        create(client, 'CUSTOM_A')
        self.rename(client, 'CUSTOM_A', new, 400)
        assert 'CUSTOM_A' in names(client)

    def test_rename_needs_a_body(self, client):
        create(client, 'CUSTOM_A')
        client.request('PUT', f'{RCS}/CUSTOM_A', version='1.6',
                       headers={'Content-Type': 'application/json'},
                       status=400)


class TestEnsure:
    """PUT without a body creates or confirms a custom class from 1.7."""

    def put(self, client, name, status):
        return client.request('PUT', f'{RCS}/{name}', version='1.7',
                              status=status)

    def test_create_then_confirm(self, client):
        response = self.put(client, 'CUSTOM_A', 201)
        assert response.headers['Location'].endswith(f'{RCS}/CUSTOM_A')
        assert 'CUSTOM_A' in names(client)
        response = self.put(client, 'CUSTOM_A', 204)
        assert response.body == b''
        assert names(client).count('CUSTOM_A') == 1

    @pytest.mark.parametrize('name', ['VCPU', 'DISK_GB', 'CUSTOM_a', 'ABC',
                                      'CUSTOM_' + 'A' * 249])
    def test_standard_or_bad_name_is_400(self, client, name):
        before = names(client)
        response = self.put(client, name, 400)
        assert 'CUSTOM_' in error(response)['detail']
        assert names(client) == before


class TestDelete:

    def test_delete(self, client):
        create(client, 'CUSTOM_A')
        response = client.request('DELETE', f'{RCS}/CUSTOM_A', status=204)
        assert response.body == b''
        assert 'CUSTOM_A' not in names(client)
        client.request('DELETE', f'{RCS}/CUSTOM_A', status=404)

    def test_delete_standard_is_400(self, client):
        response = client.request('DELETE', f'{RCS}/VCPU', status=400)
        assert 'VCPU' in error(response)['detail']
        assert 'VCPU' in names(client)

    def test_delete_in_use_is_409(self, client):
        create(client, 'CUSTOM_A')
        rp = client.create_provider('rp', {'CUSTOM_A': {'total': 1}})
        response = client.request('DELETE', f'{RCS}/CUSTOM_A', status=409)
        assert 'CUSTOM_A' in error(response)['detail']
        assert 'CUSTOM_A' in names(client)
        client.request(
            'DELETE', f'/resource_providers/{rp["uuid"]}/inventories',
            status=204)
        client.request('DELETE', f'{RCS}/CUSTOM_A', status=204)
