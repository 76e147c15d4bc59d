"""Many clients, many worker processes: the generation check loses no
update, the capacity check allows no overcommit whichever allocation
write (PUT or POST) wins, and a reshape racing allocation writes leaves
no allocation without inventory.

uwsgi runs four workers on the database under test; eight client
processes race each other over HTTP. Each test is bounded in time and
prints its figures.
"""

import multiprocessing
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from placement_min import errors
from placement_min.storage import tables
from tests import databases
from tests import personas
from tests import servers

CLIENTS = 8
WORKERS = 4
ROUNDS = 15
# VCPU units the allocation race is for.
CAPACITY = 20
# Every client stops trying after this; the assertions then fail.
DEADLINE = 120
HEADERS = {'X-Auth-Token': 'admin',
           'OpenStack-API-Version': 'placement 1.39'}
# Nova's service user, the one caller the reshaper's rule admits.
SERVICE_HEADERS = {**HEADERS, **personas.PERSONAS['service']}


@pytest.fixture
def uwsgi(tmp_path, db_url):
    config = servers.write_config(tmp_path, db_url)
    server = servers.start_uwsgi(tmp_path, config, processes=WORKERS)
    yield server
    server.stop()


def _inventories(tag: int) -> dict:
    """A whole inventory set that says which write stored it."""
    return {
        'VCPU': {'total': tag, 'reserved': 0, 'min_unit': 1,
                 'max_unit': tag, 'step_size': 1, 'allocation_ratio': 1.0},
        'MEMORY_MB': {'total': 100000 + tag, 'reserved': 0, 'min_unit': 1,
                      'max_unit': 100000 + tag, 'step_size': 1,
                      'allocation_ratio': 1.0},
    }


def _results(pool, function, url: str, subject: str) -> tuple[list, float]:
    """Every client's result, and the seconds they took together."""
    start = time.monotonic()
    results = pool.starmap(function,
                           [(url, subject, n) for n in range(CLIENTS)])
    return results, time.monotonic() - start


def write_inventories(url: str, rp_uuid: str, client: int) -> dict:
    """ROUNDS successful writes: read the generation, PUT the whole set
    with it, and on 409 read again and retry."""
    session = requests.Session()
    session.headers.update(HEADERS)
    path = f'{url}/resource_providers/{rp_uuid}/inventories'
    stale_detail = errors.ConcurrentUpdate.template.format(uuid=rp_uuid)
    deadline = time.monotonic() + DEADLINE
    result = {'attempts': 0, 'ok': [], 'conflicts': 0, 'other': []}
    for round_ in range(ROUNDS):
        # Unique per write: which write stored the inventory shows.
        tag = 1000 + client * 100 + round_
        while time.monotonic() < deadline:
            shown = session.get(path, timeout=30)
            if shown.status_code != 200:
                result['other'].append((shown.status_code, shown.text))
                continue
            result['attempts'] += 1
            put = session.put(path, timeout=30, json={
                'resource_provider_generation':
                    shown.json()['resource_provider_generation'],
                'inventories': _inventories(tag)})
            if put.status_code == 200:
                result['ok'].append(
                    (put.json()['resource_provider_generation'], tag))
                break
            # Only a stale generation may refuse the write; a transaction
            # the database gave up on (a lock wait that ran out) is not
            # a conflict but a failure.
            if put.status_code == 409 and put.json()['errors'][0][
                    'detail'] == stale_detail:
                result['conflicts'] += 1
                continue
            result['other'].append((put.status_code, put.text))
    return result


def _session_with_provider(uwsgi, name: str):
    """An admin session at the latest version, and a new provider."""
    session = requests.Session()
    session.headers.update(HEADERS)
    rp = session.post(f'{uwsgi.url}/resource_providers',
                      json={'name': name}).json()
    return session, rp


