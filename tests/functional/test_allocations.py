"""/allocations/{consumer_uuid} and provider allocations (doc/api.md
sections 8, 14 and 15).

Every refused write is checked to leave the allocations and every
provider generation exactly as they were.
"""

import threading
import uuid as uuidlib

import pytest
from sqlalchemy import event

from placement_min import errors
from placement_min.storage import allocation as storage

MAX_INT = 2147483647
CONFLICT = 'placement.concurrent_update'
INCOMPLETE = '00000000-0000-0000-0000-000000000000'
VERSIONS = ('1.0', '1.7', '1.8', '1.11', '1.12', '1.27', '1.28', '1.37',
            '1.38', '1.39')


def error(response) -> dict:
    return response.json['errors'][0]


def new_consumer() -> str:
    return str(uuidlib.uuid4())


def version_tuple(version: str) -> tuple:
    return (1, 39) if version == 'latest' else tuple(
        int(part) for part in version.split('.'))


def put_body(version: str, allocations: dict, generation=None,
             consumer_type='INSTANCE', project_id='proj',
             user_id='user') -> dict:
    """The PUT body of ``version``'s format for {rp uuid: resources}."""
    at = version_tuple(version)
    if at < (1, 12):
        body = {'allocations': [
            {'resource_provider': {'uuid': rp}, 'resources': resources}
            for rp, resources in allocations.items()]}
    else:
        body = {'allocations': {rp: {'resources': resources}
                                for rp, resources in allocations.items()}}
    if at >= (1, 8):
        body.update(project_id=project_id, user_id=user_id)
    if at >= (1, 28):
        body['consumer_generation'] = generation
    if at >= (1, 38):
        body['consumer_type'] = consumer_type
    return body


def put(client, consumer, allocations, status=204, version='latest',
        **fields):
    return client.request('PUT', f'/allocations/{consumer}',
                          put_body(version, allocations, **fields),
                          version=version, status=status)


def get(client, consumer, version='latest') -> dict:
    return client.request('GET', f'/allocations/{consumer}',
                          version=version, status=200).json


def generation_of(client, rp) -> int:
    return client.request('GET', f'/resource_providers/{rp["uuid"]}',
                          status=200).json['generation']


def snapshot(client, rps, consumers) -> tuple:
    """What a refused write must leave untouched."""
    return ([generation_of(client, rp) for rp in rps],
            [get(client, c) for c in consumers])


@pytest.fixture
def rp(client):
    """A provider with 8 VCPU (2 reserved) and 4096 MEMORY_MB."""
    return client.create_provider('rp', {
        'VCPU': {'total': 8, 'reserved': 2},
        'MEMORY_MB': {'total': 4096, 'step_size': 256, 'min_unit': 256,
                      'max_unit': 2048}})


@pytest.fixture
def rp2(client):
    return client.create_provider('rp2', {'VCPU': {'total': 4}})


# Formats and microversion boundaries -----------------------------------------

@pytest.mark.parametrize('version', VERSIONS)
def test_round_trip_in_each_format(client, rp, rp2, version):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 2, 'MEMORY_MB': 512},
                           rp2['uuid']: {'VCPU': 1}}, version=version)
    body = get(client, consumer, version)
    assert body['allocations'] == {
        rp['uuid']: {'generation': 2,
                     'resources': {'VCPU': 2, 'MEMORY_MB': 512}},
        rp2['uuid']: {'generation': 2, 'resources': {'VCPU': 1}}}
    at = version_tuple(version)
    expected = {'allocations'}
    if at >= (1, 12):
        expected |= {'project_id', 'user_id'}
        owner = 'proj' if at >= (1, 8) else INCOMPLETE
        assert (body['project_id'], body['user_id']) == (
            owner, 'user' if at >= (1, 8) else INCOMPLETE)
    if at >= (1, 28):
        expected.add('consumer_generation')
        assert body['consumer_generation'] == 1
    if at >= (1, 38):
        expected.add('consumer_type')
        assert body['consumer_type'] == 'INSTANCE'
    assert set(body) == expected


@pytest.mark.parametrize('version, field, status', [
    ('1.7', 'project_id', 400), ('1.8', 'project_id', 204),
    ('1.7', 'user_id', 400), ('1.8', 'user_id', 204),
])
def test_owner_is_accepted_from_1_8(client, rp, version, field, status):
    body = put_body('1.0', {rp['uuid']: {'VCPU': 1}})
    body[field] = 'someone'
    if version == '1.8':
        body.update(project_id='proj', user_id='user')
    response = client.request('PUT', f'/allocations/{new_consumer()}',
                              body, version=version, status=status)
    if status == 400:
        assert field in error(response)['detail']


