"""A final newline, or any control character, is refused wherever a
name, class, uuid or id is read: body fields and keys, path items and
query values. Python's ``$`` also matches before a final newline, so
every ``^...$`` pattern let "VCPU\\n" through until these checks."""

import uuid

import pytest

NL = '\n'


@pytest.fixture
def rp(client):
    return client.create_provider('rp', {'VCPU': {'total': 8}})


def state(client) -> dict:
    """Everything a refused write could have changed."""
    providers = client.request('GET', '/resource_providers').json
    return {
        'providers': providers,
        'classes': client.request('GET', '/resource_classes').json,
        'inventories': [client.request(
            'GET', f'/resource_providers/{p["uuid"]}/inventories').json
            for p in providers['resource_providers']],
    }


def body_writes(rp: dict, consumer: str) -> dict:
    """name: (method, path, body with a final newline in one string)."""
    inventories = f'/resource_providers/{rp["uuid"]}/inventories'
    allocation = {'allocations': {rp['uuid']: {'resources': {'VCPU': 1}}},
                  'project_id': 'p', 'user_id': 'u',
                  'consumer_generation': None, 'consumer_type': 'INSTANCE'}
    return {
        'provider-name': ('POST', '/resource_providers',
                          {'name': 'new' + NL}),
        'provider-rename': ('PUT', f'/resource_providers/{rp["uuid"]}',
                            {'name': 'renamed' + NL}),
        'provider-uuid': ('POST', '/resource_providers',
                          {'name': 'other', 'uuid': str(uuid.uuid4()) + NL}),
        'class-name': ('POST', '/resource_classes',
                       {'name': 'CUSTOM_NEW' + NL}),
        'inventory-class-key': ('PUT', inventories, {
            'resource_provider_generation': rp['generation'],
            'inventories': {'VCPU' + NL: {'total': 4}}}),
        'inventory-class-field': ('POST', inventories, {
            'resource_class': 'DISK_GB' + NL, 'total': 4}),
        'allocation-provider-key': ('PUT', f'/allocations/{consumer}', dict(
            allocation, allocations={rp['uuid'] + NL: {
                'resources': {'VCPU': 1}}})),
        'allocation-class-key': ('PUT', f'/allocations/{consumer}', dict(
            allocation, allocations={rp['uuid']: {
                'resources': {'VCPU' + NL: 1}}})),
        'allocation-project': ('PUT', f'/allocations/{consumer}',
                               dict(allocation, project_id='p' + NL)),
        'allocation-consumer-type': ('PUT', f'/allocations/{consumer}',
                                     dict(allocation,
                                          consumer_type='INSTANCE' + NL)),
    }


@pytest.mark.parametrize('write', sorted(body_writes(
    {'uuid': 'x', 'generation': 0}, 'c')))
def test_body_string_with_final_newline_is_400(client, rp, write):
    consumer = str(uuid.uuid4())
    method, path, body = body_writes(rp, consumer)[write]
    before = state(client)
    response = client.request(method, path, body)
    assert response.status_int == 400, response.body
    assert response.json['errors'][0]['detail'].startswith(
        'Invalid input for field')
    assert state(client) == before
    assert client.request('GET', f'/allocations/{consumer}').json[
        'allocations'] == {}


@pytest.mark.parametrize('character', ['\t', '\x01', '\x7f'])
def test_other_control_characters_in_keys_are_400(client, rp, character):
    path = f'/resource_providers/{rp["uuid"]}/inventories'
    body = {'resource_provider_generation': rp['generation'],
            'inventories': {'VCPU' + character: {'total': 4}}}
    before = state(client)
    assert client.request('PUT', path, body).status_int == 400
    assert state(client) == before


def test_class_named_in_path_with_final_newline(client):
    before = state(client)
    assert client.request('PUT', '/resource_classes/CUSTOM_A%0A',
                          version='1.7').status_int == 400
    assert client.request('PUT', '/resource_classes/CUSTOM_A%0A',
                          version='1.6').status_int == 404
    assert client.request('GET', '/resource_classes/VCPU%0A'
                          ).status_int == 404
    assert state(client) == before


def test_uuid_in_path_with_final_newline(client, rp):
    consumer = str(uuid.uuid4())
    before = state(client)
    assert client.request(
        'GET', f'/resource_providers/{rp["uuid"]}%0A').status_int == 404
    response = client.request('PUT', f'/allocations/{consumer}%0A', {
        'allocations': {rp['uuid']: {'resources': {'VCPU': 1}}},
        'project_id': 'p', 'user_id': 'u', 'consumer_generation': None,
        'consumer_type': 'INSTANCE'})
    assert response.status_int == 400, response.body
    assert state(client) == before


def test_uuid_in_query_with_final_newline(client, rp):
    response = client.request('GET',
                              f'/resource_providers?uuid={rp["uuid"]}%0A')
    assert response.status_int == 400, response.body
