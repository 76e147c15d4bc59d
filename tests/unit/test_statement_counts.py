"""SQL statements per request, counted at the cursor.

Each hot request is sent once to warm up, then once more while every
statement the engine sends to a cursor is recorded. The pinned numbers
are the design: a read is one statement (class names come from a join,
not from lookups per class), and a write is the transaction's BEGIN
IMMEDIATE (SQLite only), one read of everything it checks, the
generation compare-and-set, and the change itself. COMMIT is not
counted: the driver sends it through the connection, not a cursor.
"""

import pytest
from sqlalchemy import event

from placement_min.storage import aggregate as aggregate_storage
from placement_min.storage import trait as trait_storage
from tests import personas

STANDARD = {
    'VCPU': {'total': 8},
    'MEMORY_MB': {'total': 4096, 'reserved': 512},
    'DISK_GB': {'total': 100},
}
CUSTOM = [f'CUSTOM_COUNT_{n:02d}' for n in range(27)]


@pytest.fixture
def statements(db):
    """The statements sent while the list is being recorded."""
    recorded = []

    def record(conn, cursor, statement, parameters, context, executemany):
        recorded.append(statement)

    event.listen(db.engine, 'before_cursor_execute', record)
    yield recorded
    event.remove(db.engine, 'before_cursor_execute', record)


@pytest.fixture
def begin(db) -> int:
    """Statements a write transaction adds at its start: BEGIN IMMEDIATE
    on SQLite, none where the driver begins the transaction itself."""
    return 1 if db.engine.dialect.name == 'sqlite' else 0


@pytest.fixture
def provider(client):
    for name in CUSTOM:
        client.request('PUT', f'/resource_classes/{name}', status=201)
    return client.create_provider('counted', STANDARD)


class Counter:
    """Sends a request twice; counts the statements of the second."""

    def __init__(self, client, statements, provider):
        self.client = client
        self.statements = statements
        self.uuid = provider['uuid']
        self.generation = provider['generation']

    def count(self, method: str, path: str, body=None, status=200,
              make_body=None) -> int:
        path = path.format(uuid=self.uuid)
        for attempt in range(2):
            if make_body is not None:
                body = make_body(self.generation)
            if attempt:
                self.statements.clear()
            response = self.client.request(method, path, body,
                                           status=status)
            if status == 200 and 'resource_provider_generation' in (
                    response.json):
                self.generation = response.json[
                    'resource_provider_generation']
        return len(self.statements)


@pytest.fixture
def counter(client, statements, provider):
    return Counter(client, statements, provider)


def test_get_all_inventories_is_one_statement(counter):
    assert counter.count('GET', '/resource_providers/{uuid}/inventories') == 1


def test_get_one_inventory_is_one_statement(counter):
    assert counter.count(
        'GET', '/resource_providers/{uuid}/inventories/VCPU') == 1


def test_get_provider_is_one_statement(counter):
    assert counter.count('GET', '/resource_providers/{uuid}') == 1


def test_get_usages_is_one_statement(counter):
    assert counter.count('GET', '/resource_providers/{uuid}/usages') == 1


def test_put_one_inventory(counter, begin):
    """BEGIN, the read, the compare-and-set, the inventory update."""
    count = counter.count(
        'PUT', '/resource_providers/{uuid}/inventories/VCPU',
        make_body=lambda g: {'resource_provider_generation': g,
                             'total': 16})
    assert count == begin + 3
    assert count <= 4


def test_put_one_inventory_stale_generation(counter, begin):
    """A stale generation is refused after the one read."""
    count = counter.count(
        'PUT', '/resource_providers/{uuid}/inventories/VCPU',
        {'resource_provider_generation': 0, 'total': 16}, status=409)
    assert count == begin + 1


def _replace_all(inventories):
    def make_body(generation):
        return {'resource_provider_generation': generation,
                'inventories': inventories}
    return make_body


@pytest.mark.parametrize('classes', [3, 30])
def test_put_all_inventories(counter, begin, classes):
    """The same number whatever the number of classes: rows are read
    and written in one statement each, never one per class."""
    inventories = dict(STANDARD, **{name: {'total': 10}
                                    for name in CUSTOM[:classes - 3]})
    count = counter.count('PUT', '/resource_providers/{uuid}/inventories',
                          make_body=_replace_all(inventories))
    assert count == begin + 6


# Writes of several consumers: one statement per step, whatever the
# number of consumers and classes; one compare-and-set per provider.

def _consumer(allocations: dict, generation) -> dict:
    return {'allocations': {rp: {'resources': resources}
                            for rp, resources in allocations.items()},
            'project_id': 'p', 'user_id': 'u',
            'consumer_generation': generation, 'consumer_type': 'INSTANCE'}


def _generations(client, consumers) -> dict:
    return {c: client.request('GET', f'/allocations/{c}', status=200).json
            .get('consumer_generation') for c in consumers}


