"""Claims of seeds/001_326b306a937feeea.txt, checked against the service."""

import multiprocessing
import threading

import pytest
import sqlalchemy as sa
import webtest
from sqlalchemy import event

from placement_min import deploy
from placement_min.storage import database
from tests.claims import scenarios
from tests.conftest import Client

INVENTORY = scenarios.INVENTORY


# R001-1 -------------------------------------------------------------------

def test_r001_1_stale_generation_is_409_and_changes_nothing(client):
    rp = client.create_provider('rp', INVENTORY)
    path = f'/resource_providers/{rp["uuid"]}/inventories'
    before = scenarios.snapshot(client)
    for method, target, body in (
            ('PUT', path, {'resource_provider_generation': 0,
                           'inventories': {'VCPU': {'total': 2}}}),
            ('PUT', path + '/VCPU', {'resource_provider_generation': 0,
                                     'total': 2})):
        response = client.request(method, target, body, status=409)
        error = scenarios.error_of(response)
        assert error['code'] == 'placement.concurrent_update'
        assert rp['uuid'] in error['detail']
    assert scenarios.snapshot(client) == before


def _race(clients, rp_uuid, generation):
    """Every client writes at once with the same generation."""
    barrier = threading.Barrier(len(clients))
    statuses = []

    def write(client, total):
        barrier.wait()
        statuses.append((client.request(
            'PUT', f'/resource_providers/{rp_uuid}/inventories',
            {'resource_provider_generation': generation,
             'inventories': {'VCPU': {'total': total}}}).status_int, total))

    threads = [threading.Thread(target=write, args=(c, i + 10))
               for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def test_r001_1_generation_check_holds_across_databases(client, conf):
    """Two Database objects (two engines, two pools) share nothing in
    memory: only the database's compare-and-set can pick one winner."""
    rp = client.create_provider('rp', INVENTORY)
    other_db = database.Database.from_conf(conf)
    try:
        other = Client(webtest.TestApp(deploy.loadapp(conf, other_db)))
        statuses = _race([client, other] * 3, rp['uuid'], rp['generation'])
    finally:
        other_db.engine.dispose()
    assert sorted(s for s, _ in statuses) == [200] + [409] * 5
    _assert_only_the_winner_stored(client, rp, statuses)


def _assert_only_the_winner_stored(client, rp, statuses) -> None:
    """The one 200's write is stored, and the generation moved once."""
    (winner,) = [total for s, total in statuses if s == 200]
    body = client.request(
        'GET', f'/resource_providers/{rp["uuid"]}/inventories',
        status=200).json
    assert body['resource_provider_generation'] == rp['generation'] + 1
    assert body['inventories']['VCPU']['total'] == winner


def test_r001_1_generation_check_holds_across_processes(client, conf):
    """Worker processes, each with its own application, race as uwsgi's
    workers would."""
    rp = client.create_provider('rp', INVENTORY)
    context = multiprocessing.get_context('fork')
    barrier = context.Barrier(3)
    results = context.Queue()

    def worker(total):
        app = webtest.TestApp(deploy.loadapp(conf))
        barrier.wait()
        response = Client(app).request(
            'PUT', f'/resource_providers/{rp["uuid"]}/inventories',
            {'resource_provider_generation': rp['generation'],
             'inventories': {'VCPU': {'total': total}}})
        results.put((response.status_int, total))

    processes = [context.Process(target=worker, args=(20 + i,))
                 for i in range(3)]
    for process in processes:
        process.start()
    statuses = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(60)
    assert sorted(s for s, _ in statuses) == [200, 409, 409]
    _assert_only_the_winner_stored(client, rp, statuses)


# R001-2 -------------------------------------------------------------------

def test_r001_2_inventory_in_use_is_409_naming_provider_and_class(client):
    rp = client.create_provider('rp', {'VCPU': {'total': 8},
                                       'DISK_GB': {'total': 100}})
    scenarios.allocate(client, rp['uuid'], 2)
    rp['generation'] += 1
    path = f'/resource_providers/{rp["uuid"]}/inventories'
    before = scenarios.snapshot(client)
    for method, target, body in (
            ('PUT', path, {'resource_provider_generation': rp['generation'],
                           'inventories': {'DISK_GB': {'total': 100}}}),
            ('DELETE', path + '/VCPU', None),
            ('DELETE', path, None)):
        response = client.request(method, target, body, status=409)
        error = scenarios.error_of(response)
        assert error['code'] == 'placement.inventory.inuse'
        assert 'VCPU' in error['detail'] and rp['uuid'] in error['detail']
    assert scenarios.snapshot(client) == before


def test_r001_2_invalid_inventory_is_400_naming_provider_and_class(client):
    rp = client.create_provider('rp', INVENTORY)
    path = f'/resource_providers/{rp["uuid"]}/inventories'
    before = scenarios.snapshot(client)
    for method, target, body in (
            ('PUT', path + '/VCPU', {'resource_provider_generation': 1,
                                     'total': 2, 'reserved': 3}),
            ('PUT', path + '/DISK_GB', {'resource_provider_generation': 1,
                                        'total': 2}),
            ('POST', path, {'resource_class': 'DISK_GB', 'total': 2,
                            'min_unit': 3, 'max_unit': 1})):
        response = client.request(method, target, body, status=400)
        detail = scenarios.error_of(response)['detail']
        assert rp['uuid'] in detail
        assert target.rsplit('/', 1)[-1] in detail or 'DISK_GB' in detail
    assert scenarios.snapshot(client) == before


# R001-3 -------------------------------------------------------------------

def _with_unknown_field(body, nested: bool):
    body = dict(body)
    if not nested:
        body['bogus_field'] = 1
    elif 'inventories' in body:
        body['inventories'] = {'VCPU': {'total': 4, 'bogus_field': 1}}
    elif isinstance(body.get('allocations'), dict):
        (rp_uuid,) = body['allocations']
        body['allocations'] = {rp_uuid: {'resources': {'VCPU': 1},
                                         'bogus_field': 1}}
    elif isinstance(body.get('allocations'), list):
        body['allocations'] = [dict(body['allocations'][0], bogus_field=1)]
    else:
        return None
    return body


@pytest.mark.parametrize('nested', [False, True], ids=['top', 'nested'])
def test_r001_3_every_write_body_refuses_unknown_fields(client, nested):
    """Each body is checked against its schema before anything is
    written; the valid bodies succeed, so the schema is what refuses."""
    targets = scenarios.write_targets(client)
    before = scenarios.snapshot(client)
    checked = 0
    for method, path, version, body in targets:
        bad = _with_unknown_field(body, nested)
        if bad is None:
            continue
        response = client.request(method, path, bad, version=version,
                                  status=400)
        assert 'bogus_field' in scenarios.error_of(response)['detail']
        checked += 1
    assert checked == (9 if not nested else 3)
    assert scenarios.snapshot(client) == before
    for method, path, version, body in targets:
        status = client.request(method, path, body, version=version).status
        assert status[0] == '2', (method, path, status)


@pytest.mark.parametrize('body, field', [
    ({'name': 5}, 'name'),
    ({'name': ''}, 'name'),
    ({'name': 'x' * 201}, 'name'),
    ({'name': 'ok', 'uuid': 'not-a-uuid'}, 'uuid'),
    ({'name': 'ok', 'parent_provider_uuid': 7}, 'parent_provider_uuid'),
    ({'name': 'tab\there'}, 'name'),
])
def test_r001_3_schema_errors_name_the_field(client, body, field):
    response = client.request('POST', '/resource_providers', body,
                              status=400)
    detail = scenarios.error_of(response)['detail']
    assert f"'{field}'" in detail, detail


# R001-4 -------------------------------------------------------------------

SQL_NAMES = [
    "x'; DROP TABLE resource_providers; --",
    "' OR '1'='1",
    '" OR ""="',
    "Robert'); DELETE FROM inventories;--",
    "x\\'; UPDATE resource_providers SET generation = 99; --",
    '%', '_', "a%' --", '1; SELECT sqlite_version()',
]


def test_r001_4_sql_fragments_are_stored_and_matched_literally(client, db):
    client.create_provider('bystander', INVENTORY)
    created = {name: client.create_provider(name)['uuid']
               for name in SQL_NAMES}
    for name, rp_uuid in created.items():
        shown = client.request('GET', f'/resource_providers/{rp_uuid}',
                               status=200).json
        assert (shown['name'], shown['generation']) == (name, 0)
        found = client.app.get('/resource_providers', params={'name': name},
                               headers={'X-Auth-Token': 'admin'}).json
        assert [rp['uuid'] for rp in found['resource_providers']] == [
            rp_uuid]
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {'resource_providers', 'inventories', 'resource_classes',
            'allocations'} <= tables
    listed = client.request('GET', '/resource_providers',
                            status=200).json['resource_providers']
    assert len(listed) == len(SQL_NAMES) + 1


def test_r001_4_sql_fragments_in_paths_and_queries_change_nothing(client):
    rp = client.create_provider('rp', INVENTORY)
    before = scenarios.snapshot(client)
    fragment = "1'%20OR%20'1'='1"
    for method, path, status in (
            ('GET', f'/resource_providers/{fragment}', 404),
            ('DELETE', f'/resource_providers/{fragment}', 404),
            ('DELETE', f'/resource_providers/{rp["uuid"]}/inventories/'
                       f'VCPU{fragment}', 404),
            ('DELETE', f'/resource_classes/CUSTOM_X{fragment}', 404),
            ('GET', f'/resource_providers?uuid={fragment}', 400),
            ('GET', f'/resource_providers?in_tree={fragment}', 400),
            ('DELETE', f'/allocations/{fragment}', 400)):
        client.request(method, path, status=status)
    listed = client.request('GET', f'/resource_providers?name={fragment}',
                            status=200).json
    assert listed['resource_providers'] == []
    assert scenarios.snapshot(client) == before


def test_r001_4_user_values_reach_the_database_only_as_parameters(client,
                                                                  db):
    """Statement texts never contain what the client sent; it travels in
    the bound parameters, where the driver keeps it data."""
    statements = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, repr(parameters)))

    event.listen(db.engine, 'before_cursor_execute', record)
    try:
        marker = "zq'x--"
        rp = client.create_provider(marker, INVENTORY)
        client.request('GET', f'/resource_providers/{rp["uuid"]}',
                       status=200)
        client.app.get('/resource_providers', params={'name': marker},
                       headers={'X-Auth-Token': 'admin'})
        client.request('PUT', f'/resource_providers/{rp["uuid"]}',
                       {'name': marker + '2'}, status=200)
    finally:
        event.remove(db.engine, 'before_cursor_execute', record)
    assert statements
    assert not [s for s, _ in statements if 'zq' in s or rp['uuid'] in s]
    assert [p for _, p in statements if 'zq' in p]
    assert [p for _, p in statements if rp['uuid'] in p]


