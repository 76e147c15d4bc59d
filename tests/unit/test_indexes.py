"""Every lookup column is indexed, and the hot statements use the indexes.

A request's cost must not grow with the number of providers: each
statement finds its rows through an index, never by scanning a table
that grows with the deployment. The schema check runs on the migrated
database of the test run (SQLite or a server); the query-plan check
always runs on SQLite, whose EXPLAIN QUERY PLAN is easy to read.
"""

import re
import uuid as uuidlib

import pytest
import sqlalchemy as sa
import webtest
from sqlalchemy import event

from placement_min import conf as placement_conf
from placement_min import deploy
from placement_min.storage import database
from placement_min.storage import migration
from placement_min.storage import tables
from tests.conftest import Client

# (table, leading columns, unique?): each must lead some index or
# unique constraint.
LOOKUPS = [
    ('resource_providers', ('uuid',), True),
    ('resource_providers', ('name',), True),
    ('resource_providers', ('root_provider_id',), False),
    ('resource_providers', ('parent_provider_id',), False),
    ('resource_classes', ('name',), True),
    ('inventories', ('resource_provider_id', 'resource_class_id'), True),
    ('inventories', ('resource_class_id',), False),
    ('allocations', ('resource_provider_id', 'resource_class_id'), False),
    ('allocations', ('consumer_id',), False),
    ('allocations', ('resource_class_id',), False),
    ('consumers', ('uuid',), True),
    ('consumers', ('project_id', 'user_id'), False),
    ('traits', ('name',), True),
    ('resource_provider_traits', ('resource_provider_id', 'trait_id'), True),
    ('resource_provider_traits', ('trait_id', 'resource_provider_id'),
     False),
    ('placement_aggregates', ('uuid',), True),
    ('resource_provider_aggregates', ('resource_provider_id',
                                      'aggregate_id'), True),
    ('resource_provider_aggregates', ('aggregate_id',
                                      'resource_provider_id'), False),
]

# Tables that grow with the deployment; resource_classes stays small.
BIG_TABLES = ('resource_providers', 'inventories', 'allocations',
              'consumers', 'resource_provider_traits', 'placement_aggregates',
              'resource_provider_aggregates')


def _indexed(inspector, table: str) -> list[tuple[tuple, bool]]:
    found = [(tuple(ix['column_names']), bool(ix['unique']))
             for ix in inspector.get_indexes(table)]
    found += [(tuple(uc['column_names']), True)
              for uc in inspector.get_unique_constraints(table)]
    found.append((tuple(inspector.get_pk_constraint(table)[
        'constrained_columns']), True))
    return found


@pytest.mark.parametrize('table,columns,unique', LOOKUPS)
def test_lookup_columns_are_indexed(db, table, columns, unique):
    inspector = sa.inspect(db.engine)
    leading = [(cols, uniq) for cols, uniq in _indexed(inspector, table)
               if cols[:len(columns)] == columns]
    assert leading, f'{table}{columns} leads no index'
    if unique:
        assert any(cols == columns and uniq for cols, uniq in leading), (
            f'{table}{columns} is not unique')


@pytest.fixture
def sqlite_client(tmp_path):
    """The application on a SQLite database of its own, whatever
    database the rest of the run uses."""
    conf = placement_conf.build_conf(args=[])
    conf.set_override('connection',
                      f'sqlite:///{tmp_path}/plans.sqlite',
                      'placement_database')
    conf.set_override('state_path', str(tmp_path))
    db = database.Database.from_conf(conf)
    migration.sync(db.engine)
    yield Client(webtest.TestApp(deploy.loadapp(conf, db))), db
    db.engine.dispose()


def _hot_requests(client: Client) -> None:
    """The requests a scheduler and compute hosts send all day."""
    for number in range(3):
        client.create_provider(f'other-{number}', {'VCPU': {'total': 4}})
    rp = client.create_provider('hot', {'VCPU': {'total': 8},
                                        'MEMORY_MB': {'total': 1024}})
    uuid = rp['uuid']
    base = f'/resource_providers/{uuid}'
    consumer = str(uuidlib.uuid4())
    client.request('PUT', f'/allocations/{consumer}', {
        'allocations': {uuid: {'resources': {'VCPU': 1}}},
        'project_id': 'p', 'user_id': 'u', 'consumer_generation': None,
        'consumer_type': 'INSTANCE'}, status=204)
    generation = client.request('GET', base, status=200).json['generation']
    generation = client.request('PUT', f'{base}/traits', {
        'traits': ['HW_CPU_X86_AVX2', 'HW_CPU_X86_SSE'],
        'resource_provider_generation': generation},
        status=200).json['resource_provider_generation']
    aggregate = str(uuidlib.uuid4())
    generation = client.request('PUT', f'{base}/aggregates', {
        'aggregates': [aggregate, str(uuidlib.uuid4())],
        'resource_provider_generation': generation},
        status=200).json['resource_provider_generation']
    filtered = ('/resource_providers?resources=VCPU:1,MEMORY_MB:64'
                '&required=HW_CPU_X86_AVX2,!HW_CPU_X86_AVX&member_of='
                f'in:{aggregate},{uuidlib.uuid4()}')
    for path in (filtered, '/resource_providers?required=HW_CPU_X86_SSE',
                 f'/resource_providers?member_of={aggregate}',
                 '/resource_providers?resources=VCPU:2',
                 f'{base}/traits', f'{base}/aggregates',
                 '/traits?associated=true', '/traits/HW_CPU_X86_SSE'):
        client.request('GET', path, status=(204 if path.startswith(
            '/traits/') else 200))
    for path in (base, f'{base}/inventories', f'{base}/inventories/VCPU',
                 f'{base}/usages', f'{base}/allocations',
                 f'/allocations/{consumer}', '/usages?project_id=p',
                 '/resource_providers?name=hot',
                 f'/resource_providers?in_tree={uuid}'):
        client.request('GET', path, status=200)
    generation = client.request(
        'PUT', f'{base}/inventories/VCPU',
        {'resource_provider_generation': generation, 'total': 16},
        status=200).json['resource_provider_generation']
    client.request('PUT', f'{base}/inventories', {
        'resource_provider_generation': generation,
        'inventories': {'VCPU': {'total': 16}, 'DISK_GB': {'total': 10},
                        'MEMORY_MB': {'total': 1024}}}, status=200)
    client.request('DELETE', f'/allocations/{consumer}', status=204)


