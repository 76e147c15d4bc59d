"""Many clients, many worker processes, one provider: the generation
check loses no update and the capacity check allows no overcommit.

uwsgi runs four workers on the database under test; eight client
processes race each other over HTTP. Each test is bounded in time and
prints its figures.
"""

import multiprocessing
import time
import uuid

import pytest
import requests

from placement_min import errors
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
