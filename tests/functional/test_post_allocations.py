"""POST /allocations: the allocations of several consumers replaced in
one transaction (1.13+), as Nova moves them on every migration
(doc/api.md section 12).

Every refused write is checked to leave every consumer and every
provider generation exactly as they were.
"""

import uuid as uuidlib

import pytest

from placement_min import errors
from placement_min.storage import allocation as storage

CONFLICT = 'placement.concurrent_update'
UNDEFINED = 'placement.undefined_code'


def error(response) -> dict:
    return response.json['errors'][0]


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def consumer_body(allocations: dict, version: str = 'latest',
                  generation=None, consumer_type='INSTANCE',
                  project_id='proj', user_id='user', **extra) -> dict:
    """One consumer's entry of a POST body of ``version``."""
    at = (1, 39) if version == 'latest' else tuple(
        int(part) for part in version.split('.'))
    body = {'allocations': {rp: {'resources': resources}
                            for rp, resources in allocations.items()},
            'project_id': project_id, 'user_id': user_id, **extra}
    if at >= (1, 28):
        body['consumer_generation'] = generation
    if at >= (1, 38):
        body['consumer_type'] = consumer_type
    return body


def post(client, body: dict, status=204, version='latest'):
    return client.request('POST', '/allocations', body, version=version,
                          status=status)


def put(client, consumer, allocations, generation=None, status=204):
    return client.request('PUT', f'/allocations/{consumer}',
                          consumer_body(allocations, generation=generation),
                          status=status)


def get(client, consumer, version='latest') -> dict:
    return client.request('GET', f'/allocations/{consumer}',
                          version=version, status=200).json


def usages(client, rp) -> dict:
    return client.request('GET', f'/resource_providers/{rp["uuid"]}/usages',
                          status=200).json['usages']


def generation_of(client, rp) -> int:
    return client.request('GET', f'/resource_providers/{rp["uuid"]}',
                          status=200).json['generation']


def snapshot(client, rps, consumers) -> tuple:
    return ([generation_of(client, rp) for rp in rps],
            [get(client, c) for c in consumers])


@pytest.fixture
def source(client):
    return client.create_provider('source', {
        'VCPU': {'total': 8}, 'MEMORY_MB': {'total': 4096}})


@pytest.fixture
def dest(client):
    return client.create_provider('dest', {
        'VCPU': {'total': 4}, 'MEMORY_MB': {'total': 2048}})


# The migration, as Nova does it ----------------------------------------------

def test_migration_as_nova_does_it(client, source, dest):
    """Nova at 1.28: the instance holds resources on the source; one
    POST hands them to a migration consumer and gives the instance new
    ones on the destination, each with its consumer generation."""
    instance, migration = new_uuid(), new_uuid()
    flavor = {'VCPU': 2, 'MEMORY_MB': 1024}
    client.request('PUT', f'/allocations/{instance}', consumer_body(
        {source['uuid']: flavor}, version='1.28'), version='1.28',
        status=204)
    held = get(client, instance, '1.28')
    assert held['consumer_generation'] == 1

    post(client, {
        migration: consumer_body({source['uuid']: flavor}, version='1.28',
                                 generation=None),
        instance: consumer_body({dest['uuid']: flavor}, version='1.28',
                                generation=held['consumer_generation']),
    }, version='1.28')

    assert usages(client, source) == flavor
    assert usages(client, dest) == flavor
    moved = get(client, migration, '1.28')
    assert set(moved['allocations']) == {source['uuid']}
    assert moved['consumer_generation'] == 1
    instance_now = get(client, instance, '1.28')
    assert set(instance_now['allocations']) == {dest['uuid']}
    assert instance_now['consumer_generation'] == 2
    # One write: each touched provider moved on by one more.
    assert generation_of(client, source) == source['generation'] + 2
    assert generation_of(client, dest) == dest['generation'] + 1

    # Confirming the migration drops the migration consumer.
    post(client, {migration: consumer_body({}, version='1.28',
                                           generation=1)}, version='1.28')
    assert usages(client, source) == {'VCPU': 0, 'MEMORY_MB': 0}
    assert get(client, migration) == {'allocations': {}}


