"""What each scenario sends and which answers count as expected.

A scenario is built in the driver and forked into one process per
connection; ``worker(index, conn)`` gives that connection's request
source. Writers own the providers ``providers[index::connections]``, so
no two connections write the same provider and every generation a
writer sends is the one its previous write returned.
"""

import json
import uuid

from benchmarks.client import SERVICE_HEADERS
from benchmarks.client import request_bytes

STANDARD_INVENTORY = {
    'VCPU': {'total': 64, 'allocation_ratio': 16.0},
    'MEMORY_MB': {'total': 262144, 'reserved': 512, 'max_unit': 131072},
    'DISK_GB': {'total': 4096, 'reserved': 10, 'step_size': 1},
}
CUSTOM_CLASSES = [f'CUSTOM_BENCH_{n:02d}' for n in range(1, 28)]
THIRTY_CLASSES = dict(STANDARD_INVENTORY, **{
    name: {'total': 100 + n, 'max_unit': 10}
    for n, name in enumerate(CUSTOM_CLASSES)})


def inventories_path(uuid: str) -> str:
    return f'/resource_providers/{uuid}/inventories'


class Reader:
    """Cycles through prepared GET requests, from its own offset."""

    def __init__(self, requests: list[bytes], index: int, check):
        self.requests = requests
        self.position = index * 7919
        self.check = check

    def next_request(self) -> bytes:
        self.position += 1
        return self.requests[self.position % len(self.requests)]


class Scenario:
    name = ''
    expected = 200
    preparation = 0

    def __init__(self, providers: list[str], connections: int):
        self.providers = providers
        self.connections = connections

    def owned(self, index: int) -> list[str]:
        return self.providers[index::self.connections]

    def check(self, status: int, body: bytes) -> bool:
        return status == self.expected


class Floor(Scenario):
    """The trivial application: 200 and its 200-byte body."""

    name = 'floor (trivial WSGI app)'

    def check(self, status, body):
        return status == 200 and len(body) == 200

    def worker(self, index, conn):
        return Reader([request_bytes('GET', '/')], index, self.check)


class GetAll(Scenario):
    name = 'GET all inventories'
    suffix = ''

    def path(self, uuid: str) -> str:
        return inventories_path(uuid) + self.suffix

    def check(self, status, body):
        return status == 200 and b'resource_provider_generation' in body

    def worker(self, index, conn):
        return Reader([request_bytes('GET', self.path(uuid))
                       for uuid in self.providers], index, self.check)


class GetOne(GetAll):
    name = 'GET one inventory'
    suffix = '/VCPU'


class GetUsages(GetAll):
    name = 'GET usages'

    def path(self, uuid):
        return f'/resource_providers/{uuid}/usages'


class PutOneStale(Scenario):
    """Generation 0 is stale: seeding already moved every provider on."""

    name = 'PUT one inventory, stale (409)'
    expected = 409

    def check(self, status, body):
        return status == 409 and b'placement.concurrent_update' in body

    def worker(self, index, conn):
        body = json.dumps({'resource_provider_generation': 0,
                           **STANDARD_INVENTORY['VCPU']}).encode()
        return Reader([request_bytes('PUT', inventories_path(uuid) + '/VCPU',
                                     body) for uuid in self.providers],
                      index, self.check)


class Writer:
    """Writes its own providers in turn with the generation it holds."""

    def __init__(self, scenario, providers: list[str], conn):
        self.scenario = scenario
        self.providers = providers
        self.conn = conn
        self.generations = {uuid: self._read_generation(uuid)
                            for uuid in providers}
        self.turn = 0
        self.current = None

    def _read_generation(self, uuid: str) -> int:
        status, body = self.conn.request(
            request_bytes('GET', inventories_path(uuid)))
        if status != 200:
            raise RuntimeError(f'GET inventories of {uuid}: {status}')
        return json.loads(body)['resource_provider_generation']

    def next_request(self) -> bytes:
        self.turn += 1
        self.current = self.providers[self.turn % len(self.providers)]
        if self.generations[self.current] is None:
            # The last write failed: read the generation again, outside
            # the measured time, so one failure does not cascade.
            self.generations[self.current] = self._read_generation(
                self.current)
        return self.scenario.request(self.current,
                                     self.generations[self.current],
                                     self.turn)

    def check(self, status: int, body: bytes) -> bool:
        if status != 200:
            self.generations[self.current] = None
            return False
        generation = json.loads(body)['resource_provider_generation']
        self.generations[self.current] = generation
        return True


