"""Run every scenario against placement_min and the floor; report.

    python -m benchmarks [--duration 5] [--rounds 3] [--providers 50]
                         [--scale-providers 10000] [--db-url URL]

placement_min and the floor each run under uwsgi with the flags of
etc/placement-min/uwsgi.ini (2 processes x 1 thread) on a free loopback
port; the database is a fresh SQLite file unless --db-url names a
PostgreSQL or MariaDB server, where a scratch database is created and
dropped afterwards.
"""

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import tempfile
import time
import uuid as uuid_lib
from contextlib import ExitStack
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from benchmarks import client
from benchmarks import scenarios
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


def prepare_database(config_file: Path) -> None:
    """Create the schema, as placement-min-api does before uwsgi."""
    from placement_min import conf as placement_conf
    from placement_min.storage import database
    from placement_min.storage import migration

    conf = placement_conf.build_conf([str(config_file)])
    db = database.Database.from_conf(conf)
    migration.sync(db.engine)
    db.engine.dispose()


def _expect(conn, method, path, body, statuses) -> bytes:
    data = None if body is None else json.dumps(body).encode()
    status, answer = conn.request(client.request_bytes(method, path, data))
    if status not in statuses:
        raise RuntimeError(f'{method} {path}: {status} {answer[:300]!r}')
    return answer


def _seed_slice(job) -> int:
    """Create providers with the three standard inventories, every
    other one with a trait, each in one of three aggregates."""
    address, keepalive, first, uuids = job
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
                (200,))
        _expect(conn, 'PUT', f'{path}/aggregates',
                {'resource_provider_generation': 2 if traits else 1,
                 'aggregates': scenarios.seeded_aggregates(number)}, (200,))
    conn.close()
    return len(uuids)