def test_other_consumers_are_untouched(client, source, dest):
    bystander, mover = new_uuid(), new_uuid()
    put(client, bystander, {source['uuid']: {'VCPU': 1}})
    put(client, mover, {source['uuid']: {'VCPU': 2}})
    before = get(client, bystander)
    post(client, {mover: consumer_body({dest['uuid']: {'VCPU': 2}},
                                       generation=1)})
    after = get(client, bystander)
    # Only the provider generation shown with it moved on.
    before['allocations'][source['uuid']]['generation'] += 1
    assert after == before


def test_several_consumers_sum_on_one_provider(client, dest):
    first, second = new_uuid(), new_uuid()
    post(client, {first: consumer_body({dest['uuid']: {'VCPU': 2}}),
                  second: consumer_body({dest['uuid']: {'VCPU': 2}})})
    assert usages(client, dest)['VCPU'] == 4
    assert generation_of(client, dest) == dest['generation'] + 1
    # Together over capacity: neither is written.
    third, fourth = new_uuid(), new_uuid()
    post(client, {first: consumer_body({dest['uuid']: {'VCPU': 1}},
                                       generation=1),
                  third: consumer_body({dest['uuid']: {'VCPU': 1}})})
    assert usages(client, dest)['VCPU'] == 4
    response = post(client, {
        third: consumer_body({dest['uuid']: {'VCPU': 1}}, generation=1),
        fourth: consumer_body({dest['uuid']: {'VCPU': 1}})}, status=409)
    assert error(response)['code'] == UNDEFINED
    assert dest['uuid'] in error(response)['detail']
    assert get(client, fourth) == {'allocations': {}}


# {} removes ------------------------------------------------------------------

def test_empty_allocations_remove_and_delete_the_consumer(client, source):
    consumer = new_uuid()
    put(client, consumer, {source['uuid']: {'VCPU': 1}})
    post(client, {consumer: consumer_body({}, generation=1)})
    assert get(client, consumer) == {'allocations': {}}
    assert usages(client, source)['VCPU'] == 0
    # Deleted: the next write creates it anew, with a null generation.
    response = put(client, consumer, {source['uuid']: {'VCPU': 1}},
                   generation=2, status=409)
    assert error(response)['code'] == CONFLICT
    put(client, consumer, {source['uuid']: {'VCPU': 1}}, generation=None)


@pytest.mark.parametrize('version', ['1.13', '1.27'])
def test_empty_allocations_before_1_28(client, source, version):
    consumer = new_uuid()
    put(client, consumer, {source['uuid']: {'VCPU': 1}})
    post(client, {consumer: consumer_body({}, version=version)},
         version=version)
    assert get(client, consumer) == {'allocations': {}}


def test_empty_allocations_of_an_unknown_consumer_change_nothing(
        client, source):
    consumer = new_uuid()
    post(client, {consumer: consumer_body({})})
    assert get(client, consumer) == {'allocations': {}}


# Generations -----------------------------------------------------------------

@pytest.mark.parametrize('sent', [None, 0, 2])
def test_stale_consumer_generation_is_409_and_writes_nothing(
        client, source, dest, sent):
    held, other = new_uuid(), new_uuid()
    put(client, held, {source['uuid']: {'VCPU': 1}})
    before = snapshot(client, [source, dest], [held, other])
    response = post(client, {
        other: consumer_body({dest['uuid']: {'VCPU': 1}}),
        held: consumer_body({dest['uuid']: {'VCPU': 1}}, generation=sent),
    }, status=409)
    assert error(response)['code'] == CONFLICT
    assert held in error(response)['detail']
    assert 'consumer generation conflict' in error(response)['detail']
    # The consumer the POST would have created is not there either.
    assert snapshot(client, [source, dest], [held, other]) == before


