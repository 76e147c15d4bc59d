"""Run every scenario against placement_min and the floor; report.

    python -m benchmarks [--duration 5] [--rounds 3] [--providers 50]
                         [--scale-providers 10000] [--db-url URL]
                         [--baseline REV] [--python-client]

placement_min and the floor each run under uwsgi with the flags of
etc/placement-min/uwsgi.ini (2 processes x 1 thread) on a free loopback
port; the database is a fresh SQLite file unless --db-url names a
PostgreSQL or MariaDB server, where a scratch database is created and
dropped afterwards. With --baseline, the source tree of another
revision of this repository is served alike, by a third uwsgi on its
own fresh database, seeded the same way, and measured in the same
rounds, each scenario right after the current code's.
"""

import argparse
import json
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid as uuid_lib
from contextlib import ExitStack
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from benchmarks import client
from benchmarks import scenarios
from benchmarks import wrk
from benchmarks.server import REPO
from benchmarks.server import Server

CONFIG = """[DEFAULT]
log_file = {log_file}
[placement_database]
connection = {url}
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='python -m benchmarks',
                                     description=__doc__.split('\n')[0])
    parser.add_argument('--duration', type=float, default=5.0,
                        help='seconds each scenario runs (default 5)')
    parser.add_argument('--rounds', type=int, default=3,
                        help='times the floor and every scenario are run '
                             'in turn; the table shows medians (default 3)')
    parser.add_argument('--connections', type=int, default=8,
                        help='concurrent connections (default 8)')
    parser.add_argument('--providers', type=int, default=50,
                        help='providers seeded before the scenarios')
    parser.add_argument('--scale-providers', type=int, default=0,
                        help='afterwards, seed up to this many providers '
                             '(e.g. 10000) and measure the GETs again')
    parser.add_argument('--db-url',
                        help='SQLAlchemy URL of a PostgreSQL or MariaDB '
                             'server; a scratch database is created on it')
    parser.add_argument('--http11', action='store_true',
                        help='serve both apps with --http11-socket (HTTP/1.1 '
                             'keep-alive) instead of --http-socket')
    parser.add_argument('--only', action='append', default=[],
                        help='run only the scenarios whose name contains '
                             'this text (repeatable); the floor always runs')
    parser.add_argument('--baseline', metavar='REV',
                        help='also serve this git revision of the '
                             'repository (e.g. a commit before a change) '
                             'and measure it in the same rounds, on the '
                             'scenarios it serves')
    parser.add_argument('--python-client', action='store_true',
                        help='drive the load with the Python client even '
                             'when wrk is installed')
    parser.add_argument('--json', type=Path,
                        help='also write the JSON lines to this file')
    args = parser.parse_args(argv)
    if args.providers < args.connections:
        parser.error('--providers must be at least --connections, so '
                     'that every connection owns providers to write')
    return args


@contextmanager
def scratch_database(url: str | None, workdir: Path):
    """A URL of an empty database, removed afterwards."""
    if url is None:
        yield f'sqlite:///{workdir}/placement-min.sqlite'
        return
    server_url = sa.engine.make_url(url)
    name = f'placement_bench_{uuid_lib.uuid4().hex[:12]}'
    admin = sa.create_engine(server_url, isolation_level='AUTOCOMMIT')
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE {name}')
    try:
        yield server_url.set(database=name).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE {name}')
        admin.dispose()


def prepare_database(config_file: Path, repo: Path = REPO) -> None:
    """Create the schema with the served tree's own placement-min-manage,
    as an operator does before starting uwsgi."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(repo), os.environ.get('PYTHONPATH')])))
    subprocess.run(  # noqa: S603
        [sys.executable, '-c',
         'import sys; from placement_min.cmd.manage import main; '
         'sys.exit(main(sys.argv[1:]))',
         '--config-file', str(config_file), 'db', 'sync'],
        cwd=repo, env=env, check=True, stdout=subprocess.DEVNULL)


def _expect(conn, method, path, body, statuses) -> bytes:
    data = None if body is None else json.dumps(body).encode()
    status, answer = conn.request(client.request_bytes(method, path, data))
    if status not in statuses:
        raise RuntimeError(f'{method} {path}: {status} {answer[:300]!r}')
    return answer