def test_no_lost_update(uwsgi):
    session, rp = _session_with_provider(uwsgi, 'contended')
    path = f'{uwsgi.url}/resource_providers/{rp["uuid"]}/inventories'

    with multiprocessing.get_context('spawn').Pool(CLIENTS) as pool:
        results, seconds = _results(pool, write_inventories, uwsgi.url,
                                    rp['uuid'])

    oks = [ok for result in results for ok in result['ok']]
    attempts = sum(result['attempts'] for result in results)
    conflicts = sum(result['conflicts'] for result in results)
    other = [o for result in results for o in result['other']]
    stored = session.get(path).json()
    print(f'\n{uwsgi.url} {WORKERS} workers, {CLIENTS} clients x '
          f'{ROUNDS} rounds in {seconds:.1f}s: writes attempted '
          f'{attempts}, 200s {len(oks)}, 409s {conflicts}, other '
          f'{len(other)}, final generation '
          f'{stored["resource_provider_generation"]}')

    assert other == []
    assert len(oks) == CLIENTS * ROUNDS
    assert attempts == len(oks) + conflicts
    # Every 200 added exactly one, and no two writes saw the same one.
    assert stored['resource_provider_generation'] == len(oks)
    assert sorted(g for g, _tag in oks) == list(range(1, len(oks) + 1))
    _generation, last_tag = max(oks)
    assert stored['inventories'] == _inventories(last_tag)


def allocate_one(url: str, rp_uuid: str, client: int) -> list:
    """Claim one unit for a new consumer, again and again, until a
    claim is refused; the statuses, in order."""
    session = requests.Session()
    session.headers.update(HEADERS)
    statuses = []
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        consumer = str(uuid.uuid4())
        put = session.put(f'{url}/allocations/{consumer}', timeout=30, json={
            'allocations': {rp_uuid: {'resources': {'VCPU': 1}}},
            'project_id': f'project-{client}', 'user_id': 'user',
            'consumer_generation': None, 'consumer_type': 'INSTANCE'})
        code = put.json()['errors'][0]['code'] if put.content else None
        statuses.append((put.status_code, code, consumer))
        if put.status_code != 204 and code != 'placement.concurrent_update':
            break
    return statuses


def test_no_overcommit(uwsgi):
    session, rp = _session_with_provider(uwsgi, 'nearly-full')
    base = f'{uwsgi.url}/resource_providers/{rp["uuid"]}'
    put = session.put(f'{base}/inventories', json={
        'resource_provider_generation': 0,
        'inventories': {'VCPU': {'total': CAPACITY + 4, 'reserved': 4}}})
    assert put.status_code == 200, put.text

    with multiprocessing.get_context('spawn').Pool(CLIENTS) as pool:
        results, seconds = _results(pool, allocate_one, uwsgi.url,
                                    rp['uuid'])

    statuses = [status for result in results for status in result]
    granted = {consumer for status, _code, consumer in statuses
               if status == 204}
    refused = [s for s in statuses if s[0] == 409
               and s[1] != 'placement.concurrent_update']
    conflicts = [s for s in statuses if s[1] == 'placement.concurrent_update']
    other = [s for s in statuses if s[0] not in (204, 409)]
    usages = session.get(f'{base}/usages').json()
    allocations = session.get(f'{base}/allocations').json()
    print(f'\n{uwsgi.url} {WORKERS} workers, {CLIENTS} clients racing for '
          f'{CAPACITY} VCPU in {seconds:.1f}s: writes attempted '
          f'{len(statuses)}, 204s {len(granted)}, 409s over capacity '
          f'{len(refused)}, 409s concurrent update {len(conflicts)}, '
          f'other {len(other)}, final generation '
          f'{usages["resource_provider_generation"]}, used '
          f'{usages["usages"]["VCPU"]}')

    assert other == []
    # Every client ended on a refusal for lack of room.
    assert len(refused) == CLIENTS
    assert len(granted) == CAPACITY
    assert usages['usages'] == {'VCPU': CAPACITY}
    assert set(allocations['allocations']) == granted
    assert usages['resource_provider_generation'] == 1 + CAPACITY


def _consumer(allocations: dict, generation=None) -> dict:
    return {'allocations': {rp: {'resources': resources}
                            for rp, resources in allocations.items()},
            'project_id': 'project', 'user_id': 'user',
            'consumer_generation': generation, 'consumer_type': 'INSTANCE'}