def test_generation_for_a_new_consumer_is_409(client, source):
    consumer = new_uuid()
    response = post(client, {consumer: consumer_body(
        {source['uuid']: {'VCPU': 1}}, generation=0)}, status=409)
    assert error(response)['code'] == CONFLICT
    assert get(client, consumer) == {'allocations': {}}


def test_every_touched_consumer_and_provider_moves_on_by_one(
        client, source, dest):
    first, second = new_uuid(), new_uuid()
    put(client, first, {source['uuid']: {'VCPU': 1}})
    put(client, second, {source['uuid']: {'VCPU': 1}})
    post(client, {first: consumer_body({dest['uuid']: {'VCPU': 1}},
                                       generation=1),
                  second: consumer_body({source['uuid']: {'VCPU': 2},
                                         dest['uuid']: {'VCPU': 1}},
                                        generation=1)})
    assert get(client, first)['consumer_generation'] == 2
    assert get(client, second)['consumer_generation'] == 2
    assert generation_of(client, source) == source['generation'] + 3
    assert generation_of(client, dest) == dest['generation'] + 1


def test_owner_and_type_of_a_consumer_follow_the_write(client, source):
    consumer = new_uuid()
    put(client, consumer, {source['uuid']: {'VCPU': 1}})
    post(client, {consumer: consumer_body(
        {source['uuid']: {'VCPU': 1}}, generation=1, project_id='p2',
        user_id='u2', consumer_type='MIGRATION')})
    body = get(client, consumer)
    assert (body['project_id'], body['user_id'], body['consumer_type']) == (
        'p2', 'u2', 'MIGRATION')


# Refusals --------------------------------------------------------------------

def test_all_or_nothing(client, source, dest):
    """A consumer that fits is not written when another does not; a
    consumer the POST created is gone again."""
    held, new = new_uuid(), new_uuid()
    put(client, held, {source['uuid']: {'VCPU': 1}})
    before = snapshot(client, [source, dest], [held, new])
    response = post(client, {
        held: consumer_body({dest['uuid']: {'VCPU': 1}}, generation=1),
        new: consumer_body({dest['uuid']: {'VCPU': 4}}),
    }, status=409)
    assert 'capacity 4' in error(response)['detail']
    assert snapshot(client, [source, dest], [held, new]) == before


def test_unknown_provider_is_400(client, source):
    missing = new_uuid()
    response = post(client, {new_uuid(): consumer_body(
        {source['uuid']: {'VCPU': 1}, missing: {'VCPU': 1}})}, status=400)
    assert missing in error(response)['detail']
    assert generation_of(client, source) == source['generation']


def test_unknown_class_is_400(client, source):
    response = post(client, {new_uuid(): consumer_body(
        {source['uuid']: {'CUSTOM_NOPE': 1}})}, status=400)
    assert 'CUSTOM_NOPE' in error(response)['detail']


def test_class_without_inventory_is_409(client, source):
    response = post(client, {new_uuid(): consumer_body(
        {source['uuid']: {'DISK_GB': 1}})}, status=409)
    assert error(response)['code'] == UNDEFINED
    assert 'DISK_GB' in error(response)['detail']


def test_unit_rules(client):
    rp = client.create_provider('units', {'MEMORY_MB': {
        'total': 4096, 'min_unit': 256, 'max_unit': 2048, 'step_size': 256}})
    for amount, reason in ((128, 'min_unit'), (4096, 'max_unit'),
                           (300, 'step_size')):
        response = post(client, {new_uuid(): consumer_body(
            {rp['uuid']: {'MEMORY_MB': amount}})}, status=409)
        assert reason in error(response)['detail']


def _shrink(client, rp, total: int) -> None:
    """Shrink VCPU below what is allocated (accepted, as Placement)."""
    generation = generation_of(client, rp)
    client.request('PUT', f'/resource_providers/{rp["uuid"]}/inventories/'
                   'VCPU', {'resource_provider_generation': generation,
                            'total': total}, status=200)