@pytest.mark.parametrize('missing', ['project_id', 'user_id'])
@pytest.mark.parametrize('version', ['1.8', '1.11', '1.12', 'latest'])
def test_owner_is_required_from_1_8(client, rp, version, missing):
    body = put_body(version, {rp['uuid']: {'VCPU': 1}})
    del body[missing]
    response = client.request('PUT', f'/allocations/{new_consumer()}',
                              body, version=version, status=400)
    assert missing in error(response)['detail']


@pytest.mark.parametrize('version, body_version', [
    ('1.11', '1.12'), ('1.12', '1.11')])
def test_list_format_until_1_11_dict_format_from_1_12(client, rp, version,
                                                      body_version):
    body = put_body(body_version, {rp['uuid']: {'VCPU': 1}})
    client.request('PUT', f'/allocations/{new_consumer()}', body,
                   version=version, status=400)
    assert generation_of(client, rp) == rp['generation']


def test_consumer_generation_is_refused_before_1_28(client, rp):
    body = put_body('1.27', {rp['uuid']: {'VCPU': 1}})
    body['consumer_generation'] = None
    response = client.request('PUT', f'/allocations/{new_consumer()}',
                              body, version='1.27', status=400)
    assert 'consumer_generation' in error(response)['detail']


def test_consumer_generation_is_required_from_1_28(client, rp):
    body = put_body('1.28', {rp['uuid']: {'VCPU': 1}})
    del body['consumer_generation']
    response = client.request('PUT', f'/allocations/{new_consumer()}',
                              body, version='1.28', status=400)
    assert 'consumer_generation' in error(response)['detail']


def test_consumer_type_is_refused_before_1_38(client, rp):
    body = put_body('1.37', {rp['uuid']: {'VCPU': 1}})
    body['consumer_type'] = 'INSTANCE'
    client.request('PUT', f'/allocations/{new_consumer()}', body,
                   version='1.37', status=400)


def test_consumer_type_is_required_from_1_38(client, rp):
    body = put_body('1.38', {rp['uuid']: {'VCPU': 1}})
    del body['consumer_type']
    response = client.request('PUT', f'/allocations/{new_consumer()}',
                              body, version='1.38', status=400)
    assert 'consumer_type' in error(response)['detail']


def test_empty_allocations_are_refused_before_1_28(client, rp):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 1}}, version='1.27')
    before = snapshot(client, [rp], [consumer])
    client.request('PUT', f'/allocations/{consumer}',
                   {'allocations': {}, 'project_id': 'proj',
                    'user_id': 'user'}, version='1.27', status=400)
    assert snapshot(client, [rp], [consumer]) == before


def test_empty_allocations_remove_the_consumer_from_1_28(client, rp):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 1}}, version='1.28')
    put(client, consumer, {}, version='1.28', generation=1)
    assert get(client, consumer) == {'allocations': {}}
    assert generation_of(client, rp) == rp['generation'] + 2
    # The consumer is gone: it is created anew with a null generation.
    put(client, consumer, {rp['uuid']: {'VCPU': 1}}, generation=None)
    assert get(client, consumer)['consumer_generation'] == 1


def test_empty_allocations_for_a_new_consumer_change_nothing(client, rp):
    consumer = new_consumer()
    put(client, consumer, {}, generation=None)
    assert get(client, consumer) == {'allocations': {}}
    assert generation_of(client, rp) == rp['generation']


def test_old_versions_keep_the_owner_and_type_of_a_consumer(client, rp):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 1}}, consumer_type='MIGR')
    put(client, consumer, {rp['uuid']: {'VCPU': 2}}, version='1.0')
    body = get(client, consumer)
    assert (body['project_id'], body['user_id'], body['consumer_type'],
            body['consumer_generation']) == ('proj', 'user', 'MIGR', 2)
    assert body['allocations'][rp['uuid']]['resources'] == {'VCPU': 2}


def test_a_later_write_sets_owner_and_type(client, rp):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 1}}, version='1.0')
    # Untyped: "unknown" at 1.38, as Placement shows it.
    assert get(client, consumer)['consumer_type'] == 'unknown'
    put(client, consumer, {rp['uuid']: {'VCPU': 1}}, generation=1,
        project_id='p2', user_id='u2', consumer_type='INSTANCE')
    body = get(client, consumer)
    assert (body['project_id'], body['user_id'], body['consumer_type']) == (
        'p2', 'u2', 'INSTANCE')