def allocate_by_put_or_post(url: str, rp_uuid: str, client: int) -> list:
    """Even clients PUT one unit for one new consumer, odd ones POST two
    new consumers of one unit each, until a write is refused for lack of
    room; (status, code, {consumer: units}) of every write."""
    session = requests.Session()
    session.headers.update(HEADERS)
    writes = []
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        consumers = [str(uuid.uuid4()) for _ in range(1 + client % 2)]
        if len(consumers) == 1:
            response = session.put(
                f'{url}/allocations/{consumers[0]}', timeout=30,
                json=_consumer({rp_uuid: {'VCPU': 1}}))
        else:
            response = session.post(f'{url}/allocations', timeout=30, json={
                consumer: _consumer({rp_uuid: {'VCPU': 1}})
                for consumer in consumers})
        code = (response.json()['errors'][0]['code'] if response.content
                else None)
        writes.append((response.status_code, code,
                       dict.fromkeys(consumers, 1)))
        if (response.status_code != 204
                and code != 'placement.concurrent_update'):
            break
    return writes


def test_put_and_post_race_for_the_last_units(uwsgi):
    session, rp = _session_with_provider(uwsgi, 'last-units')
    base = f'{uwsgi.url}/resource_providers/{rp["uuid"]}'
    put = session.put(f'{base}/inventories', json={
        'resource_provider_generation': 0,
        'inventories': {'VCPU': {'total': CAPACITY + 1}}})
    assert put.status_code == 200, put.text

    with multiprocessing.get_context('spawn').Pool(CLIENTS) as pool:
        results, seconds = _results(pool, allocate_by_put_or_post,
                                    uwsgi.url, rp['uuid'])

    writes = [write for result in results for write in result]
    granted = {}
    for status, _code, consumers in writes:
        if status == 204:
            granted.update(consumers)
    refused = [w for w in writes if w[0] == 409
               and w[1] != 'placement.concurrent_update']
    other = [w for w in writes if w[0] not in (204, 409)]
    usages = session.get(f'{base}/usages').json()['usages']
    allocations = session.get(f'{base}/allocations').json()['allocations']
    print(f'\n{uwsgi.url} {WORKERS} workers, {CLIENTS} clients (PUT and '
          f'POST) racing for {CAPACITY + 1} VCPU in {seconds:.1f}s: writes '
          f'{len(writes)}, 204s {sum(w[0] == 204 for w in writes)}, 409s '
          f'over capacity {len(refused)}, other {len(other)}, used '
          f'{usages["VCPU"]}')

    assert other == []
    assert len(refused) == CLIENTS
    # Exactly what the successful writes took, and no more than there is.
    assert usages['VCPU'] == sum(granted.values())
    assert CAPACITY <= usages['VCPU'] <= CAPACITY + 1
    assert {consumer: body['resources']['VCPU']
            for consumer, body in allocations.items()} == granted


RESHAPES = 10


def _holder(session, url: str, uuids: list[str]) -> tuple[str, dict]:
    """The provider that has the VCPU inventory now, and the
    generations of all.

    The providers are read one after the other, so a reshape between
    the two reads can hide the inventory from both: then they are read
    again.
    """
    while True:
        generations, holder = {}, None
        for rp_uuid in uuids:
            shown = session.get(f'{url}/resource_providers/{rp_uuid}/'
                                'inventories', timeout=30).json()
            generations[rp_uuid] = shown['resource_provider_generation']
            if 'VCPU' in shown['inventories']:
                holder = rp_uuid
        if holder is not None:
            return holder, generations


