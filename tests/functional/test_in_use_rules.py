"""Inventory rules that depend on allocations (sections 5, 6 and 7).

Each removal is refused with its error code while an allocation uses
the inventory, changes nothing, and succeeds once the allocations are
gone. Shrinking below usage is accepted with a warning in the log.
"""

import logging
import threading
import uuid as uuidlib

import pytest
import sqlalchemy as sa

from placement_min import errors
from placement_min.storage import allocation
from placement_min.storage import inventory
from placement_min.storage import resource_provider
from placement_min.storage import tables

INVENTORY_IN_USE = 'placement.inventory.inuse'
PROVIDER_IN_USE = 'placement.resource_provider.inuse'


def error(response) -> dict:
    return response.json['errors'][0]


def allocate(client, rp, resources: dict) -> str:
    consumer = str(uuidlib.uuid4())
    client.request('PUT', f'/allocations/{consumer}', {
        'allocations': {rp['uuid']: {'resources': resources}},
        'project_id': 'proj', 'user_id': 'user',
        'consumer_generation': None, 'consumer_type': 'INSTANCE',
    }, status=204)
    return consumer


def provider_path(rp) -> str:
    return f'/resource_providers/{rp["uuid"]}'


def inventories(client, rp) -> dict:
    return client.request('GET', provider_path(rp) + '/inventories',
                          status=200).json


@pytest.fixture
def rp(client):
    """A provider with 8 VCPU and 16 DISK_GB, at generation 1."""
    return client.create_provider('rp', {'VCPU': {'total': 8},
                                         'DISK_GB': {'total': 16}})


def _delete_one(client, rp, status):
    return client.request('DELETE', provider_path(rp) + '/inventories/VCPU',
                          status=status)


def _put_all_without_vcpu(client, rp, status):
    generation = inventories(client, rp)['resource_provider_generation']
    return client.request('PUT', provider_path(rp) + '/inventories', {
        'resource_provider_generation': generation,
        'inventories': {'DISK_GB': {'total': 16}}}, status=status)


def _delete_all(client, rp, status):
    return client.request('DELETE', provider_path(rp) + '/inventories',
                          status=status)


def _delete_provider(client, rp, status):
    return client.request('DELETE', provider_path(rp), status=status)


REMOVALS = {
    'delete one inventory': (_delete_one, 204, INVENTORY_IN_USE),
    'put all without the class': (_put_all_without_vcpu, 200,
                                  INVENTORY_IN_USE),
    'delete all inventories': (_delete_all, 204, INVENTORY_IN_USE),
    'delete provider': (_delete_provider, 204, PROVIDER_IN_USE),
}


@pytest.mark.parametrize('removal, done, code', REMOVALS.values(),
                         ids=REMOVALS.keys())
def test_refused_while_allocated_then_allowed(client, rp, removal, done,
                                              code):
    consumer = allocate(client, rp, {'VCPU': 1})
    before = inventories(client, rp)
    response = removal(client, rp, 409)
    assert error(response)['code'] == code
    assert rp['uuid'] in error(response)['detail']
    assert inventories(client, rp) == before
    client.request('DELETE', f'/allocations/{consumer}', status=204)
    removal(client, rp, done)


def test_in_use_names_the_class(client, rp):
    allocate(client, rp, {'VCPU': 1})
    assert 'VCPU' in error(_delete_one(client, rp, 409))['detail']
    assert 'VCPU' in error(_put_all_without_vcpu(client, rp, 409))[
        'detail']


def test_removing_an_unused_class_is_allowed(client, rp):
    allocate(client, rp, {'VCPU': 1})
    client.request('DELETE', provider_path(rp) + '/inventories/DISK_GB',
                   status=204)
    generation = inventories(client, rp)['resource_provider_generation']
    client.request('PUT', provider_path(rp) + '/inventories', {
        'resource_provider_generation': generation,
        'inventories': {'VCPU': {'total': 8}}}, status=200)


def test_allocations_on_one_provider_do_not_block_another(client, rp):
    other = client.create_provider('other', {'VCPU': {'total': 8}})
    allocate(client, rp, {'VCPU': 1})
    _delete_one(client, other, 204)
    _delete_provider(client, other, 204)


def test_delete_all_inventories_below_1_5_is_405(client, rp):
    allocate(client, rp, {'VCPU': 1})
    client.request('DELETE', provider_path(rp) + '/inventories',
                   version='1.4', status=405)