# Consumer generations --------------------------------------------------------

def test_consumer_generation_goes_up_by_one_per_write(client, rp):
    consumer = new_consumer()
    for generation in (None, 1, 2, 3):
        put(client, consumer, {rp['uuid']: {'VCPU': 1}},
            generation=generation)
    assert get(client, consumer)['consumer_generation'] == 4


@pytest.mark.parametrize('sent', [None, 0, 2, 7])
def test_stale_consumer_generation_is_409(client, rp, sent):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 1}})
    before = snapshot(client, [rp], [consumer])
    response = put(client, consumer, {rp['uuid']: {'VCPU': 3}},
                   generation=sent, status=409)
    assert error(response)['code'] == CONFLICT
    assert consumer in error(response)['detail']
    assert snapshot(client, [rp], [consumer]) == before


def test_generation_for_an_unknown_consumer_is_409(client, rp):
    consumer = new_consumer()
    response = put(client, consumer, {rp['uuid']: {'VCPU': 1}},
                   generation=0, status=409)
    assert error(response)['code'] == CONFLICT
    assert get(client, consumer) == {'allocations': {}}
    assert generation_of(client, rp) == rp['generation']


def test_no_generation_check_before_1_28(client, rp):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 1}}, version='1.27')
    put(client, consumer, {rp['uuid']: {'VCPU': 2}}, version='1.27')
    assert get(client, consumer)['consumer_generation'] == 2


# Capacity and units ----------------------------------------------------------

def test_exact_fit_succeeds(client, rp):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 6, 'MEMORY_MB': 2048}})
    put(client, new_consumer(), {rp['uuid']: {'MEMORY_MB': 2048}})
    usages = client.request(
        'GET', f'/resource_providers/{rp["uuid"]}/usages',
        status=200).json['usages']
    assert usages == {'VCPU': 6, 'MEMORY_MB': 4096}


def test_one_unit_over_capacity_is_409_and_writes_nothing(client, rp, rp2):
    first = new_consumer()
    put(client, first, {rp['uuid']: {'VCPU': 4}})
    before = snapshot(client, [rp, rp2], [first])
    second = new_consumer()
    response = put(client, second, {rp['uuid']: {'VCPU': 3}}, status=409)
    detail = error(response)['detail']
    assert rp['uuid'] in detail and 'VCPU' in detail and '3' in detail
    assert error(response)['code'] == 'placement.undefined_code'
    # All or nothing: a provider that fits is not written either.
    put(client, second, {rp2['uuid']: {'VCPU': 4},
                         rp['uuid']: {'VCPU': 3}}, status=409)
    assert snapshot(client, [rp, rp2], [first]) == before
    assert get(client, second) == {'allocations': {}}


def test_replacing_does_not_count_the_consumers_own_allocation(client, rp):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 6}})
    put(client, consumer, {rp['uuid']: {'VCPU': 6}}, generation=1)
    put(client, consumer, {rp['uuid']: {'VCPU': 5}}, generation=2)
    assert get(client, consumer)['allocations'][rp['uuid']][
        'resources'] == {'VCPU': 5}


def test_allocation_ratio_allows_overcommit_up_to_the_ratio(client):
    rp = client.create_provider('big', {
        'VCPU': {'total': 4, 'reserved': 1, 'allocation_ratio': 2.5}})
    put(client, new_consumer(), {rp['uuid']: {'VCPU': 5}})
    put(client, new_consumer(), {rp['uuid']: {'VCPU': 2}})
    response = put(client, new_consumer(), {rp['uuid']: {'VCPU': 1}},
                   status=409)
    assert 'capacity 7' in error(response)['detail']


@pytest.mark.parametrize('amount, reason', [
    (128, 'min_unit 256'),
    (2304, 'max_unit 2048'),
    (300, 'step_size 256'),
])
def test_unit_rules(client, rp, amount, reason):
    consumer = new_consumer()
    response = put(client, consumer, {rp['uuid']: {'MEMORY_MB': amount}},
                   status=409)
    detail = error(response)['detail']
    assert reason in detail and str(amount) in detail
    assert rp['uuid'] in detail and 'MEMORY_MB' in detail
    assert get(client, consumer) == {'allocations': {}}
    assert generation_of(client, rp) == rp['generation']