def _three_providers(client, classes: list[str]) -> list[dict]:
    inventories = {rc: {'total': 1000} for rc in ['VCPU', *classes]}
    return [client.create_provider(f'p{n}', inventories) for n in range(3)]


@pytest.mark.parametrize('consumers, classes', [(2, 0), (2, 12), (12, 0)])
def test_post_allocations_moving_consumers_across_three_providers(
        client, provider, statements, begin, consumers, classes):
    """BEGIN; the consumers with their allocations, the providers, the
    classes, the inventories with the others' usage; a compare-and-set
    per provider (3); the allocation delete, the consumers'
    compare-and-set (one executemany) and the allocation insert."""
    names = CUSTOM[:classes]
    p0, p1, p2 = _three_providers(client, names)
    uuids = [f'00000000-0000-4000-8000-{n:012d}' for n in range(consumers)]
    resources = {rc: 1 for rc in ['VCPU', *names]}

    def move(targets, record: bool) -> None:
        generations = _generations(client, uuids)
        if record:
            statements.clear()
        client.request('POST', '/allocations', {
            c: _consumer({rp['uuid']: resources for rp in targets},
                         generations[c]) for c in uuids}, status=204)

    move([p0], False)
    move([p1, p2], False)
    move([p0], False)
    move([p1, p2], True)
    assert len(statements) == begin + 4 + 3 + 3


@pytest.mark.parametrize('consumers, classes', [(4, 0), (4, 12), (12, 0)])
def test_reshape_of_three_providers(client, provider, statements, begin,
                                    consumers, classes):
    """An allocation write's statements (4 reads, 3 compare-and-sets,
    3 writes) plus one each for the inventory rows removed, updated and
    added, whatever the number of consumers and classes."""
    names = CUSTOM[:classes]
    node = client.create_provider('node', {
        rc: {'total': 1000} for rc in ['VCPU', 'MEMORY_MB', *names]})
    children = [client.create_provider(f'numa{n}', parent=node['uuid'])
                for n in range(2)]
    uuids = [f'00000000-0000-4000-8000-{n:012d}' for n in range(consumers)]
    kept = {rc: 1 for rc in ['MEMORY_MB', *names]}
    for c in uuids:
        client.request('PUT', f'/allocations/{c}', _consumer(
            {node['uuid']: {'VCPU': 1, **kept}}, None), status=204)

    def reshape(split: bool, record: bool) -> None:
        generations = _generations(client, uuids)
        rps = [node, *children]
        shown = [client.request('GET', f'/resource_providers/{rp["uuid"]}',
                                status=200).json['generation']
                 for rp in rps]
        vcpu = {'VCPU': {'total': 1000}}
        stays = {rc: {'total': 1000} for rc in kept}
        inventories = {
            node['uuid']: stays if split else dict(stays, **vcpu),
            children[0]['uuid']: vcpu if split else {},
            children[1]['uuid']: vcpu if split else {}}
        allocations = {
            c: _consumer({node['uuid']: kept,
                          children[n % 2]['uuid']: {'VCPU': 1}}
                         if split else
                         {node['uuid']: {'VCPU': 1, **kept}},
                         generations[c])
            for n, c in enumerate(uuids)}
        if record:
            statements.clear()
        client.request('POST', '/reshaper', {
            'inventories': {
                rp['uuid']: {'resource_provider_generation': generation,
                             'inventories': inventories[rp['uuid']]}
                for rp, generation in zip(rps, shown, strict=True)},
            'allocations': allocations}, status=204,
            headers=personas.PERSONAS['service'])

    reshape(True, False)
    reshape(False, False)
    reshape(True, True)
    assert len(statements) == begin + 4 + 3 + 3 + 3


def _candidate_world(client, db, trees: int) -> None:
    """``trees`` compute nodes, each with two NUMA children holding a
    VF-bearing PF, and one DISK_GB sharing provider in their aggregate."""
    agg = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'
    share = client.create_provider('share', {'DISK_GB': {'total': 1000}})
    generation = trait_storage.set_for_provider(
        db, share['uuid'], ['MISC_SHARES_VIA_AGGREGATE'],
        share['generation'])[0]
    aggregate_storage.set_for_provider(db, share['uuid'], [agg], generation)
    for n in range(trees):
        cn = client.create_provider(f'cn{n}', STANDARD)
        aggregate_storage.set_for_provider(db, cn['uuid'], [agg],
                                           cn['generation'])
        for numa in range(2):
            node = client.create_provider(
                f'cn{n}-numa{numa}', {'MEMORY_MB': {'total': 1024}},
                parent=cn['uuid'])
            trait_storage.set_for_provider(db, node['uuid'],
                                           ['HW_NUMA_ROOT'],
                                           node['generation'])
            client.create_provider(f'cn{n}-pf{numa}',
                                   {'SRIOV_NET_VF': {'total': 8}},
                                   parent=node['uuid'])