def test_an_existing_overage_may_shrink_but_not_grow(client, source, dest):
    """Over capacity is refused unless the write does not make the
    provider's overage worse: moving off an over-full provider works."""
    big, small = new_uuid(), new_uuid()
    put(client, big, {source['uuid']: {'VCPU': 6}})
    put(client, small, {source['uuid']: {'VCPU': 2}})
    _shrink(client, source, 4)
    # Growing the overage: refused.
    response = post(client, {small: consumer_body(
        {source['uuid']: {'VCPU': 3}}, generation=1)}, status=409)
    assert 'capacity 4' in error(response)['detail']
    # Keeping or shrinking it: accepted.
    post(client, {big: consumer_body({source['uuid']: {'VCPU': 6}},
                                     generation=1)})
    post(client, {big: consumer_body({source['uuid']: {'VCPU': 3}},
                                     generation=2),
                  small: consumer_body({dest['uuid']: {'VCPU': 2}},
                                       generation=1)})
    assert usages(client, source)['VCPU'] == 3
    assert usages(client, dest)['VCPU'] == 2


@pytest.mark.parametrize('key', [
    'not-a-uuid-but-36-characters-long-xx',
    '0123456789abcdef0123456789abcdef',
    '0123456789abcdef0123456789abcdef0123',
])
def test_consumer_key_that_is_not_a_uuid_is_400(client, source, key):
    response = post(client, {key: consumer_body(
        {source['uuid']: {'VCPU': 1}})}, status=400)
    assert error(response)['detail']
    assert generation_of(client, source) == source['generation']


def test_consumer_key_is_stored_lowercase(client, source):
    consumer = new_uuid()
    post(client, {consumer.upper(): consumer_body(
        {source['uuid'].upper(): {'VCPU': 1}})})
    assert set(get(client, consumer)['allocations']) == {source['uuid']}
    response = post(client, {
        consumer: consumer_body({}, generation=1),
        consumer.upper(): consumer_body({}, generation=1)}, status=400)
    assert 'more than once' in error(response)['detail']


# Microversions ---------------------------------------------------------------

@pytest.mark.parametrize('version', ['1.0', '1.12'])
def test_post_is_404_before_1_13(client, source, version):
    client.request('POST', '/allocations', {new_uuid(): consumer_body(
        {source['uuid']: {'VCPU': 1}}, version='1.12')}, version=version,
        status=404)


@pytest.mark.parametrize('version', ['1.0', '1.12', '1.13', 'latest'])
@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE', 'PATCH'])
def test_other_methods_are_405_at_every_version(client, version, method):
    response = client.request(method, '/allocations', version=version,
                              status=405)
    assert response.headers['Allow'] == 'POST'


def test_consumer_generation_is_refused_before_1_28(client, source):
    response = post(client, {new_uuid(): consumer_body(
        {source['uuid']: {'VCPU': 1}}, version='1.27',
        consumer_generation=None)}, version='1.27', status=400)
    assert 'consumer_generation' in error(response)['detail']


@pytest.mark.parametrize('version, field', [
    ('1.13', 'project_id'), ('1.13', 'user_id'),
    ('1.28', 'consumer_generation'), ('1.38', 'consumer_type')])
def test_required_fields(client, source, version, field):
    body = consumer_body({source['uuid']: {'VCPU': 1}}, version=version)
    del body[field]
    response = post(client, {new_uuid(): body}, version=version, status=400)
    assert field in error(response)['detail']


def test_mappings_are_accepted_from_1_34(client, source, dest):
    consumer = new_uuid()
    mappings = {'': [source['uuid']], '_NET': [dest['uuid'].upper()]}
    response = post(client, {consumer: consumer_body(
        {source['uuid']: {'VCPU': 1}}, version='1.33', mappings=mappings)},
        version='1.33', status=400)
    assert 'mappings' in error(response)['detail']
    post(client, {consumer: consumer_body(
        {source['uuid']: {'VCPU': 1}}, version='1.34', mappings=mappings)},
        version='1.34')
    # Checked, not stored.
    assert 'mappings' not in get(client, consumer)