def test_unknown_provider_is_400(client, rp):
    missing = str(uuidlib.uuid4())
    response = put(client, new_consumer(), {rp['uuid']: {'VCPU': 1},
                                            missing: {'VCPU': 1}},
                   status=400)
    assert missing in error(response)['detail']
    assert generation_of(client, rp) == rp['generation']


def test_class_without_inventory_is_409(client, rp):
    response = put(client, new_consumer(), {rp['uuid']: {'DISK_GB': 1}},
                   status=409)
    assert 'DISK_GB' in error(response)['detail']
    assert rp['uuid'] in error(response)['detail']
    assert generation_of(client, rp) == rp['generation']


def test_unknown_class_is_400(client, rp):
    response = put(client, new_consumer(), {rp['uuid']: {'CUSTOM_NOPE': 1}},
                   status=400)
    assert 'CUSTOM_NOPE' in error(response)['detail']


# Generations of providers ----------------------------------------------------

def test_moving_allocations_bumps_old_and_new_providers(client, rp, rp2):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 1}})
    put(client, consumer, {rp2['uuid']: {'VCPU': 1}}, generation=1)
    assert generation_of(client, rp) == rp['generation'] + 2
    assert generation_of(client, rp2) == rp2['generation'] + 1
    assert set(get(client, consumer)['allocations']) == {rp2['uuid']}


def test_racing_writers_for_the_last_units_cannot_both_win(client, db, rp):
    """Each thread tries to take 4 of the 6 free VCPU."""
    barrier = threading.Barrier(4)
    outcomes = []

    def take():
        consumer = storage.ConsumerWrite(uuid=new_consumer())
        barrier.wait()
        try:
            storage.replace_for_consumers(
                db, [(consumer, {rp['uuid']: {'VCPU': 4}})])
            outcomes.append('won')
        except Exception as exc:  # noqa: BLE001 - the loser's reason
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count('won') == 1, outcomes
    assert set(outcomes) - {'won'} <= {'AllocationConflict',
                                       'ConcurrentUpdate',
                                       'TransactionConflict'}
    usages = client.request(
        'GET', f'/resource_providers/{rp["uuid"]}/usages',
        status=200).json['usages']
    assert usages['VCPU'] == 4
    assert generation_of(client, rp) == rp['generation'] + 1


def test_racing_writers_of_one_consumer_all_apply(client, db, rp, rp2):
    """Writers that send no consumer generation (below 1.28) are run
    again when another wins the race, so every one of them applies."""
    consumer = new_consumer()
    barrier = threading.Barrier(4)
    outcomes = []

    def write(n):
        barrier.wait()
        try:
            storage.replace_for_consumers(
                db, [(storage.ConsumerWrite(uuid=consumer),
                      {(rp, rp2)[n % 2]['uuid']: {'VCPU': 1}})])
            outcomes.append('applied')
        except errors.PlacementError as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ['applied'] * 4
    body = get(client, consumer)
    assert body['consumer_generation'] == 4
    assert len(body['allocations']) == 1


def _consumer_losing_once(monkeypatch) -> list:
    """Make the first consumer compare-and-set lose to another writer."""
    real = storage._update_consumers
    calls = []

    def update(conn, pairs, now):
        calls.append([consumer.uuid for consumer, _row in pairs])
        if len(calls) == 1:
            raise errors.ConsumerGenerationConflict(
                uuid=pairs[0][0].uuid, expected=pairs[0][1].generation,
                actual='newer')
        return real(conn, pairs, now)

    monkeypatch.setattr(storage, '_update_consumers', update)
    return calls


def test_consumer_race_is_retried_without_a_generation(client, rp,
                                                       monkeypatch):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 1}}, version='1.27')
    calls = _consumer_losing_once(monkeypatch)
    put(client, consumer, {rp['uuid']: {'VCPU': 2}}, version='1.27')
    assert len(calls) == 2
    assert get(client, consumer)['allocations'][rp['uuid']][
        'resources'] == {'VCPU': 2}


def test_consumer_race_is_409_with_a_generation(client, rp, monkeypatch):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 1}})
    before = snapshot(client, [rp], [consumer])
    calls = _consumer_losing_once(monkeypatch)
    response = put(client, consumer, {rp['uuid']: {'VCPU': 2}},
                   generation=1, status=409)
    assert error(response)['code'] == CONFLICT
    assert len(calls) == 1
    assert snapshot(client, [rp], [consumer]) == before