@pytest.mark.parametrize('trees, query', [
    (1, 'resources=VCPU:1'),
    (12, 'resources=VCPU:1,DISK_GB:10&required=!CUSTOM_NOT_THERE'),
    (12, 'resources=VCPU:1&resources1=SRIOV_NET_VF:1&resources2='
         'SRIOV_NET_VF:1&resources3=MEMORY_MB:10&required_numa='
         'HW_NUMA_ROOT&group_policy=isolate&same_subtree=1,_numa&'
         'root_required=!COMPUTE_STATUS_DISABLED&limit=5'),
])
def test_allocation_candidates_are_two_reads(client, db, statements,
                                             begin, trees, query):
    """The class and trait names, then the providers of the relevant
    trees with their inventory, usage, traits and aggregates: the same
    two statements (after SQLite's BEGIN, which fixes the snapshot)
    whatever the number of providers and groups
    (doc/allocation-candidates.md)."""
    trait_storage.ensure(db, 'CUSTOM_NOT_THERE')
    _candidate_world(client, db, trees)
    for _attempt in range(2):
        statements.clear()
        response = client.request('GET', f'/allocation_candidates?{query}',
                                  status=200)
    assert response.json['allocation_requests']
    assert len(statements) == begin + 2


AGGREGATES = [f'aaaaaaaa-0000-4000-8000-{n:012d}' for n in range(4)]


def _seed_filtered(client, providers: int) -> None:
    """Providers with inventory, traits and aggregates to filter on."""
    for number in range(providers):
        rp = client.create_provider(f'filtered-{number}', STANDARD)
        path = f'/resource_providers/{rp["uuid"]}'
        generation = client.request('PUT', f'{path}/traits', {
            'traits': ['HW_CPU_X86_AVX2', 'HW_CPU_X86_SSE'][:number % 3],
            'resource_provider_generation': rp['generation']},
            status=200).json['resource_provider_generation']
        client.request('PUT', f'{path}/aggregates', {
            'aggregates': AGGREGATES[number % 4:],
            'resource_provider_generation': generation}, status=200)


@pytest.mark.parametrize('providers', [2, 12])
@pytest.mark.parametrize('query, expected', [
    # The provider list itself.
    ('', 1),
    # Aggregates are matched by uuid inside the one statement.
    (f'member_of=in:{AGGREGATES[0]},{AGGREGATES[1]}&member_of='
     f'!{AGGREGATES[3]}&member_of={AGGREGATES[2]}', 1),
    # One lookup of the classes named, however many.
    ('resources=VCPU:1,MEMORY_MB:64,DISK_GB:1', 2),
    # One lookup of the traits named, however many.
    ('required=HW_CPU_X86_AVX2,!HW_CPU_X86_SSE&required=in:'
     'HW_CPU_X86_AVX2,HW_CPU_X86_SSE2', 2),
    # Everything at once: the two lookups and the list.
    ('resources=VCPU:1,MEMORY_MB:64&required=HW_CPU_X86_AVX2,'
     f'!HW_CPU_X86_SSE&member_of=in:{AGGREGATES[0]},{AGGREGATES[1]}'
     f'&member_of=!{AGGREGATES[2]}&name=filtered-1', 3),
])
def test_filtered_provider_list_is_a_fixed_number_of_statements(
        client, statements, provider, providers, query, expected):
    """The same count with 2 or 12 providers, whatever the number of
    classes, traits and aggregates named (README: set-based storage)."""
    _seed_filtered(client, providers)
    counter = Counter(client, statements, provider)
    assert counter.count('GET', f'/resource_providers?{query}') == expected


def test_provider_traits_and_aggregates(client, statements, provider,
                                        begin):
    counter = Counter(client, statements, provider)
    assert counter.count('GET', '/resource_providers/{uuid}/traits') == 1
    assert counter.count('GET', '/resource_providers/{uuid}/aggregates') == 1
    # BEGIN, provider with its traits, the traits named, the
    # compare-and-set, the links removed, the links added.
    flip = iter(range(100))
    count = counter.count(
        'PUT', '/resource_providers/{uuid}/traits',
        make_body=lambda g: {'resource_provider_generation': g, 'traits': [
            ['HW_CPU_X86_AVX2', 'HW_CPU_X86_SSE'][next(flip) % 2]]})
    assert count == begin + 5
    # An unchanged set writes nothing.
    count = counter.count(
        'PUT', '/resource_providers/{uuid}/traits',
        make_body=lambda g: {'resource_provider_generation': g,
                             'traits': ['HW_CPU_X86_SSE']})
    assert count == begin + 2
    # The provider looked up before the body; BEGIN, provider with its
    # aggregates, compare-and-set, aggregates added if missing, their
    # ids, the links removed, the links added.
    count = counter.count(
        'PUT', '/resource_providers/{uuid}/aggregates',
        make_body=lambda g: {'resource_provider_generation': g,
                             'aggregates': [AGGREGATES[:2], AGGREGATES[2:]][
                                 next(flip) % 2]})
    assert count == 1 + begin + 6