# R001-5 -------------------------------------------------------------------

@pytest.mark.parametrize('kind', sorted(scenarios.RESPONSES))
def test_r001_5_every_response_is_json_and_never_sniffed(client, monkeypatch,
                                                         kind):
    response = scenarios.provoke(kind, client, monkeypatch)
    assert response.headers['X-Content-Type-Options'] == 'nosniff'
    assert "default-src 'none'" in response.headers[
        'Content-Security-Policy']
    if response.status_int in (201, 204) and not response.body:
        assert 'Content-Type' not in response.headers
    else:
        assert response.headers['Content-Type'] == 'application/json'
        response.json  # noqa: B018 - parses, or the test fails


MARKUP = '<script>alert(1)</script><img src=x onerror=alert(2)>&amp;'


def test_r001_5_markup_in_error_details_is_escaped(client):
    client.create_provider(MARKUP)
    responses = [
        client.request('POST', '/resource_providers', {'name': MARKUP},
                       status=409),
        client.app.get('/resource_providers/' + MARKUP, expect_errors=True,
                       headers={'X-Auth-Token': 'admin'}),
        client.app.get('/resource_providers', params={MARKUP: '1'},
                       expect_errors=True,
                       headers={'X-Auth-Token': 'admin'}),
        client.app.get('/' + MARKUP, expect_errors=True,
                       headers={'X-Auth-Token': 'admin'}),
    ]
    for response in responses:
        assert response.status_int in (400, 404, 409)
        for char in (b'<', b'>', b'&'):
            assert char not in response.body, response.body
        assert '<script>alert(1)</script>' in scenarios.error_of(
            response)['detail']


# R001-6 -------------------------------------------------------------------

def test_r001_6_oversized_input_is_refused_cleanly(client):
    """Whatever the size, input meets a bound and a 4xx, never a crash."""
    huge = 'x' * 100000
    response = client.request('GET', f'/resource_providers/{huge}',
                              status=404)
    assert len(scenarios.error_of(response)['detail']) < 400
    assert scenarios.raw(client, 'POST', '/resource_providers',
                         b'{"name": "' + huge.encode() * 2 + b'"}'
                         ).status_int == 413
    client.request('POST', '/resource_providers', {'name': huge},
                   status=400)
    client.request('GET', '/resource_providers?' + '&'.join(
        f'p{i}=1' for i in range(5000)), status=400)
    rp = client.create_provider('rp')
    client.request('PUT', f'/resource_providers/{rp["uuid"]}/inventories',
                   {'resource_provider_generation': 0,
                    'inventories': {'VCPU': {'total': 2 ** 64}}},
                   status=400)
    client.request('PUT', f'/resource_classes/CUSTOM_{"X" * 300}',
                   status=400)
    assert [p['name'] for p in client.request(
        'GET', '/resource_providers', status=200).json[
            'resource_providers']] == ['rp']