def test_custom_class_in_use_cannot_be_deleted(client):
    client.request('PUT', '/resource_classes/CUSTOM_GPU', status=201)
    rp = client.create_provider('gpu', {'CUSTOM_GPU': {'total': 2}})
    consumer = allocate(client, rp, {'CUSTOM_GPU': 1})
    response = client.request('DELETE', '/resource_classes/CUSTOM_GPU',
                              status=409)
    assert 'CUSTOM_GPU' in error(response)['detail']
    # The inventory that uses the class cannot go while allocated.
    path = provider_path(rp) + '/inventories/CUSTOM_GPU'
    assert error(client.request('DELETE', path, status=409))[
        'code'] == INVENTORY_IN_USE
    client.request('DELETE', '/resource_classes/CUSTOM_GPU', status=409)
    client.request('DELETE', f'/allocations/{consumer}', status=204)
    client.request('DELETE', path, status=204)
    client.request('DELETE', '/resource_classes/CUSTOM_GPU', status=204)
    client.request('GET', '/resource_classes/CUSTOM_GPU', status=404)


def test_shrinking_below_usage_is_accepted_with_a_warning(client, rp,
                                                          caplog):
    allocate(client, rp, {'VCPU': 6})
    generation = inventories(client, rp)['resource_provider_generation']
    with caplog.at_level(logging.WARNING):
        client.request('PUT', provider_path(rp) + '/inventories/VCPU', {
            'resource_provider_generation': generation, 'total': 4},
            status=200)
    warnings = [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING and rp['uuid'] in
                r.getMessage()]
    assert len(warnings) == 1 and 'VCPU' in warnings[0]
    usages = client.request('GET', provider_path(rp) + '/usages',
                            status=200).json['usages']
    assert usages['VCPU'] == 6
    # Nothing more fits until usage drops below the new capacity.
    consumer = str(uuidlib.uuid4())
    client.request('PUT', f'/allocations/{consumer}', {
        'allocations': {rp['uuid']: {'resources': {'VCPU': 1}}},
        'project_id': 'proj', 'user_id': 'user',
        'consumer_generation': None, 'consumer_type': 'INSTANCE',
    }, status=409)


def test_shrinking_all_inventories_below_usage_warns(client, rp, caplog):
    allocate(client, rp, {'DISK_GB': 10})
    generation = inventories(client, rp)['resource_provider_generation']
    with caplog.at_level(logging.WARNING):
        client.request('PUT', provider_path(rp) + '/inventories', {
            'resource_provider_generation': generation,
            'inventories': {'VCPU': {'total': 8},
                            'DISK_GB': {'total': 16, 'reserved': 8}}},
            status=200)
    assert any('DISK_GB' in r.getMessage() and rp['uuid'] in r.getMessage()
               for r in caplog.records if r.levelno == logging.WARNING)


def _race(db, rp, removal) -> dict:
    """Three writers allocate 1 VCPU each while ``removal`` runs; the
    outcome of each, by writer number or 'removal'."""
    barrier = threading.Barrier(4)
    outcomes = {}

    def run(key, write, *args):
        barrier.wait()
        try:
            write(db, *args)
            outcomes[key] = 'done'
        except errors.PlacementError as exc:
            outcomes[key] = type(exc).__name__

    threads = [threading.Thread(target=run, args=(
        n, allocation.replace_for_consumers,
        [(allocation.ConsumerWrite(uuid=str(uuidlib.uuid4())),
          {rp['uuid']: {'VCPU': 1}})])) for n in range(3)]
    threads.append(threading.Thread(target=run,
                                    args=('removal', *removal)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _orphans(db) -> int:
    """Allocations with no inventory of their class on their provider."""
    alloc, inv = tables.allocations, tables.inventories
    with db.engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.count()).select_from(alloc.outerjoin(
                inv, sa.and_(
                    inv.c.resource_provider_id == alloc.c.resource_provider_id,
                    inv.c.resource_class_id == alloc.c.resource_class_id)))
            .where(inv.c.id.is_(None))).scalar_one()


@pytest.mark.parametrize('kind', ['inventory', 'provider'])
def test_removal_racing_allocations_never_orphans_them(client, db, rp,
                                                       kind):
    removal = ((inventory.delete_one, rp['uuid'], 'VCPU')
               if kind == 'inventory'
               else (resource_provider.delete, rp['uuid']))
    outcomes = _race(db, rp, removal)
    assert len(outcomes) == 4, outcomes
    assert _orphans(db) == 0
    allocated = [outcomes[n] for n in range(3)].count('done')
    if outcomes['removal'] == 'done':
        assert allocated == 0, outcomes
    else:
        used = client.request('GET', provider_path(rp) + '/usages',
                              status=200).json['usages']['VCPU']
        assert used == allocated >= 1, outcomes
