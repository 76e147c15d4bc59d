"""Allocation candidates: the shapes of doc/allocation-candidates.md.

    python -m benchmarks.candidates [--duration 5] [--connections 1 4]
                                    [--only flat] [--db-url URL]

Each shape gets its own fresh database and its own placement_min under
uwsgi (the flags of etc/placement-min/uwsgi.ini), is seeded over HTTP,
and each of its queries is driven for ``--duration`` seconds at each
connection count. The table shows p50/p99 latency, requests/s, the CPU
the server spent per request, the number of candidates one answer
holds, and how many answers the work budget cut (the service logs each).
"""

import argparse
import json
import multiprocessing
import os
import platform
import tempfile
import time
import uuid as uuid_lib
from contextlib import ExitStack
from pathlib import Path

from benchmarks import client
from benchmarks.driver import CONFIG
from benchmarks.driver import prepare_database
from benchmarks.driver import scratch_database
from benchmarks.scenarios import Reader
from benchmarks.server import Server

AVX2 = 'HW_CPU_X86_AVX2'
SHARES = 'MISC_SHARES_VIA_AGGREGATE'
AGGREGATES = [str(uuid_lib.UUID(int=n + 1)) for n in range(3)]


class Seeder:
    """Providers, inventories, traits and aggregates over one HTTP
    connection."""

    def __init__(self, address, keepalive: bool):
        self.conn = client.Connection(address, keepalive)

    def call(self, method: str, path: str, body=None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        status, answer = self.conn.request(
            client.request_bytes(method, path, data))
        if status >= 300:
            raise RuntimeError(f'{method} {path}: {status} {answer[:300]!r}')
        return json.loads(answer) if answer else {}

    def provider(self, name: str, inventories: dict, parent=None,
                 traits=(), aggregates=()) -> str:
        body = {'name': name, 'uuid': str(uuid_lib.uuid4())}
        if parent:
            body['parent_provider_uuid'] = parent
        rp = self.call('POST', '/resource_providers', body)
        path = f'/resource_providers/{rp["uuid"]}'
        generation = rp['generation']
        if inventories:
            generation = self.call('PUT', path + '/inventories', {
                'resource_provider_generation': generation,
                'inventories': inventories})['resource_provider_generation']
        for trait in traits:
            if trait.startswith('CUSTOM_'):
                self.call('PUT', f'/traits/{trait}')
        if traits:
            generation = self.call('PUT', path + '/traits', {
                'resource_provider_generation': generation,
                'traits': list(traits)})['resource_provider_generation']
        if aggregates:
            self.call('PUT', path + '/aggregates', {
                'resource_provider_generation': generation,
                'aggregates': list(aggregates)})
        return rp['uuid']


COMPUTE = {
    'VCPU': {'total': 32, 'allocation_ratio': 16.0},
    'MEMORY_MB': {'total': 262144, 'reserved': 512},
    'DISK_GB': {'total': 2048},
}


def _flat_slice(job) -> None:
    address, keepalive, numbers = job
    seeder = Seeder(address, keepalive)
    for n in numbers:
        seeder.provider(f'cn{n:05d}', COMPUTE,
                        traits=[AVX2] if n % 2 else (),
                        aggregates=[AGGREGATES[n % 3]])


def seed_flat(address, keepalive: bool, count: int = 1000) -> None:
    """Compute nodes, half with AVX2, each in one of three aggregates."""
    jobs = [(address, keepalive, range(start, count, 8)) for start in
            range(8)]
    with multiprocessing.get_context('fork').Pool(4) as pool:
        pool.map(_flat_slice, jobs)


def _nested_slice(job) -> None:
    address, keepalive, numbers = job
    seeder = Seeder(address, keepalive)
    for n in numbers:
        root = seeder.provider(f'cn{n:04d}', {'DISK_GB': {'total': 1024}})
        for numa in range(2):
            node = seeder.provider(
                f'cn{n:04d}-numa{numa}',
                {'VCPU': {'total': 16}, 'MEMORY_MB': {'total': 65536}},
                parent=root, traits=['HW_NUMA_ROOT'])
            for pf in range(2):
                seeder.provider(
                    f'cn{n:04d}-numa{numa}-pf{pf}',
                    {'SRIOV_NET_VF': {'total': 8}}, parent=node,
                    traits=[f'CUSTOM_PHYSNET_{"AB"[pf]}'])


def seed_nested(address, keepalive: bool, count: int = 200) -> None:
    """Trees of a root (disk), two NUMA nodes (CPU, memory), and two PFs
    under each (VFs on physnet A or B)."""
    Seeder(address, keepalive).call('PUT', '/traits/CUSTOM_PHYSNET_A')
    Seeder(address, keepalive).call('PUT', '/traits/CUSTOM_PHYSNET_B')
    jobs = [(address, keepalive, range(start, count, 8)) for start in
            range(8)]
    with multiprocessing.get_context('fork').Pool(4) as pool:
        pool.map(_nested_slice, jobs)


def seed_wide(units: int):
    def seed(address, keepalive: bool) -> None:
        seeder = Seeder(address, keepalive)
        root = seeder.provider('wide-root', {'VCPU': {'total': 64}})
        for n in range(8):
            seeder.provider(f'wide-{n}', {'SRIOV_NET_VF': {'total': units}},
                            parent=root)
    return seed


def seed_sharing(address, keepalive: bool) -> None:
    """100 compute nodes and a disk sharing provider, in one aggregate."""
    seeder = Seeder(address, keepalive)
    seeder.provider('shared-disk', {'DISK_GB': {'total': 100000}},
                    traits=[SHARES], aggregates=AGGREGATES[:1])
    for n in range(100):
        seeder.provider(f'cn{n:03d}', {
            'VCPU': COMPUTE['VCPU'], 'MEMORY_MB': COMPUTE['MEMORY_MB']},
            aggregates=AGGREGATES[:1])


def _groups(count: int) -> str:
    return '&'.join(f'resources{n}=SRIOV_NET_VF:1'
                    for n in range(1, count + 1))


FLAT = 'resources=VCPU:2,MEMORY_MB:4096,DISK_GB:20&limit=1000'
NESTED = ('resources=DISK_GB:10&resources1=VCPU:2,MEMORY_MB:1024&'
          'resources2=SRIOV_NET_VF:1&required2=CUSTOM_PHYSNET_A&'
          'same_subtree=1,2&limit=100')
NESTED_ISOLATE = ('resources=DISK_GB:10&resources1=VCPU:2,MEMORY_MB:1024&'
                  'resources2=SRIOV_NET_VF:1&resources3=SRIOV_NET_VF:1&'
                  'group_policy=isolate&same_subtree=1,2,3&limit=100')

# (shape, seeding function, [(query name, query)])
SHAPES = [
    ('flat 1000', seed_flat, [
        ('flat', FLAT),
        ('flat, traits + member_of',
         FLAT + f'&required={AVX2},!COMPUTE_STATUS_DISABLED&member_of=in:'
                f'{AGGREGATES[0]},{AGGREGATES[1]}'),
    ]),
    ('nested 200', seed_nested, [
        ('nested, none', NESTED + '&group_policy=none'),
        ('nested, isolate', NESTED_ISOLATE),
    ]),
    ('wide 8x1', seed_wide(1), [
        (f'wide 8x1, {k} groups isolate',
         f'{_groups(k)}&group_policy=isolate&limit=1000')
        for k in (4, 5, 8)]),
    ('wide 8x8', seed_wide(8), [
        (f'wide 8x8, {k} groups isolate',
         f'{_groups(k)}&group_policy=isolate&limit=1000')
        for k in (4, 5, 8)] + [
        ('wide 8x8, 8 groups none', f'{_groups(8)}&group_policy=none&'
                                    'limit=1000')]),
    ('sharing 100', seed_sharing, [
        ('sharing', 'resources=VCPU:1,MEMORY_MB:512,DISK_GB:10'),
    ]),
]


class Query:
    """One GET, repeated; 200 with candidates is expected."""

    preparation = 0

    def __init__(self, name: str, path: str):
        self.name = name
        self.path = path

    def check(self, status: int, body: bytes) -> bool:
        return status == 200 and b'"allocation_requests": [{' in body

    def worker(self, index, conn):
        return Reader([client.request_bytes('GET', self.path)], index,
                      self.check)


def count_candidates(address, keepalive, path: str) -> int:
    body = Seeder(address, keepalive).call('GET', path)
    return len(body['allocation_requests'])


# What the service logs for each answer its work budget cut.
BUDGET_CUT = 'cut by its work budget'


def budget_cuts(log_file: Path) -> int:
    if not log_file.exists():
        return 0
    with open(log_file, errors='replace') as log:
        return sum(BUDGET_CUT in line for line in log)


def measure(query: Query, server, keepalive, connections: int,
            duration: float, log_file: Path) -> dict:
    cpu = server.cpu_seconds()
    cuts = budget_cuts(log_file)
    result = client.run(query, server.address, keepalive, connections,
                        duration)
    server_cpu = server.cpu_seconds() - cpu
    return {
        'query': query.name, 'connections': connections,
        'requests': result.requests,
        'rps': round(result.requests / duration, 1),
        'p50_ms': round(result.percentile(0.50) * 1000, 2),
        'p99_ms': round(result.percentile(0.99) * 1000, 2),
        'unexpected': result.unexpected + result.errors,
        'server_cpu_ms_per_request': round(
            1e3 * server_cpu / max(1, result.requests), 2),
        'budget_cuts': budget_cuts(log_file) - cuts,
    }


def run_shape(shape, args, workdir: Path) -> list[dict]:
    name, seed, queries = shape
    rows = []
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database(args.db_url, workdir))
        config = workdir / 'placement-min.conf'
        log_file = workdir / 'service.log'
        config.write_text(CONFIG.format(log_file=log_file,
                                        url=url.replace('%', '%%')))
        prepare_database(config)
        server = stack.enter_context(Server(
            'placement_min.wsgi:application', workdir / 'uwsgi.out',
            {'PLACEMENT_MIN_CONFIG_FILE': str(config)}))
        keepalive = client.probe_keepalive(server.address)
        started = time.monotonic()
        seed(server.address, keepalive)
        print(f'{name}: seeded in {time.monotonic() - started:.1f} s',
              flush=True)
        for query_name, query in queries:
            path = f'/allocation_candidates?{query}'
            found = count_candidates(server.address, keepalive, path)
            for connections in args.connections:
                row = measure(Query(query_name, path), server, keepalive,
                              connections, args.duration, log_file)
                row.update(shape=name, candidates=found)
                rows.append(row)
                print(json.dumps(row, sort_keys=True), flush=True)
        server.stop()
    return rows