def seed(address, keepalive: bool, first: int, count: int,
         connections: int) -> list[str]:
    """``count`` new providers, created over HTTP by parallel clients."""
    uuids = [str(uuid_lib.uuid4()) for _ in range(count)]
    size = max(1, -(-count // (connections * 4)))
    jobs = [(address, keepalive, first + start, uuids[start:start + size])
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


def measure(scenario, server, keepalive, args, floor_rps=None) -> dict:
    cpu = server.cpu_seconds()
    result = client.run(scenario, server.address, keepalive,
                        args.connections, args.duration)
    server_cpu = server.cpu_seconds() - cpu
    rps = result.requests / args.duration
    row = {
        'scenario': scenario.name,
        'requests': result.requests,
        'rps': round(rps, 1),
        'p50_ms': round(result.percentile(0.50) * 1000, 2),
        'p99_ms': round(result.percentile(0.99) * 1000, 2),
        'unexpected': result.unexpected + result.errors,
        'statuses': {str(k): v for k, v in sorted(result.statuses.items())},
        'ratio_to_floor': round(rps / floor_rps, 3) if floor_rps else 1.0,
        'client_cpu_us_per_request': round(
            1e6 * result.cpu_seconds / max(1, result.requests), 1),
        # Includes the connections' preparation (generation reads).
        'server_cpu_us_per_request': round(
            1e6 * server_cpu / max(1, result.requests), 1),
    }
    return row


class FloorRuns:
    """The floor, measured at the start of every round."""

    def __init__(self, server, keepalive: bool):
        self.server = server
        self.keepalive = keepalive

    def measure(self, args, rows: list, round_number: int) -> float:
        row = measure(scenarios.Floor([], args.connections), self.server,
                      self.keepalive, args)
        rows.append(dict(row, providers=args.providers, round=round_number))
        return row['rps']


def summarize(rows: list[dict]) -> list[dict]:
    """One row per scenario and provider count: the medians of its
    rounds, the range of its ratios, and every unexpected status."""
    groups = {}
    for row in rows:
        groups.setdefault((row['scenario'], row['providers']),
                          []).append(row)
    summary = []
    for (name, providers), runs in groups.items():
        ratios = [run['ratio_to_floor'] for run in runs]
        summary.append({
            'scenario': name, 'providers': providers, 'rounds': len(runs),
            'unexpected': sum(run['unexpected'] for run in runs),
            'ratio_min': min(ratios), 'ratio_max': max(ratios),
            **{key: statistics.median(run[key] for run in runs)
               for key in ('rps', 'p50_ms', 'p99_ms', 'ratio_to_floor',
                           'server_cpu_us_per_request')}})
    return summary


def print_table(rows: list[dict]) -> None:
    """Medians over the rounds; the floor's share with its range."""
    header = (f'{"scenario":<32} {"providers":>9} {"req/s":>7} '
              f'{"p50 ms":>6} {"p99 ms":>6} {"unexp":>5} '
              f'{"of floor (range)":>18} {"server us":>9}')
    print(header)
    print('-' * len(header))
    for row in rows:
        share = (f'{100 * row["ratio_to_floor"]:.1f}% '
                 f'({100 * row["ratio_min"]:.1f}-'
                 f'{100 * row["ratio_max"]:.1f})')
        print(f'{row["scenario"]:<32} {row["providers"]:>9} '
              f'{row["rps"]:>7.0f} {row["p50_ms"]:>6.2f} '
              f'{row["p99_ms"]:>6.2f} {row["unexpected"]:>5} '
              f'{share:>18} {row["server_cpu_us_per_request"]:>9.0f}')


def print_scaling(rows: list[dict]) -> None:
    """Latency with many providers over latency with few, per GET."""
    first = {}
    for row in rows:
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


def run(args, workdir: Path, stack: ExitStack) -> list[dict]:
    env = {'PLACEMENT_MIN_CONFIG_FILE': str(workdir / 'placement-min.conf')}
    url = stack.enter_context(scratch_database(args.db_url, workdir))
    log_file = workdir / 'placement-min.log'
    Path(env['PLACEMENT_MIN_CONFIG_FILE']).write_text(
        CONFIG.format(log_file=log_file, url=url.replace('%', '%%')))
    prepare_database(Path(env['PLACEMENT_MIN_CONFIG_FILE']))

    socket_flag = '--http11-socket' if args.http11 else '--http-socket'
    floor = stack.enter_context(
        Server('benchmarks.floor:application', workdir / 'floor.out',
               socket_flag=socket_flag))
    service = stack.enter_context(
        Server('placement_min.wsgi:application', workdir / 'uwsgi.out',
               env, socket_flag))
    print('uwsgi command (the floor differs only in --module):')
    print('  ' + ' '.join(service.command))
    keepalive = client.probe_keepalive(service.address)
    reuse = 'yes' if keepalive else 'no (a connection per request)'
    backend = sa.engine.make_url(url).get_backend_name()
    print(f'keep-alive: {reuse}; database: {backend}; '
          f'{args.connections} connections; {args.duration:g} s per '
          f'scenario')

    started = time.monotonic()
    providers = seed(service.address, keepalive, 0, args.providers,
                     args.connections)
    create_custom_classes(service.address, keepalive)
    print(f'seeded {args.providers} providers in '
          f'{time.monotonic() - started:.1f} s')

    floor = FloorRuns(floor, client.probe_keepalive(floor.address))
    reads = [scenarios.GetAll, scenarios.GetOne, scenarios.FilteredList,
             scenarios.FilteredListMemberOf]
    if serves_usages(service.address, keepalive, providers[0]):
        reads.append(scenarios.GetUsages)
    else:
        print('GET usages: not served by this version; scenario left out')
    plan = [cls(providers, args.connections) for cls in reads] + [
        scenarios.PutOne(providers, args.connections),
        scenarios.PutOneStale(providers, args.connections),
        # 30 classes first, so that every round ends, and the next one's
        # GET all inventories starts, with the 3 classes seeded.
        scenarios.PutAll(providers, args.connections,
                         scenarios.THIRTY_CLASSES),
        scenarios.PutAll(providers, args.connections,
                         scenarios.STANDARD_INVENTORY),
        scenarios.PutTraits(providers, args.connections),
        scenarios.PutAggregates(providers, args.connections),
    ]
    if args.only:
        plan = [scenario for scenario in plan
                if any(text in scenario.name for text in args.only)]
    rows = []
    # NOTE: rounds, each with its own floor, so that a burst of other
    # work on the machine moves one round's ratios, not the medians.
    for round_number in range(1, args.rounds + 1):
        floor_rps = floor.measure(args, rows, round_number)
        for scenario in plan:
            rows.append(dict(measure(scenario, service, keepalive, args,
                                     floor_rps),
                             providers=args.providers, round=round_number))

    if args.scale_providers > args.providers:
        more = args.scale_providers - args.providers
        started = time.monotonic()
        fresh = seed(service.address, keepalive, args.providers, more,
                     args.connections)
        print(f'seeded {more} more providers in '
              f'{time.monotonic() - started:.1f} s')
        for round_number in range(1, args.rounds + 1):
            floor_rps = floor.measure(args, rows, round_number)
            for cls in reads:
                rows.append(dict(measure(cls(fresh, args.connections),
                                         service, keepalive, args,
                                         floor_rps),
                                 providers=args.scale_providers,
                                 round=round_number))
    service.stop()
    served = sum(row['requests'] for row in rows
                 if row['scenario'] != scenarios.Floor.name)
    print(f'access log lines: {count_access_lines(log_file)} for '
          f'{served} measured requests plus seeding; load average now '
          f'{os.getloadavg()[0]:.1f}')
    return rows


def main(argv=None) -> int:
    args = parse_args(argv)
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
    print_scaling(summary)
    print()
    lines = [json.dumps(row, sort_keys=True) for row in rows]
    print('\n'.join(lines))
    if args.json:
        args.json.write_text('\n'.join(lines) + '\n')
    return 0