def reshape_back_and_forth(url: str, tree: str, client: int) -> dict:
    """Client 0 moves the VCPU inventory, and every allocation of it,
    between the two providers RESHAPES times; the others allocate and
    free one VCPU of their own consumer on whichever has it."""
    session = requests.Session()
    session.headers.update(HEADERS)
    uuids = tree.split(',')
    result = {'done': 0, 'conflicts': 0, 'refused': 0, 'other': []}
    deadline = time.monotonic() + DEADLINE
    if client == 0:
        while result['done'] < RESHAPES and time.monotonic() < deadline:
            holder, generations = _holder(session, url, uuids)
            target = uuids[1] if holder == uuids[0] else uuids[0]
            held = session.get(f'{url}/resource_providers/{holder}/'
                               'allocations', timeout=30).json()
            allocations = {}
            for consumer in held['allocations']:
                shown = session.get(f'{url}/allocations/{consumer}',
                                    timeout=30).json()
                if holder not in shown['allocations']:
                    continue
                allocations[consumer] = _consumer(
                    {target: shown['allocations'][holder]['resources']},
                    shown['consumer_generation'])
            body = {
                'inventories': {
                    holder: {'resource_provider_generation':
                             generations[holder], 'inventories': {}},
                    target: {'resource_provider_generation':
                             generations[target],
                             'inventories': {'VCPU': {'total': 64}}}},
                'allocations': allocations}
            response = session.post(f'{url}/reshaper', timeout=30,
                                    headers=SERVICE_HEADERS, json=body)
            if response.status_code == 204:
                result['done'] += 1
            elif response.status_code == 409 and response.json()[
                    'errors'][0]['code'] in ('placement.concurrent_update',
                                             'placement.inventory.inuse'):
                result['conflicts'] += 1
            else:
                result['other'].append((response.status_code,
                                        response.text))
        return result
    consumer = str(uuid.uuid4())
    path = f'{url}/allocations/{consumer}'
    while time.monotonic() < deadline and len(result['other']) < 5:
        holder, _generations = _holder(session, url, uuids)
        shown = session.get(path, timeout=30).json()
        body = {} if shown['allocations'] else {holder: {'VCPU': 1}}
        response = session.put(path, timeout=30, json=_consumer(
            body, shown.get('consumer_generation')))
        if response.status_code == 204:
            result['done'] += 1
        elif response.status_code == 409:
            result['refused'] += 1
        else:
            result['other'].append((response.status_code, response.text))
        if result['done'] >= 3 * RESHAPES:
            break
    return result


# Allocations with no inventory of their class on their provider, read
# in one statement: a consistent snapshot on every backend.
_ORPHANS = sa.select(sa.func.count()).select_from(tables.allocations).where(
    ~sa.exists().where(
        tables.inventories.c.resource_provider_id
        == tables.allocations.c.resource_provider_id,
        tables.inventories.c.resource_class_id
        == tables.allocations.c.resource_class_id))


def test_reshape_racing_allocation_writes(uwsgi, db_url):
    """No allocation is ever left on a provider without inventory of its
    class (the database is watched all along), and the reshapes all end
    up applied."""
    session, first = _session_with_provider(uwsgi, 'node')
    second = session.post(f'{uwsgi.url}/resource_providers', json={
        'name': 'numa', 'parent_provider_uuid': first['uuid']}).json()
    put = session.put(
        f'{uwsgi.url}/resource_providers/{first["uuid"]}/inventories',
        json={'resource_provider_generation': 0,
              'inventories': {'VCPU': {'total': 64}}})
    assert put.status_code == 200, put.text

    engine = databases.engine_for(db_url)
    orphans, looks = 0, 0
    start = time.monotonic()
    try:
        with multiprocessing.get_context('spawn').Pool(CLIENTS) as pool:
            pending = pool.starmap_async(reshape_back_and_forth, [
                (uwsgi.url, f'{first["uuid"]},{second["uuid"]}', n)
                for n in range(CLIENTS)])
            while not pending.ready():
                with engine.connect() as conn:
                    orphans = max(orphans, conn.execute(_ORPHANS).scalar())
                looks += 1
                pending.wait(0.05)
            results = pending.get()
    finally:
        engine.dispose()
    seconds = time.monotonic() - start

    reshaper, writers = results[0], results[1:]
    print(f'\n{uwsgi.url} {WORKERS} workers, a reshaper and '
          f'{CLIENTS - 1} allocation writers in {seconds:.1f}s: reshapes '
          f'{reshaper["done"]} (409s {reshaper["conflicts"]}), allocation '
          f'writes {sum(w["done"] for w in writers)} (409s '
          f'{sum(w["refused"] for w in writers)}), orphaned allocations '
          f'{orphans} in {looks} looks at the database')
    assert orphans == 0
    assert reshaper['other'] == []
    assert [w['other'] for w in writers] == [[]] * (CLIENTS - 1)
    assert reshaper['done'] == RESHAPES
    for rp in (first, second):
        base = f'{uwsgi.url}/resource_providers/{rp["uuid"]}'
        classes = set(session.get(f'{base}/inventories').json()[
            'inventories'])
        held = session.get(f'{base}/allocations').json()['allocations']
        for consumer, body in held.items():
            assert set(body['resources']) <= classes, (rp['name'], consumer)