def _losing_first(monkeypatch, losses: int) -> list:
    """Make the first ``losses`` generation bumps lose to a concurrent
    writer, as the compare-and-set reports it."""
    real = storage.bump_generation
    calls = []

    def bump(conn, rp_id, generation, uuid):
        calls.append(uuid)
        if len(calls) <= losses:
            raise errors.ConcurrentUpdate(uuid=uuid)
        return real(conn, rp_id, generation, uuid)

    monkeypatch.setattr(storage, 'bump_generation', bump)
    return calls


def test_provider_conflict_is_retried(client, rp, monkeypatch):
    consumer = new_consumer()
    calls = _losing_first(monkeypatch, 3)
    put(client, consumer, {rp['uuid']: {'VCPU': 1}})
    assert len(calls) == 4
    assert get(client, consumer)['consumer_generation'] == 1
    assert generation_of(client, rp) == rp['generation'] + 1


def test_provider_conflict_that_persists_is_409(client, rp, monkeypatch):
    consumer = new_consumer()
    _losing_first(monkeypatch, 1000)
    response = put(client, consumer, {rp['uuid']: {'VCPU': 1}}, status=409)
    assert error(response)['code'] == CONFLICT
    assert rp['uuid'] in error(response)['detail']
    assert get(client, consumer) == {'allocations': {}}
    assert generation_of(client, rp) == rp['generation']


def test_delete_retries_provider_conflicts(client, rp, monkeypatch):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 1}})
    _losing_first(monkeypatch, 2)
    client.request('DELETE', f'/allocations/{consumer}', status=204)
    assert get(client, consumer) == {'allocations': {}}


def test_reads_of_a_write_do_not_grow_with_providers(client, db):
    """Four reads (consumer, providers, classes, inventories with usage)
    and one compare-and-set per provider, however many are touched."""
    rps = [client.create_provider(f'n{n}', {'VCPU': {'total': 8},
                                            'DISK_GB': {'total': 8}})
           for n in range(4)]
    consumer = new_consumer()
    put(client, consumer, {rps[0]['uuid']: {'VCPU': 1}})
    recorded = []

    def record(conn, cursor, statement, parameters, context, executemany):
        recorded.append(statement.split(None, 1)[0].upper())

    event.listen(db.engine, 'before_cursor_execute', record)
    try:
        put(client, consumer, {rp['uuid']: {'VCPU': 2, 'DISK_GB': 3}
                               for rp in rps[1:]}, generation=1)
    finally:
        event.remove(db.engine, 'before_cursor_execute', record)
    assert recorded.count('SELECT') == 4
    # The three new providers and the one the consumer leaves, then the
    # consumer's own compare-and-set.
    assert recorded.count('UPDATE') == 5
    assert recorded.count('INSERT') == 1
    assert recorded.count('DELETE') == 1


# GET and DELETE --------------------------------------------------------------

def test_unknown_consumer_is_empty(client):
    for version in ('1.0', 'latest'):
        assert get(client, new_consumer(), version) == {'allocations': {}}


def test_delete(client, rp, rp2):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 1}, rp2['uuid']: {'VCPU': 1}})
    client.request('DELETE', f'/allocations/{consumer}', status=204)
    assert get(client, consumer) == {'allocations': {}}
    assert generation_of(client, rp) == rp['generation'] + 2
    assert generation_of(client, rp2) == rp2['generation'] + 2
    response = client.request('DELETE', f'/allocations/{consumer}',
                              status=404)
    assert consumer in error(response)['detail']


@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE'])
@pytest.mark.parametrize('bad', ['not-a-uuid', 'x' * 300,
                                 '11111111-1111-1111-1111-11111111111g'])
def test_consumer_that_is_not_a_uuid_is_400(client, rp, method, bad):
    body = put_body('latest', {rp['uuid']: {'VCPU': 1}}) if (
        method == 'PUT') else None
    response = client.request(method, f'/allocations/{bad}', body,
                              status=400)
    assert 'not a UUID' in error(response)['detail']
    assert generation_of(client, rp) == rp['generation']


def spellings(uuid: str) -> list[str]:
    """The forms of a uuid that Placement (oslo's is_uuid_like) takes."""
    return [uuid.upper(), uuid.replace('-', ''),
            uuid.replace('-', '').upper(), '{' + uuid + '}',
            'urn:uuid:' + uuid]


