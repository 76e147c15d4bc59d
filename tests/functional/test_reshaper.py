"""POST /reshaper (1.30+): inventories of several providers and the
allocations on them replaced in one transaction, as a driver that moves
inventory into a provider tree (NUMA nodes, vGPUs) does through Nova
(doc/api.md section 13).

Every refused reshape is checked to change nothing at all.
"""

import uuid as uuidlib

import pytest

from placement_min.storage import allocation as allocation_storage
from tests import personas

CONFLICT = 'placement.concurrent_update'
IN_USE = 'placement.inventory.inuse'
NOT_FOUND = 'placement.resource_provider.not_found'
UNDEFINED = 'placement.undefined_code'


def error(response) -> dict:
    return response.json['errors'][0]


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def consumer(allocations: dict, generation) -> dict:
    """One consumer's entry, at the latest microversion."""
    return {'allocations': {rp: {'resources': resources}
                            for rp, resources in allocations.items()},
            'project_id': 'proj', 'user_id': 'user',
            'consumer_generation': generation, 'consumer_type': 'INSTANCE'}


# The reshaper's rule admits the service role only (Nova's service user).
SERVICE = personas.PERSONAS['service']


def reshape(client, inventories: dict, allocations: dict, status=204,
            version='latest'):
    return client.request('POST', '/reshaper', {
        'inventories': inventories, 'allocations': allocations},
        version=version, status=status, headers=SERVICE)


def inventories_of(client, rp) -> dict:
    return client.request(
        'GET', f'/resource_providers/{rp["uuid"]}/inventories',
        status=200).json


def state(client, rps, consumers) -> tuple:
    """Everything a refused reshape must leave as it was."""
    return ([inventories_of(client, rp) for rp in rps],
            [client.request('GET', f'/allocations/{c}', status=200).json
             for c in consumers])


def put(client, consumer_uuid, allocations):
    client.request('PUT', f'/allocations/{consumer_uuid}',
                   consumer(allocations, None), status=204)


@pytest.fixture
def tree(client):
    """A compute node with VCPU and MEMORY_MB, two NUMA children without
    inventory, and two instances using the node's VCPU and memory."""
    node = client.create_provider('node', {
        'VCPU': {'total': 8}, 'MEMORY_MB': {'total': 4096}})
    numa = [client.create_provider(f'numa{n}', parent=node['uuid'])
            for n in range(2)]
    instances = [new_uuid(), new_uuid()]
    for instance in instances:
        put(client, instance, {node['uuid']: {'VCPU': 2, 'MEMORY_MB': 1024}})
    return node, numa, instances


def _split(node, numa, generation_of_node, generations=(0, 0)) -> dict:
    """VCPU moves from the node to its NUMA children; memory stays."""
    return {
        node['uuid']: {'resource_provider_generation': generation_of_node,
                       'inventories': {'MEMORY_MB': {'total': 4096}}},
        numa[0]['uuid']: {'resource_provider_generation': generations[0],
                          'inventories': {'VCPU': {'total': 4}}},
        numa[1]['uuid']: {'resource_provider_generation': generations[1],
                          'inventories': {'VCPU': {'total': 4}}},
    }


def _moved(node, numa, instances) -> dict:
    return {
        instance: consumer({node['uuid']: {'MEMORY_MB': 1024},
                            numa[n]['uuid']: {'VCPU': 2}}, 1)
        for n, instance in enumerate(instances)}