def test_provider_generation_in_the_body_is_ignored(client, source):
    consumer = new_uuid()
    body = consumer_body({source['uuid']: {'VCPU': 1}})
    body['allocations'][source['uuid']]['generation'] = 1000
    post(client, {consumer: body})
    assert usages(client, source)['VCPU'] == 1


@pytest.mark.parametrize('body', [
    {}, [], {'x': 1},
    {'3f7a5c2e-8d44-4f1b-9c3e-7a2b1d0e6f50': {}},
    {'3f7a5c2e-8d44-4f1b-9c3e-7a2b1d0e6f50': {
        'allocations': {}, 'project_id': 'p', 'user_id': 'u',
        'consumer_generation': None, 'consumer_type': 'I', 'extra': 1}},
], ids=['empty', 'list', 'bad key', 'empty consumer', 'extra field'])
def test_malformed_bodies_are_400(client, body):
    client.request('POST', '/allocations', body, status=400)


# Races and retries -----------------------------------------------------------

def _losing_first(monkeypatch, losses: int) -> list:
    """The first ``losses`` provider compare-and-sets lose a race."""
    real = storage.bump_generation
    calls = []

    def bump(conn, rp_id, generation, uuid):
        calls.append(uuid)
        if len(calls) <= losses:
            raise errors.ConcurrentUpdate(uuid=uuid)
        return real(conn, rp_id, generation, uuid)

    monkeypatch.setattr(storage, 'bump_generation', bump)
    return calls


def test_provider_race_is_retried(client, db, source, monkeypatch):
    calls = _losing_first(monkeypatch, 2)
    post(client, {new_uuid(): consumer_body({source['uuid']: {'VCPU': 1}})})
    assert len(calls) == 3
    assert usages(client, source)['VCPU'] == 1


@pytest.mark.parametrize('tries', [1, 3])
def test_retries_follow_the_configured_count(client, db, source,
                                             monkeypatch, tries):
    """[placement] allocation_conflict_retry_count: tries per write."""
    db.allocation_tries = tries
    calls = _losing_first(monkeypatch, 1000)
    consumer = new_uuid()
    response = post(client, {consumer: consumer_body(
        {source['uuid']: {'VCPU': 1}})}, status=409)
    assert error(response)['code'] == CONFLICT
    assert len(calls) == tries
    assert get(client, consumer) == {'allocations': {}}


@pytest.mark.parametrize('method', ['POST', 'PUT', 'DELETE'])
def test_zero_tries_refuse_every_allocation_write(client, db, source,
                                                  method):
    """As in Placement, a retry count of 0 answers every allocation
    write with 409 and writes nothing."""
    consumer = new_uuid()
    put(client, consumer, {source['uuid']: {'VCPU': 1}})
    before = snapshot(client, [source], [consumer])
    db.allocation_tries = 0
    body = {'POST': {consumer: consumer_body({}, generation=1)},
            'PUT': consumer_body({}, generation=1), 'DELETE': None}[method]
    path = '/allocations' + ('' if method == 'POST' else f'/{consumer}')
    response = client.request(method, path, body, status=409)
    assert error(response)['code'] == CONFLICT
    assert snapshot(client, [source], [consumer]) == before
    # Other writes are not allocation writes.
    client.create_provider('other')


def test_configuration_option_reaches_the_database(conf):
    from placement_min.storage import database
    conf.set_override('allocation_conflict_retry_count', 4, 'placement')
    db = database.Database.from_conf(conf)
    try:
        assert db.allocation_tries == 4
    finally:
        db.engine.dispose()


# Policy ----------------------------------------------------------------------

def test_non_admin_is_forbidden(client, source):
    consumer = new_uuid()
    response = client.request('POST', '/allocations', {consumer: consumer_body(
        {source['uuid']: {'VCPU': 1}})}, token='alice', status=403)
    assert 'placement:allocations:manage' in error(response)['detail']
    assert get(client, consumer) == {'allocations': {}}