def test_consumer_uuid_in_the_path_is_normalised(client, rp):
    """PUT, GET and DELETE in any spelling name the one consumer,
    stored and shown lowercase dashed."""
    consumer = new_consumer()
    forms = spellings(consumer)
    put(client, forms[0], {rp['uuid'].upper(): {'VCPU': 1}})
    for form in forms:
        assert set(get(client, form)['allocations']) == {rp['uuid']}
    put(client, forms[1], {rp['uuid']: {'VCPU': 2}}, generation=1)
    listed = client.request(
        'GET', f'/resource_providers/{rp["uuid"]}/allocations',
        status=200).json['allocations']
    assert listed == {consumer: {'resources': {'VCPU': 2}}}
    client.request('DELETE', f'/allocations/{forms[3]}', status=204)
    assert get(client, consumer) == {'allocations': {}}


def test_provider_keys_are_normalised(client, rp):
    """36 characters of hex and dashes, as Placement's schema takes
    them; any uuid-like one names the provider."""
    consumer = new_consumer()
    hex_digits = rp['uuid'].replace('-', '')
    put(client, consumer, {hex_digits[:8] + '----' + hex_digits[8:]: {
        'VCPU': 1}})
    assert set(get(client, consumer)['allocations']) == {rp['uuid']}
    not_uuid = 'g' * 36
    response = put(client, new_consumer(), {not_uuid: {'VCPU': 1}},
                   status=400)
    assert 'allocations' in error(response)['detail']


def test_provider_generation_in_the_body_is_ignored(client, rp):
    """What GET returned can be sent back, as osc-placement's
    "resource provider allocation unset" does."""
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 1}})
    body = get(client, consumer)
    body['allocations'][rp['uuid']]['generation'] = 12345
    body['allocations'][rp['uuid']]['resources']['VCPU'] = 2
    client.request('PUT', f'/allocations/{consumer}', body, status=204)
    assert get(client, consumer)['allocations'][rp['uuid']] == {
        'generation': rp['generation'] + 2, 'resources': {'VCPU': 2}}


def test_provider_generation_in_the_body_from_1_12(client, rp):
    body = put_body('1.11', {rp['uuid']: {'VCPU': 1}})
    body['allocations'][0]['generation'] = 1
    client.request('PUT', f'/allocations/{new_consumer()}', body,
                   version='1.11', status=400)
    body = put_body('1.12', {rp['uuid']: {'VCPU': 1}})
    body['allocations'][rp['uuid']]['generation'] = 1
    client.request('PUT', f'/allocations/{new_consumer()}', body,
                   version='1.12', status=204)


@pytest.mark.parametrize('version, status', [('1.33', 400), ('1.34', 204),
                                             ('latest', 204)])
def test_mappings_from_1_34(client, rp, rp2, version, status):
    consumer = new_consumer()
    body = put_body(version, {rp['uuid']: {'VCPU': 1},
                              rp2['uuid']: {'VCPU': 1}})
    body['mappings'] = {'': [rp['uuid']], '_GPU': [rp2['uuid'].upper()],
                        '1': [rp['uuid'], rp2['uuid']]}
    response = client.request('PUT', f'/allocations/{consumer}', body,
                              version=version, status=status)
    if status == 400:
        assert 'mappings' in error(response)['detail']
        assert get(client, consumer) == {'allocations': {}}
    else:
        # Checked, not stored.
        body = get(client, consumer)
        assert 'mappings' not in body
        assert len(body['allocations']) == 2


def test_cache_headers_from_1_15(client, rp):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 1}})
    old = client.request('GET', f'/allocations/{consumer}', version='1.14')
    assert 'Last-Modified' not in old.headers
    assert 'Cache-Control' not in old.headers
    new = client.request('GET', f'/allocations/{consumer}', version='1.15')
    assert new.headers['Cache-Control'] == 'no-cache'
    assert 'Last-Modified' in new.headers


def test_get_refuses_query_parameters(client):
    client.request('GET', f'/allocations/{new_consumer()}?x=1', status=400)


# Provider allocations --------------------------------------------------------

def test_provider_allocations(client, rp, rp2):
    first, second = new_consumer(), new_consumer()
    put(client, first, {rp['uuid']: {'VCPU': 1, 'MEMORY_MB': 256},
                        rp2['uuid']: {'VCPU': 2}})
    put(client, second, {rp['uuid']: {'VCPU': 3}})
    body = client.request('GET', f'/resource_providers/{rp["uuid"]}/'
                                 'allocations', status=200).json
    assert body == {'resource_provider_generation': rp['generation'] + 2,
                    'allocations': {
                        first: {'resources': {'VCPU': 1, 'MEMORY_MB': 256}},
                        second: {'resources': {'VCPU': 3}}}}