def test_moving_inventory_with_its_allocations(client, tree):
    node, numa, instances = tree
    generation = inventories_of(client, node)['resource_provider_generation']
    reshape(client, _split(node, numa, generation),
            _moved(node, numa, instances))

    shown = inventories_of(client, node)
    assert set(shown['inventories']) == {'MEMORY_MB'}
    # Exactly one more for every provider the reshape touched.
    assert shown['resource_provider_generation'] == generation + 1
    for n, child in enumerate(numa):
        child_shown = inventories_of(client, child)
        assert child_shown['resource_provider_generation'] == 1
        assert child_shown['inventories']['VCPU']['total'] == 4
        usages = client.request(
            'GET', f'/resource_providers/{child["uuid"]}/usages',
            status=200).json['usages']
        assert usages == {'VCPU': 2}
        body = client.request('GET', f'/allocations/{instances[n]}',
                              status=200).json
        assert body['consumer_generation'] == 2
        assert {rp: target['resources']
                for rp, target in body['allocations'].items()} == {
            node['uuid']: {'MEMORY_MB': 1024},
            child['uuid']: {'VCPU': 2}}


def test_provider_touched_only_by_allocations_moves_on_by_one(client, tree):
    node, numa, instances = tree
    other = client.create_provider('other', {'VCPU': {'total': 4}})
    generation = inventories_of(client, node)['resource_provider_generation']
    reshape(client, {node['uuid']: {
        'resource_provider_generation': generation,
        'inventories': {'VCPU': {'total': 8}, 'MEMORY_MB': {'total': 4096}},
    }}, {instances[0]: consumer({other['uuid']: {'VCPU': 2}}, 1)})
    assert inventories_of(client, other)['resource_provider_generation'] == (
        other['generation'] + 1)
    assert inventories_of(client, node)['resource_provider_generation'] == (
        generation + 1)


def test_stale_provider_generation_is_409_before_anything(client, tree):
    node, numa, instances = tree
    generation = inventories_of(client, node)['resource_provider_generation']
    before = state(client, [node, *numa], instances)
    response = reshape(client, _split(node, numa, generation, (0, 7)),
                       _moved(node, numa, instances), status=409)
    assert error(response)['code'] == CONFLICT
    assert numa[1]['uuid'] in error(response)['detail']
    assert state(client, [node, *numa], instances) == before


def test_stale_provider_generation_is_not_tried_again(client, db, tree,
                                                     monkeypatch):
    """A generation the client sent cannot match on a new try: one try,
    not allocation_conflict_retry_count of them."""
    node, numa, instances = tree
    reads = []
    real = allocation_storage.read_consumers

    def read_consumers(conn, uuids):
        reads.append(uuids)
        return real(conn, uuids)

    monkeypatch.setattr(allocation_storage, 'read_consumers',
                        read_consumers)
    generation = inventories_of(client, node)['resource_provider_generation']
    reshape(client, _split(node, numa, generation + 1),
            _moved(node, numa, instances), status=409)
    assert len(reads) == 1
    assert db.allocation_tries > 1


def test_stale_consumer_generation_is_409(client, tree):
    node, numa, instances = tree
    generation = inventories_of(client, node)['resource_provider_generation']
    before = state(client, [node, *numa], instances)
    moved = _moved(node, numa, instances)
    moved[instances[1]]['consumer_generation'] = 5
    response = reshape(client, _split(node, numa, generation), moved,
                       status=409)
    assert error(response)['code'] == CONFLICT
    assert 'consumer generation conflict' in error(response)['detail']
    assert state(client, [node, *numa], instances) == before


def test_dropping_an_allocated_class_is_409_in_use(client, tree):
    """VCPU leaves the node while an instance keeps it there."""
    node, numa, instances = tree
    generation = inventories_of(client, node)['resource_provider_generation']
    before = state(client, [node, *numa], instances)
    moved = _moved(node, numa, instances)
    del moved[instances[1]]
    response = reshape(client, _split(node, numa, generation), moved,
                       status=409)
    assert error(response)['code'] == IN_USE
    detail = error(response)['detail']
    assert 'VCPU' in detail and node['uuid'] in detail
    assert state(client, [node, *numa], instances) == before