class PutOne(Scenario):
    name = 'PUT one inventory (ok)'

    @property
    def preparation(self):
        return len(self.providers) // self.connections + 1

    def request(self, uuid, generation, turn):
        body = json.dumps({'resource_provider_generation': generation,
                           'total': 64 + turn % 2, 'allocation_ratio': 16.0})
        return request_bytes('PUT', inventories_path(uuid) + '/VCPU',
                             body.encode())

    def worker(self, index, conn):
        return Writer(self, self.owned(index), conn)


class PutAll(PutOne):
    """PUT all inventories, replacing the whole set each time."""

    def __init__(self, providers, connections, inventories: dict):
        super().__init__(providers, connections)
        self.inventories = inventories
        self.name = f'PUT all inventories, {len(inventories)} classes'

    def request(self, uuid, generation, turn):
        inventories = dict(self.inventories)
        inventories['VCPU'] = dict(inventories['VCPU'], total=64 + turn % 2)
        body = json.dumps({'resource_provider_generation': generation,
                           'inventories': inventories})
        return request_bytes('PUT', inventories_path(uuid), body.encode())


def _consumer_uuid(scenario: str, index: int, group: int, n: int) -> str:
    """The same consumers for a connection in every round."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL,
                          f'placement-bench/{scenario}/{index}/{group}/{n}'))


def _consumer_body(allocations: dict, generation) -> dict:
    return {'allocations': {rp: {'resources': resources}
                            for rp, resources in allocations.items()},
            'project_id': 'bench', 'user_id': 'bench',
            'consumer_generation': generation, 'consumer_type': 'INSTANCE'}


class Group:
    """Three providers a connection owns and the consumers it moves
    between them: all on the first, or spread over the other two."""

    def __init__(self, providers: list[str], consumers: list[str]):
        self.providers = providers
        self.consumers = consumers
        self.generations = {}
        self.spread = False
        self.fresh = False

    def read(self, conn) -> None:
        """Where the consumers are and the generations, before the
        clock starts or after a failed write."""
        for uuid_ in self.consumers:
            status, body = conn.request(
                request_bytes('GET', f'/allocations/{uuid_}'))
            if status != 200:
                raise RuntimeError(f'GET allocations of {uuid_}: {status}')
            shown = json.loads(body)
            self.generations[uuid_] = shown.get('consumer_generation')
            self.spread = self.providers[0] not in shown['allocations']
        for uuid_ in self.providers:
            status, body = conn.request(
                request_bytes('GET', inventories_path(uuid_)))
            if status != 200:
                raise RuntimeError(f'GET inventories of {uuid_}: {status}')
            self.generations[uuid_] = json.loads(body)[
                'resource_provider_generation']
        self.fresh = True

    def allocations(self, spread: bool) -> dict:
        """{consumer: its allocations} all on the first provider, or
        spread over the other two."""
        first, *others = self.providers
        return {uuid_: {(others[n % 2] if spread else first): MOVED}
                for n, uuid_ in enumerate(self.consumers)}

    def moved(self) -> None:
        """After a successful write: every generation one more."""
        for uuid_, generation in self.generations.items():
            self.generations[uuid_] = 1 if generation is None else (
                generation + 1)
        self.spread = not self.spread


MOVED = {'VCPU': 1, 'MEMORY_MB': 256}


class GroupWriter:
    """Moves its groups' consumers in turn; a failed write makes it read
    the group again (outside the measured time)."""

    def __init__(self, scenario, groups: list[Group], conn):
        self.scenario = scenario
        self.groups = groups
        self.conn = conn
        for group in groups:
            group.read(conn)
        self.turn = 0
        self.current = None

    def next_request(self) -> bytes:
        self.turn += 1
        self.current = self.groups[self.turn % len(self.groups)]
        if not self.current.fresh:
            self.current.read(self.conn)
        return self.scenario.request(self.current, self.turn)

    def check(self, status: int, body: bytes) -> bool:
        if status != 204:
            self.current.fresh = False
            return False
        self.current.moved()
        return True


class GroupScenario(Scenario):
    """Each connection's owned providers, three by three, with
    ``consumers`` consumers each."""

    expected = 204
    consumers = 2

    @property
    def preparation(self):
        owned = len(self.providers) // self.connections + 1
        return owned + owned // 3 * self.consumers

    def worker(self, index, conn):
        owned = self.owned(index)
        groups = [Group(owned[start:start + 3],
                        [_consumer_uuid(self.name, index, start, n)
                         for n in range(self.consumers)])
                  for start in range(0, len(owned) - 2, 3)]
        if not groups:
            raise RuntimeError('a connection needs 3 providers of its own')
        return GroupWriter(self, groups, conn)


class PostAllocations(GroupScenario):
    """Nova's move: two consumers go from one provider to two others
    and back, in one POST with their consumer generations."""

    name = 'POST /allocations, 2 consumers x 3 providers'

    def request(self, group: Group, turn: int) -> bytes:
        spread = not group.spread
        body = {uuid_: _consumer_body(allocations, group.generations[uuid_])
                for uuid_, allocations in group.allocations(spread).items()}
        return request_bytes('POST', '/allocations',
                             json.dumps(body).encode())


class Reshape(GroupScenario):
    """Three providers' inventories rewritten and four consumers moved
    between them, in one POST /reshaper."""

    name = 'POST /reshaper, 3 providers, 4 consumers'
    consumers = 4

    def request(self, group: Group, turn: int) -> bytes:
        spread = not group.spread
        inventories = dict(STANDARD_INVENTORY)
        inventories['VCPU'] = dict(inventories['VCPU'], total=64 + turn % 2)
        body = {
            'inventories': {
                uuid_: {'resource_provider_generation':
                        group.generations[uuid_],
                        'inventories': inventories}
                for uuid_ in group.providers},
            'allocations': {
                uuid_: _consumer_body(allocations, group.generations[uuid_])
                for uuid_, allocations in group.allocations(spread).items()},
        }
        return request_bytes('POST', '/reshaper', json.dumps(body).encode(),
                             SERVICE_HEADERS)


# Traits and aggregates of the seeded providers: every other one has
# TRAIT, the first FEW have FEW_TRAIT too (however many are seeded), and
# each is in one of the three aggregates, in turn.
TRAIT = 'HW_CPU_X86_AVX2'
FEW_TRAIT = 'HW_CPU_X86_AVX512F'
FEW = 50
OTHER_TRAIT = 'HW_CPU_X86_SSE'
AGGREGATES = ['0a5f6b0e-8c1d-4f3a-9e2b-7d4c5b6a7f01',
              '0a5f6b0e-8c1d-4f3a-9e2b-7d4c5b6a7f02',
              '0a5f6b0e-8c1d-4f3a-9e2b-7d4c5b6a7f03']
FILTERED = '/resource_providers?resources=VCPU:2,MEMORY_MB:4096&required=' \
    + TRAIT


def seeded_traits(number: int) -> list[str]:
    return ([TRAIT] if number % 2 == 0 else []) + (
        [FEW_TRAIT] if number < FEW else [])


def seeded_aggregates(number: int) -> list[str]:
    return [AGGREGATES[number % 3]]


class FilteredList(Scenario):
    """The scheduler's kind of query: capacity and a required trait
    over every provider (half of them match)."""

    name = 'GET providers, resources + required'
    path = FILTERED

    def check(self, status, body):
        return status == 200 and body.startswith(b'{"resource_providers": [')

    def worker(self, index, conn):
        return Reader([request_bytes('GET', self.path)], index, self.check)


class FilteredListMemberOf(FilteredList):
    """The same, in two of the three aggregates (a third match)."""

    name = 'GET providers, resources + required + member_of'
    path = f'{FILTERED}&member_of=in:{AGGREGATES[0]},{AGGREGATES[1]}'


class FilteredListFew(FilteredList):
    """The same capacity, with a trait only the first 50 providers have:
    an answer that does not grow with the deployment, so what grows is
    the filtering's own cost."""

    name = 'GET providers, resources + required, 50 match'
    path = ('/resource_providers?resources=VCPU:2,MEMORY_MB:4096'
            f'&required={FEW_TRAIT}')


class PutTraits(PutOne):
    """Replace a provider's traits with another set each time."""

    name = 'PUT provider traits'

    def request(self, uuid, generation, turn):
        body = json.dumps({'resource_provider_generation': generation,
                           'traits': [TRAIT, OTHER_TRAIT][:1 + turn % 2]})
        return request_bytes('PUT', f'/resource_providers/{uuid}/traits',
                             body.encode())


class PutAggregates(PutOne):
    """Replace a provider's aggregates (1.19+: generation checked)."""

    name = 'PUT provider aggregates'

    def request(self, uuid, generation, turn):
        body = json.dumps({'resource_provider_generation': generation,
                           'aggregates': AGGREGATES[turn % 3:]})
        return request_bytes('PUT', f'/resource_providers/{uuid}/aggregates',
                             body.encode())
