"""Claims of seeds/001_326b306a937feeea.txt, checked against the service."""

import contextlib
import multiprocessing
import threading
import uuid

import pytest
import sqlalchemy as sa
import webtest
from sqlalchemy import event

from placement_min import deploy
from placement_min import errors
from placement_min.storage import database
from placement_min.storage import resource_provider as rp_storage
from placement_min.storage import tables
from tests.claims import scenarios
from tests.conftest import Client

INVENTORY = scenarios.INVENTORY
RP = tables.resource_providers


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


def _provider_row(conn, rp_uuid):
    return conn.execute(sa.select(RP.c.id, RP.c.generation)
                        .where(RP.c.uuid == rp_uuid)).one()


def test_r001_1_the_update_refuses_a_generation_another_connection_moved(
        client, db, conf):
    """The compare-and-set is the UPDATE's own condition: a writer read
    generation g, then another connection (another engine, as another
    worker has) committed g + 1; the writer's UPDATE with g must change
    no row, whatever the writer checked before."""
    rp = client.create_provider('rp', INVENTORY)
    with db.engine.connect() as conn:
        read = _provider_row(conn, rp['uuid'])
    other_db = database.Database.from_conf(conf)
    try:
        with other_db.write_engine.begin() as conn:
            assert rp_storage.bump_generation(
                conn, read.id, read.generation, rp['uuid']) == (
                    read.generation + 1)
    finally:
        other_db.engine.dispose()
    with pytest.raises(errors.ConcurrentUpdate):
        with db.write_engine.begin() as conn:
            rp_storage.bump_generation(conn, read.id, read.generation,
                                       rp['uuid'])
    with db.engine.connect() as conn:
        assert _provider_row(conn, rp['uuid']).generation == (
            read.generation + 1)


@contextlib.contextmanager
def _generation_moved_before_every_compare_and_set(db):
    """Before each UPDATE of a provider's generation, move every
    provider's generation on, as a write committed between the handler's
    read and its UPDATE would have.

    NOTE: on SQLite the handler's transaction holds the write lock from
    its first statement, so no other connection could write then; the
    move runs on the handler's own connection, where the UPDATE sees it
    exactly as it would see a commit from elsewhere (and it is undone
    with the handler's transaction).
    """
    moves = []

    def move(conn, _cursor, statement, _parameters, _context, _many):
        if statement.startswith('UPDATE resource_providers SET generation'):
            cursor = conn.connection.dbapi_connection.cursor()
            cursor.execute('UPDATE resource_providers '
                           'SET generation = generation + 1')
            cursor.close()
            moves.append(statement)

    event.listen(db.engine, 'before_cursor_execute', move)
    try:
        yield moves
    finally:
        event.remove(db.engine, 'before_cursor_execute', move)


def _generation_guarded_writes(rp):
    """(method, path, body) of each write that bumps ``rp``'s
    generation."""
    base = f'/resource_providers/{rp["uuid"]}'
    return [
        ('PUT', base + '/inventories',
         {'resource_provider_generation': rp['generation'],
          'inventories': {'VCPU': {'total': 4}}}),
        ('PUT', base + '/inventories/VCPU',
         {'resource_provider_generation': rp['generation'], 'total': 4}),
        ('POST', base + '/inventories',
         {'resource_class': 'DISK_GB', 'total': 10}),
        ('DELETE', base + '/inventories/VCPU', None),
        ('DELETE', base + '/inventories', None),
        ('PUT', f'/allocations/{uuid.uuid4()}',
         {'allocations': {rp['uuid']: {'resources': {'VCPU': 1}}},
          'project_id': 'p', 'user_id': 'u', 'consumer_generation': None,
          'consumer_type': 'INSTANCE'}),
        ('DELETE', base, None),
    ]


def test_r001_1_a_commit_between_read_and_update_wins(client, db):
    """Every write that bumps a generation, through its handler, with the
    generation moved after the handler read it: each is 409
    placement.concurrent_update and changes nothing, on any database."""
    rp = client.create_provider('rp', INVENTORY)
    before = scenarios.snapshot(client)
    for method, path, body in _generation_guarded_writes(rp):
        with _generation_moved_before_every_compare_and_set(db) as moves:
            response = client.request(method, path, body)
        assert moves, (method, path)
        assert response.status_int == 409, (method, path, response.body)
        error = scenarios.error_of(response)
        assert error['code'] == 'placement.concurrent_update', (method, path)
        assert rp['uuid'] in error['detail']
    assert scenarios.snapshot(client) == before


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