_SCAN = re.compile(r'\bSCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?')
# The indexes of the big tables: a scan of one reads the whole table's
# worth of entries, whatever alias the statement gives the table.
_BIG_INDEXES = {index.name for name in BIG_TABLES
                for index in tables.metadata.tables[name].indexes}


def _scans_big_table(step: str) -> bool:
    match = _SCAN.search(step)
    if match is None:
        return False
    table, index = match[1], match[2]
    return (re.sub(r'_\d+$', '', table) in BIG_TABLES
            or index in _BIG_INDEXES
            or any(index is not None
                   and index.startswith(f'sqlite_autoindex_{name}_')
                   for name in BIG_TABLES))


def test_hot_statements_scan_no_big_table(sqlite_client):
    client, db = sqlite_client
    recorded = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(('SELECT', 'UPDATE',
                                                  'DELETE', 'WITH')):
            recorded.append((statement, parameters, executemany))

    event.listen(db.engine, 'before_cursor_execute', record)
    try:
        _hot_requests(client)
    finally:
        event.remove(db.engine, 'before_cursor_execute', record)
    assert len(recorded) > 20
    scans = []
    with db.engine.connect() as conn:
        for statement, parameters, executemany in recorded:
            if executemany:
                parameters = parameters[0]
            plan = conn.exec_driver_sql(
                'EXPLAIN QUERY PLAN ' + statement, parameters).all()
            for row in plan:
                if _scans_big_table(row[-1]):
                    scans.append(f'{row[-1]} in: {statement}')
    assert not scans, '\n'.join(scans)


@pytest.mark.parametrize('step,scans', [
    ('SCAN inventories', True),
    ('SCAN inventories_1 USING COVERING INDEX ix_inventories_capacity', True),
    ('SCAN anon_1 USING INDEX sqlite_autoindex_allocations_1', True),
    ('SCAN resource_classes', False),
    ('SEARCH inventories_1 USING COVERING INDEX ix_inventories_capacity '
     '(resource_class_id=?)', False),
])
def test_a_scan_of_a_big_table_is_found_under_any_alias(step, scans):
    assert _scans_big_table(step) is scans


def test_required_trait_narrows_before_capacity_is_computed(sqlite_client):
    """A list filtered by capacity and a required trait starts from the
    trait's providers and reads each one's own inventory rows. Reading a
    class's inventories by class (its index) would compute the capacity
    of every provider that has the class, however few match."""
    client, db = sqlite_client
    for number in range(3):
        client.create_provider(f'rp-{number}', {'VCPU': {'total': 4},
                                                'MEMORY_MB': {'total': 64}})
    recorded = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if 'inventories' in statement:
            recorded.append((statement, parameters))

    event.listen(db.engine, 'before_cursor_execute', record)
    try:
        client.request('GET', '/resource_providers?resources=VCPU:1,'
                       'MEMORY_MB:64&required=HW_CPU_X86_AVX2', status=200)
    finally:
        event.remove(db.engine, 'before_cursor_execute', record)
    [(statement, parameters)] = recorded
    with db.engine.connect() as conn:
        plan = [row[-1] for row in conn.exec_driver_sql(
            'EXPLAIN QUERY PLAN ' + statement, parameters)]
    assert any('resource_provider_traits' in step for step in plan), plan
    # Each class's inventory of each provider found, and what is used of
    # it, are read from covering indexes alone.
    capacity = [step for step in plan if 'inventories' in step]
    assert len(capacity) == 2, plan
    assert all('USING COVERING INDEX ix_inventories_capacity '
               '(resource_class_id=? AND resource_provider_id=?)' in step
               for step in capacity), plan
    used = [step for step in plan if 'allocations' in step]
    assert len(used) == 2, plan
    assert all('USING COVERING INDEX ix_allocations_rp_id_rc_id_used' in step
               for step in used), plan