def _seed_slice(job) -> int:
    """Create providers with the three standard inventories, every
    other one with a trait, each in one of three aggregates."""
    address, keepalive, first, uuids, partial = job
    # A revision from before traits and aggregates answers them 404.
    optional = (200, 404) if partial else (200,)
    conn = client.Connection(address, keepalive)
    for number, uuid in enumerate(uuids, first):
        path = f'/resource_providers/{uuid}'
        _expect(conn, 'POST', '/resource_providers',
                {'name': f'bench-rp-{number:06d}', 'uuid': uuid}, (200,))
        _expect(conn, 'PUT', scenarios.inventories_path(uuid),
                {'resource_provider_generation': 0,
                 'inventories': scenarios.STANDARD_INVENTORY}, (200,))
        traits = scenarios.seeded_traits(number)
        _expect(conn, 'PUT', f'{path}/traits',
                {'resource_provider_generation': 1, 'traits': traits},
                optional)
        _expect(conn, 'PUT', f'{path}/aggregates',
                {'resource_provider_generation': 2 if traits else 1,
                 'aggregates': scenarios.seeded_aggregates(number)},
                optional)
    conn.close()
    return len(uuids)


def seed(address, keepalive: bool, first: int, count: int,
         connections: int, partial: bool = False) -> list[str]:
    """``count`` new providers, created over HTTP by parallel clients;
    ``partial`` for a revision that may not serve traits and
    aggregates."""
    uuids = [str(uuid_lib.uuid4()) for _ in range(count)]
    size = max(1, -(-count // (connections * 4)))
    jobs = [(address, keepalive, first + start, uuids[start:start + size],
             partial)
            for start in range(0, count, size)]
    with multiprocessing.get_context('fork').Pool(connections) as pool:
        pool.map(_seed_slice, jobs)
    return uuids


def create_custom_classes(address, keepalive: bool) -> None:
    conn = client.Connection(address, keepalive)
    for name in scenarios.CUSTOM_CLASSES:
        _expect(conn, 'PUT', f'/resource_classes/{name}', None, (201, 204))
    conn.close()


def serves_usages(address, keepalive: bool, uuid: str) -> bool:
    """Whether GET /resource_providers/{uuid}/usages is served at all."""
    conn = client.Connection(address, keepalive)
    status, _body = conn.request(client.request_bytes(
        'GET', f'/resource_providers/{uuid}/usages'))
    conn.close()
    return status == 200


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(scenario, service, args, workdir: Path,
            floor: dict | None = None) -> dict:
    """One run of ``scenario`` against ``service``: the client's view
    (rate, latency, unexpected answers) and the server's CPU per
    request, as a share of the floor's (``floor``, its row) too."""
    if args.generator == 'wrk':
        marks = {}

        def mark():
            marks['cpu'] = service.server.cpu_seconds()
            marks['client'] = _children_cpu()
        result = wrk.run(scenario, service.server.address,
                         service.keepalive, args.connections,
                         args.duration, workdir, mark)
        server_cpu = service.server.cpu_seconds() - marks['cpu']
        requests = result['requests']
        seconds = result['duration_us'] / 1e6
        row = {'p50_ms': round(result['p50_us'] / 1000, 2),
               'p99_ms': round(result['p99_us'] / 1000, 2),
               'unexpected': result['unexpected'] + result['errors'],
               'client_cpu': _children_cpu() - marks['client']}
    else:
        cpu = service.server.cpu_seconds()
        measured = client.run(scenario, service.server.address,
                              service.keepalive, args.connections,
                              args.duration)
        # Includes the connections' preparation (generation reads).
        server_cpu = service.server.cpu_seconds() - cpu
        requests = measured.requests
        seconds = args.duration
        row = {'p50_ms': round(measured.percentile(0.50) * 1000, 2),
               'p99_ms': round(measured.percentile(0.99) * 1000, 2),
               'unexpected': measured.unexpected + measured.errors,
               'statuses': {str(k): v for k, v
                            in sorted(measured.statuses.items())},
               'client_cpu': measured.cpu_seconds}
    rps = requests / seconds
    server_us = 1e6 * server_cpu / max(1, requests)
    row.update({
        'scenario': scenario.name,
        'code': service.name,
        'requests': requests,
        'rps': round(rps, 1),
        'server_cpu_us_per_request': round(server_us, 1),
        'client_cpu_us_per_request': round(
            1e6 * row.pop('client_cpu') / max(1, requests), 1),
    })
    if floor is not None:
        row['ratio_to_floor'] = round(rps / floor['rps'], 3)
        row['cpu_share_of_floor'] = round(
            floor['server_cpu_us_per_request'] / max(server_us, 1e-9), 3)
    return row


class Endpoint:
    """A uwsgi server measured under a name (the floor, or a Service)."""

    def __init__(self, name: str, server: Server):
        self.name = name
        self.server = server
        self.keepalive = client.probe_keepalive(server.address)


class Service(Endpoint):
    """One served source tree: its database, configuration, log, uwsgi,
    and the providers seeded into it."""

    def __init__(self, name: str, repo: Path, args, workdir: Path,
                 stack: ExitStack, socket_flag: str):
        own = workdir / name
        own.mkdir()
        url = stack.enter_context(scratch_database(args.db_url, own))
        self.backend = sa.engine.make_url(url).get_backend_name()
        self.log_file = own / 'placement-min.log'
        config_file = own / 'placement-min.conf'
        config_file.write_text(CONFIG.format(
            log_file=self.log_file, url=url.replace('%', '%%')))
        prepare_database(config_file, repo)
        super().__init__(name, stack.enter_context(Server(
            'placement_min.wsgi:application', own / 'uwsgi.out',
            {'PLACEMENT_MIN_CONFIG_FILE': str(config_file)}, socket_flag,
            repo)))
        self.providers: list[str] = []

    def seed(self, args, count: int) -> list[str]:
        started = time.monotonic()
        fresh = seed(self.server.address, self.keepalive,
                     len(self.providers), count, args.connections,
                     partial=self.name != CURRENT)
        self.providers += fresh
        print(f'{self.name}: seeded {count} providers in '
              f'{time.monotonic() - started:.1f} s')
        return fresh


CURRENT = 'current'
BASELINE = 'baseline'
# What a baseline revision is measured on: the inventory path, which
# every revision serves (these classes exactly, not their subclasses).
COMPARED = (scenarios.GetAll, scenarios.GetOne, scenarios.PutOne,
            scenarios.PutOneStale, scenarios.PutAll)


@contextmanager
def exported(rev: str, workdir: Path):
    """The source tree of ``rev`` of this repository, in a directory
    removed afterwards."""
    target = workdir / f'tree-{rev}'
    target.mkdir()
    archive = subprocess.run(  # noqa: S603
        ['git', '-C', str(REPO), 'archive', '--format=tar', rev],  # noqa: S607
        check=True, capture_output=True).stdout
    subprocess.run(['tar', '-x', '-C', str(target)],  # noqa: S603,S607
                   input=archive, check=True)
    yield target


def summarize(rows: list[dict]) -> list[dict]:
    """One row per scenario, code and provider count: the medians of its
    rounds, the range of its ratios, and every unexpected status."""
    groups = {}
    for row in rows:
        groups.setdefault((row['scenario'], row['code'], row['providers']),
                          []).append(row)
    summary = []
    for (name, code, providers), runs in groups.items():
        ratios = [run.get('ratio_to_floor', 1.0) for run in runs]
        summary.append({
            'scenario': name, 'code': code, 'providers': providers,
            'rounds': len(runs),
            'unexpected': sum(run['unexpected'] for run in runs),
            'ratio_min': min(ratios), 'ratio_max': max(ratios),
            **{key: statistics.median(run.get(key, 1.0) for run in runs)
               for key in ('rps', 'p50_ms', 'p99_ms', 'ratio_to_floor',
                           'cpu_share_of_floor',
                           'server_cpu_us_per_request')}})
    return summary


def print_table(rows: list[dict]) -> None:
    """Medians over the rounds; the floor's share with its range, by
    throughput and by server CPU per request."""
    header = (f'{"scenario":<48} {"code":<8} {"providers":>9} '
              f'{"req/s":>7} {"p50 ms":>6} {"p99 ms":>6} {"unexp":>5} '
              f'{"of floor (range)":>18} {"CPU share":>9} '
              f'{"server us":>9}')
    print(header)
    print('-' * len(header))
    for row in rows:
        share = (f'{100 * row["ratio_to_floor"]:.1f}% '
                 f'({100 * row["ratio_min"]:.1f}-'
                 f'{100 * row["ratio_max"]:.1f})')
        print(f'{row["scenario"]:<48} {row["code"]:<8} '
              f'{row["providers"]:>9} '
              f'{row["rps"]:>7.0f} {row["p50_ms"]:>6.2f} '
              f'{row["p99_ms"]:>6.2f} {row["unexpected"]:>5} '
              f'{share:>18} {100 * row["cpu_share_of_floor"]:>8.1f}% '
              f'{row["server_cpu_us_per_request"]:>9.0f}')


def print_comparison(rows: list[dict]) -> None:
    """Server CPU per request of the current code over the baseline's,
    per scenario measured on both."""
    baseline = {(row['scenario'], row['providers']): row for row in rows
                if row['code'] == BASELINE}
    for row in rows:
        other = baseline.get((row['scenario'], row['providers']))
        if row['code'] == CURRENT and other is not None:
            print(f'{row["scenario"]}: server CPU per request '
                  f'{row["server_cpu_us_per_request"]:.0f} us against '
                  f'{other["server_cpu_us_per_request"]:.0f} us, '
                  f'current/baseline '
                  f'{row["server_cpu_us_per_request"] / other["server_cpu_us_per_request"]:.2f}; '  # noqa: E501
                  f'req/s {row["rps"] / other["rps"]:.2f}x')


def print_scaling(rows: list[dict]) -> None:
    """Latency with many providers over latency with few, per scenario
    measured at both."""
    first = {}
    for row in rows:
        if row['code'] != CURRENT:
            continue
        earlier = first.setdefault(row['scenario'], row)
        if earlier is not row and earlier['p50_ms']:
            print(f'{row["scenario"]}: p50 at {row["providers"]} providers '
                  f'is {row["p50_ms"] / earlier["p50_ms"]:.2f}x, p99 '
                  f'{row["p99_ms"] / earlier["p99_ms"]:.2f}x that at '
                  f'{earlier["providers"]}')


def count_access_lines(log_file: Path) -> int:
    if not log_file.exists():
        return 0
    with open(log_file, 'rb') as log:
        return sum(1 for line in log if b'placement_min.access' in line)


def plan_for(providers: list[str], reads: list, args) -> list:
    """Every scenario, in the order of a round (``--only`` applied)."""
    plan = [cls(providers, args.connections) for cls in reads] + [
        scenarios.PutOne(providers, args.connections),
        scenarios.PutOneStale(providers, args.connections),
        # 30 classes first, so that every round ends, and the next
        # one's GET all inventories starts, with the 3 classes seeded.
        scenarios.PutAll(providers, args.connections,
                         scenarios.THIRTY_CLASSES),
        scenarios.PutAll(providers, args.connections,
                         scenarios.STANDARD_INVENTORY),
        scenarios.PutTraits(providers, args.connections),
        scenarios.PutAggregates(providers, args.connections),
        scenarios.PostAllocations(providers, args.connections),
        scenarios.Reshape(providers, args.connections),
    ]
    if args.only:
        plan = [scenario for scenario in plan
                if any(text in scenario.name for text in args.only)]
    return plan


def measure_rounds(args, workdir: Path, floor: Endpoint,
                   services: list, providers: int,
                   plans: dict[str, list]) -> list[dict]:
    """Each round: the floor, then every scenario on every service
    in turn; a burst of other work on the machine moves one round,
    not the medians."""
    rows = []
    for round_number in range(1, args.rounds + 1):
        floor_row = measure(scenarios.Floor([], args.connections),
                            floor, args, workdir)
        rows.append(dict(floor_row, providers=providers,
                         round=round_number))
        for position in range(len(plans[CURRENT])):
            for service in services:
                plan = plans.get(service.name)
                if plan is None or plan[position] is None:
                    continue
                rows.append(dict(
                    measure(plan[position], service, args, workdir,
                            floor_row),
                    providers=providers, round=round_number))
    return rows


def run(args, workdir: Path, stack: ExitStack) -> list[dict]:
    socket_flag = '--http11-socket' if args.http11 else '--http-socket'
    floor_server = stack.enter_context(
        Server('benchmarks.floor:application', workdir / 'floor.out',
               socket_flag=socket_flag))
    services = [Service(CURRENT, REPO, args, workdir, stack, socket_flag)]
    if args.baseline:
        tree = stack.enter_context(exported(args.baseline, workdir))
        services.append(Service(BASELINE, tree, args, workdir, stack,
                                socket_flag))
    current = services[0]
    print('uwsgi command (the floor differs only in --module):')
    print('  ' + ' '.join(current.server.command))
    reuse = 'yes' if current.keepalive else 'no (a connection per request)'
    generator = ('wrk (one connection per thread)' if args.generator == 'wrk'
                 else 'the Python client (one process per connection)')
    print(f'load generator: {generator}; keep-alive: {reuse}; database: '
          f'{current.backend}; {args.connections} connections; '
          f'{args.duration:g} s per scenario')
    if args.baseline:
        print(f'baseline: revision {args.baseline}, served from its own '
              f'source tree and database in the same rounds')

    for service in services:
        service.seed(args, args.providers)
        create_custom_classes(service.server.address, service.keepalive)

    floor = Endpoint('floor', floor_server)
    reads = [scenarios.GetAll, scenarios.GetOne, scenarios.FilteredList,
             scenarios.FilteredListMemberOf, scenarios.FilteredListFew]
    if serves_usages(current.server.address, current.keepalive,
                     current.providers[0]):
        reads.append(scenarios.GetUsages)
    else:
        print('GET usages: not served by this version; scenario left out')


    plans = {service.name: plan_for(service.providers, reads, args)
             for service in services}
    if BASELINE in plans:
        plans[BASELINE] = [scenario if type(scenario) in COMPARED
                           else None for scenario in plans[BASELINE]]
    rows = measure_rounds(args, workdir, floor, services, args.providers,
                          plans)

    if args.scale_providers > args.providers:
        fresh = current.seed(args, args.scale_providers - args.providers)
        scaled = [cls(fresh, args.connections) for cls in reads] + [
            scenarios.PutOne(fresh, args.connections),
            scenarios.PutOneStale(fresh, args.connections)]
        if args.only:
            scaled = [scenario for scenario in scaled
                      if any(text in scenario.name for text in args.only)]
        rows += measure_rounds(args, workdir, floor, services,
                               args.scale_providers, {CURRENT: scaled})
    for service in services:
        service.server.stop()
        served = sum(row['requests'] for row in rows
                     if row['code'] == service.name)
        print(f'{service.name}: access log lines: '
              f'{count_access_lines(service.log_file)} for {served} '
              f'measured requests plus seeding and preparation')
    print(f'load average now {os.getloadavg()[0]:.1f}')
    return rows


def main(argv=None) -> int:
    args = parse_args(argv)
    args.generator = ('wrk' if wrk.available() and not args.python_client
                      else 'python')
    if args.generator == 'wrk' and not (
            args.duration >= 1 and args.duration == int(args.duration)):
        raise SystemExit('wrk runs for whole seconds: give --duration as '
                         'a whole number of seconds, or --python-client')
    if args.generator != 'wrk' and not args.python_client:
        print('wrk is not installed: the Python client drives the load, '
              'and competes with the server for the cores')
    now = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
    print(f'placement_min benchmark, {now}, {platform.machine()}, '
          f'{os.cpu_count()} cores, Python {platform.python_version()}, '
          f'load average {os.getloadavg()[0]:.1f}')
    with tempfile.TemporaryDirectory(prefix='placement-bench-') as tmp:
        with ExitStack() as stack:
            rows = run(args, Path(tmp), stack)
    summary = summarize(rows)
    print()
    print_table(summary)
    print_comparison(summary)
    print_scaling(summary)
    print()
    lines = [json.dumps(row, sort_keys=True) for row in rows]
    print('\n'.join(lines))
    if args.json:
        args.json.write_text('\n'.join(lines) + '\n')
    return 0