def test_provider_without_allocations(client, rp):
    body = client.request('GET', f'/resource_providers/{rp["uuid"]}/'
                                 'allocations', version='1.0',
                          status=200).json
    assert body == {'resource_provider_generation': rp['generation'],
                    'allocations': {}}


@pytest.mark.parametrize('bad', [str(uuidlib.uuid4()), 'nope'])
def test_provider_allocations_of_unknown_provider_is_404(client, bad):
    client.request('GET', f'/resource_providers/{bad}/allocations',
                   status=404)


# Policy ----------------------------------------------------------------------

@pytest.mark.parametrize('method, path', [
    ('GET', '/allocations/{c}'), ('PUT', '/allocations/{c}'),
    ('DELETE', '/allocations/{c}'),
    ('GET', '/resource_providers/{rp}/allocations'),
])
def test_non_admin_is_forbidden(client, rp, method, path):
    consumer = new_consumer()
    put(client, consumer, {rp['uuid']: {'VCPU': 1}})
    before = snapshot(client, [rp], [consumer])
    body = put_body('latest', {rp['uuid']: {'VCPU': 2}}, generation=1) if (
        method == 'PUT') else None
    response = client.request(
        method, path.format(c=consumer, rp=rp['uuid']), body,
        token='alice', status=403)
    assert 'placement:' in error(response)['detail']
    assert snapshot(client, [rp], [consumer]) == before


# Malformed bodies ------------------------------------------------------------

RP_UUID = 'a0c4a7c4-67a1-4d3c-9a8b-6a1f0d3f5b11'


def _latest(**changes) -> dict:
    body = put_body('latest', {RP_UUID: {'VCPU': 1}})
    body.update(changes)
    return body


def _resources(resources) -> dict:
    return _latest(allocations={RP_UUID: {'resources': resources}})


MALFORMED_LATEST = {
    'allocations null': _latest(allocations=None),
    'allocations list': _latest(allocations=[]),
    'allocations string': _latest(allocations='x'),
    'provider key not uuid': _latest(allocations={'rp1': {
        'resources': {'VCPU': 1}}}),
    'provider value list': _latest(allocations={RP_UUID: []}),
    'resources missing': _latest(allocations={RP_UUID: {}}),
    'provider generation negative': _latest(allocations={RP_UUID: {
        'resources': {'VCPU': 1}, 'generation': -1}}),
    'provider generation string': _latest(allocations={RP_UUID: {
        'resources': {'VCPU': 1}, 'generation': '1'}}),
    'provider key dashless': _latest(allocations={
        RP_UUID.replace('-', ''): {'resources': {'VCPU': 1}}}),
    'provider key in braces': _latest(allocations={
        '{' + RP_UUID + '}': {'resources': {'VCPU': 1}}}),
    'mappings empty': _latest(mappings={}),
    'mappings empty list': _latest(mappings={'': []}),
    'mappings not uuid': _latest(mappings={'': ['rp']}),
    'mappings bad suffix': _latest(mappings={'a b': [RP_UUID]}),
    'mappings long suffix': _latest(mappings={'a' * 65: [RP_UUID]}),
    'mappings list': _latest(mappings=[RP_UUID]),
    'extra provider field': _latest(allocations={RP_UUID: {
        'resources': {'VCPU': 1}, 'x': 1}}),
    'resources empty': _resources({}),
    'resources list': _resources([['VCPU', 1]]),
    'amount zero': _resources({'VCPU': 0}),
    'amount negative': _resources({'VCPU': -1}),
    'amount over max int': _resources({'VCPU': MAX_INT + 1}),
    'amount huge': _resources({'VCPU': 10 ** 40}),
    'amount float': _resources({'VCPU': 1.0}),
    'amount fraction': _resources({'VCPU': 1.5}),
    'amount string': _resources({'VCPU': '1'}),
    'amount bool': _resources({'VCPU': True}),
    'amount null': _resources({'VCPU': None}),
    'class lowercase': _resources({'vcpu': 1}),
    'class with dash': _resources({'CUSTOM-X': 1}),
    'class empty': _resources({'': 1}),
    'extra top-level field': _latest(extra=1),
    'project_id empty': _latest(project_id=''),
    'project_id too long': _latest(project_id='p' * 256),
    'project_id number': _latest(project_id=1),
    'user_id control char': _latest(user_id='u\nforged log line'),
    'user_id null': _latest(user_id=None),
    'consumer_generation negative': _latest(consumer_generation=-1),
    'consumer_generation string': _latest(consumer_generation='1'),
    'consumer_generation float': _latest(consumer_generation=1.0),
    'consumer_generation huge': _latest(consumer_generation=MAX_INT + 1),
    'consumer_type lowercase': _latest(consumer_type='instance'),
    'consumer_type empty': _latest(consumer_type=''),
    'consumer_type null': _latest(consumer_type=None),
    'consumer_type too long': _latest(consumer_type='A' * 256),
    'not an object': [1],
}