def print_table(rows: list[dict]) -> None:
    header = (f'{"query":<34} {"conns":>5} {"p50 ms":>7} {"p99 ms":>7} '
              f'{"req/s":>7} {"server ms/req":>13} {"candidates":>10} '
              f'{"unexp":>5} {"cut":>4}')
    print(header)
    print('-' * len(header))
    for row in rows:
        print(f'{row["query"]:<34} {row["connections"]:>5} '
              f'{row["p50_ms"]:>7.2f} {row["p99_ms"]:>7.2f} '
              f'{row["rps"]:>7.1f} {row["server_cpu_ms_per_request"]:>13.2f} '
              f'{row["candidates"]:>10} {row["unexpected"]:>5} '
              f'{row["budget_cuts"]:>4}')


def reference_ms() -> float:
    """CPU milliseconds of a fixed pure-Python loop (3 million
    additions), printed with the results: on a shared or throttled
    machine it shows how much slower than usual everything ran."""
    started = time.process_time()
    total = 0
    for n in range(3_000_000):
        total += n
    return round(1000 * (time.process_time() - started), 1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='python -m benchmarks.candidates',
                                     description=__doc__.split('\n')[0])
    parser.add_argument('--duration', type=float, default=5.0)
    parser.add_argument('--connections', type=int, nargs='+',
                        default=[1, 4])
    parser.add_argument('--only', action='append', default=[],
                        help='run the shapes whose name contains this')
    parser.add_argument('--db-url', help='PostgreSQL or MariaDB server URL')
    args = parser.parse_args(argv)
    print(f'allocation candidates benchmark, '
          f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, '
          f'{platform.machine()}, {os.cpu_count()} cores, Python '
          f'{platform.python_version()}, load average '
          f'{os.getloadavg()[0]:.1f}, reference loop {reference_ms()} ms')
    rows = []
    for shape in SHAPES:
        if args.only and not any(t in shape[0] for t in args.only):
            continue
        with tempfile.TemporaryDirectory(prefix='placement-bench-') as tmp:
            rows += run_shape(shape, args, Path(tmp))
    print()
    print_table(rows)
    print(f'load average now {os.getloadavg()[0]:.1f}, reference loop '
          f'{reference_ms()} ms')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