def test_moving_allocations_onto_a_dropped_class_is_409_in_use(client,
                                                                 tree):
    node, numa, instances = tree
    generation = inventories_of(client, node)['resource_provider_generation']
    before = state(client, [node, *numa], instances)
    moved = _moved(node, numa, instances)
    moved[instances[1]] = consumer(
        {node['uuid']: {'VCPU': 2, 'MEMORY_MB': 1024}}, 1)
    response = reshape(client, _split(node, numa, generation), moved,
                       status=409)
    assert error(response)['code'] == IN_USE
    assert state(client, [node, *numa], instances) == before


def test_allocations_are_checked_against_the_final_inventory(client, tree):
    node, numa, instances = tree
    generation = inventories_of(client, node)['resource_provider_generation']
    before = state(client, [node, *numa], instances)
    inventories = _split(node, numa, generation)
    inventories[numa[0]['uuid']]['inventories']['VCPU']['total'] = 1
    response = reshape(client, inventories, _moved(node, numa, instances),
                       status=409)
    assert error(response)['code'] == UNDEFINED
    assert numa[0]['uuid'] in error(response)['detail']
    assert state(client, [node, *numa], instances) == before


def test_allocation_to_a_class_absent_from_the_final_inventory(client,
                                                                tree):
    node, numa, instances = tree
    generation = inventories_of(client, node)['resource_provider_generation']
    moved = _moved(node, numa, instances)
    moved[instances[0]]['allocations'][numa[0]['uuid']] = {
        'resources': {'DISK_GB': 1, 'VCPU': 2}}
    response = reshape(client, _split(node, numa, generation), moved,
                       status=409)
    assert 'DISK_GB' in error(response)['detail']


@pytest.mark.parametrize('part', ['inventories', 'allocations'])
def test_missing_provider_is_400_not_found(client, tree, part):
    node, numa, instances = tree
    generation = inventories_of(client, node)['resource_provider_generation']
    before = state(client, [node, *numa], instances)
    missing = new_uuid()
    inventories = _split(node, numa, generation)
    moved = _moved(node, numa, instances)
    if part == 'inventories':
        inventories[missing] = {'resource_provider_generation': 0,
                                'inventories': {}}
    else:
        moved[instances[0]]['allocations'][missing] = {
            'resources': {'VCPU': 1}}
    response = reshape(client, inventories, moved, status=400)
    assert error(response)['code'] == NOT_FOUND
    assert missing in error(response)['detail']
    assert state(client, [node, *numa], instances) == before


def test_unknown_class_is_400(client, tree):
    node, numa, instances = tree
    generation = inventories_of(client, node)['resource_provider_generation']
    inventories = _split(node, numa, generation)
    inventories[numa[0]['uuid']]['inventories']['CUSTOM_NOPE'] = {
        'total': 1}
    response = reshape(client, inventories, _moved(node, numa, instances),
                       status=400)
    assert 'CUSTOM_NOPE' in error(response)['detail']


@pytest.mark.parametrize('fields, status', [
    ({'total': 4, 'reserved': 5}, 400),
    ({'total': 4, 'reserved': 4}, 204),
    ({'total': 4, 'min_unit': 3, 'max_unit': 2}, 400),
])
def test_inventory_rules_of_put_inventories_apply(client, fields, status):
    rp = client.create_provider('lone')
    response = reshape(client, {rp['uuid']: {
        'resource_provider_generation': 0,
        'inventories': {'VCPU': fields}}}, {}, status=status)
    if status == 400:
        assert 'VCPU' in error(response)['detail']
        assert inventories_of(client, rp)['inventories'] == {}


def test_empty_inventories_remove_unused_ones(client):
    rp = client.create_provider('lone', {'VCPU': {'total': 4}})
    reshape(client, {rp['uuid']: {
        'resource_provider_generation': rp['generation'],
        'inventories': {}}}, {})
    assert inventories_of(client, rp) == {
        'resource_provider_generation': rp['generation'] + 1,
        'inventories': {}}