@pytest.mark.parametrize('body', MALFORMED_LATEST.values(),
                         ids=MALFORMED_LATEST.keys())
def test_malformed_bodies_latest(client, body):
    client.create_provider('target', {'VCPU': {'total': 8}}, uuid=RP_UUID)
    consumer = new_consumer()
    response = client.request('PUT', f'/allocations/{consumer}', body,
                              status=400)
    assert error(response)['detail']
    assert get(client, consumer) == {'allocations': {}}
    assert generation_of(client, {'uuid': RP_UUID}) == 1


def _listed(entry) -> dict:
    return {'allocations': [entry]}


MALFORMED_1_0 = {
    'allocations empty': {'allocations': []},
    'allocations object': {'allocations': {RP_UUID: {
        'resources': {'VCPU': 1}}}},
    'entry not object': _listed(1),
    'provider missing': _listed({'resources': {'VCPU': 1}}),
    'provider uuid missing': _listed({'resource_provider': {},
                                      'resources': {'VCPU': 1}}),
    'provider uuid bad': _listed({'resource_provider': {'uuid': 'x'},
                                  'resources': {'VCPU': 1}}),
    'provider extra field': _listed({
        'resource_provider': {'uuid': RP_UUID, 'name': 'x'},
        'resources': {'VCPU': 1}}),
    'entry extra field': _listed({'resource_provider': {'uuid': RP_UUID},
                                  'resources': {'VCPU': 1}, 'x': 1}),
    'amount zero': _listed({'resource_provider': {'uuid': RP_UUID},
                            'resources': {'VCPU': 0}}),
    'amount string': _listed({'resource_provider': {'uuid': RP_UUID},
                              'resources': {'VCPU': '2'}}),
    'provider twice': {'allocations': [
        {'resource_provider': {'uuid': RP_UUID}, 'resources': {'VCPU': 1}},
        {'resource_provider': {'uuid': RP_UUID.upper()},
         'resources': {'VCPU': 1}}]},
}


@pytest.mark.parametrize('body', MALFORMED_1_0.values(),
                         ids=MALFORMED_1_0.keys())
def test_malformed_bodies_1_0(client, body):
    client.create_provider('target', {'VCPU': {'total': 8}}, uuid=RP_UUID)
    consumer = new_consumer()
    response = client.request('PUT', f'/allocations/{consumer}', body,
                              version='1.0', status=400)
    assert error(response)['detail']
    assert get(client, consumer) == {'allocations': {}}
    assert generation_of(client, {'uuid': RP_UUID}) == 1


def test_provider_twice_in_two_spellings_is_400(client):
    client.create_provider('target', {'VCPU': {'total': 8}}, uuid=RP_UUID)
    body = _latest(allocations={RP_UUID: {'resources': {'VCPU': 1}},
                                RP_UUID.upper(): {'resources': {'VCPU': 2}}})
    response = client.request('PUT', f'/allocations/{new_consumer()}',
                              body, status=400)
    assert 'more than once' in error(response)['detail']


@pytest.mark.parametrize('raw', [
    b'{"allocations": {}, "allocations": {}}',
    b'{"allocations": {"' + RP_UUID.encode() + b'": {"resources": '
    b'{"VCPU": 1, "VCPU": 2}}}, "project_id": "p", "user_id": "u", '
    b'"consumer_generation": null, "consumer_type": "I"}',
    b'{"allocations": {"' + RP_UUID.encode() + b'": {"resources": '
    b'{"VCPU": NaN}}}}',
    b'{"allocations": ',
    b'\xff\xfe',
    b'',
])
def test_unparsable_bodies_are_400(client, raw):
    client.create_provider('target', {'VCPU': {'total': 8}}, uuid=RP_UUID)
    consumer = new_consumer()
    client.app.put(f'/allocations/{consumer}', raw, headers={
        'X-Auth-Token': 'admin', 'Content-Type': 'application/json',
        'OpenStack-API-Version': 'placement latest'}, status=400)
    assert get(client, consumer) == {'allocations': {}}