def test_consumers_left_empty_are_deleted(client, tree):
    node, numa, instances = tree
    generation = inventories_of(client, node)['resource_provider_generation']
    reshape(client, {node['uuid']: {
        'resource_provider_generation': generation,
        'inventories': {'MEMORY_MB': {'total': 4096}}}},
        {instance: consumer({}, 1) for instance in instances})
    for instance in instances:
        assert client.request('GET', f'/allocations/{instance}',
                              status=200).json == {'allocations': {}}


def test_uuid_spellings(client, tree):
    """Provider keys in upper case and consumer keys likewise name the
    stored lowercase objects."""
    node, numa, instances = tree
    generation = inventories_of(client, node)['resource_provider_generation']
    inventories = {key.upper(): value for key, value in
                   _split(node, numa, generation).items()}
    moved = {key.upper(): value for key, value in
             _moved(node, numa, instances).items()}
    reshape(client, inventories, moved)
    assert set(inventories_of(client, node)['inventories']) == {'MEMORY_MB'}


# Microversions, methods, bodies, policy --------------------------------------

@pytest.mark.parametrize('version', ['1.0', '1.29'])
def test_404_before_1_30(client, version):
    rp = client.create_provider('lone')
    client.request('POST', '/reshaper', {'inventories': {rp['uuid']: {
        'resource_provider_generation': 0, 'inventories': {}}},
        'allocations': {}}, version=version, status=404, headers=SERVICE)
    assert inventories_of(client, rp)['resource_provider_generation'] == 0


@pytest.mark.parametrize('version', ['1.0', '1.30', 'latest'])
def test_get_is_405(client, version):
    response = client.request('GET', '/reshaper', version=version,
                              status=405, headers=SERVICE)
    assert response.headers['Allow'] == 'POST'


def test_consumer_forms_follow_the_version(client, tree):
    node, numa, instances = tree
    generation = inventories_of(client, node)['resource_provider_generation']
    moved = _moved(node, numa, instances)
    for body in moved.values():
        del body['consumer_type']
    # 1.37: no consumer_type; 1.38: required.
    reshape(client, _split(node, numa, generation), moved, version='1.38',
            status=400)
    for body in moved.values():
        body['mappings'] = {'': [numa[0]['uuid']]}
    reshape(client, _split(node, numa, generation), moved, version='1.33',
            status=400)
    reshape(client, _split(node, numa, generation), moved, version='1.34')


@pytest.mark.parametrize('body', [
    {}, {'inventories': {}, 'allocations': {}},
    {'inventories': {'x': {}}, 'allocations': {}},
    {'allocations': {}},
    {'inventories': {'3f7a5c2e-8d44-4f1b-9c3e-7a2b1d0e6f50': {
        'inventories': {}}}, 'allocations': {}},
    {'inventories': {'3f7a5c2e-8d44-4f1b-9c3e-7a2b1d0e6f50': {
        'resource_provider_generation': 0, 'inventories': {}}},
     'allocations': {}, 'extra': 1},
], ids=['empty', 'no providers', 'bad key', 'no inventories',
        'no generation', 'extra field'])
def test_malformed_bodies_are_400(client, body):
    client.request('POST', '/reshaper', body, status=400, headers=SERVICE)


@pytest.mark.parametrize('persona', ['admin', 'project_member'])
def test_only_the_service_may_reshape(client, persona):
    """Not even an admin (doc/api.md section 9): only the service that
    owns the providers knows when to reshape them."""
    rp = client.create_provider('lone', {'VCPU': {'total': 4}})
    response = client.request('POST', '/reshaper', {'inventories': {
        rp['uuid']: {'resource_provider_generation': rp['generation'],
                     'inventories': {}}}, 'allocations': {}},
        headers=personas.PERSONAS[persona], status=403)
    assert 'placement:reshaper:reshape' in error(response)['detail']
    assert inventories_of(client, rp)['inventories'] != {}
