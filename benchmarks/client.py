"""The load generator: one process per connection, raw HTTP/1.1.

Each process owns one connection and sends one request at a time, so a
connection is exactly one outstanding request, as with wrk's
connections. The client is a few lines over a socket rather than
http.client, whose header parsing would cost more CPU than some of the
requests it measures; the report prints what the generator spent per
request so that this can be checked.

uwsgi's --http-socket closes the connection after every response (its
keep-alive needs --http11-socket), so ``probe_keepalive`` finds out
which kind of server this is and connections reconnect per request when
they must, counting the connect in the latency as a real client would.
"""

import multiprocessing
import resource
import socket
import time
from array import array
from collections import Counter
from dataclasses import dataclass
from dataclasses import field

COMMON_HEADERS = ('Host: 127.0.0.1\r\n'
                  'OpenStack-API-Version: placement latest\r\n'
                  'Accept: application/json\r\n')
HEADERS = COMMON_HEADERS + 'X-Auth-Token: admin\r\n'
# Nova's service user (noauth2 takes the roles and project as sent): the
# only caller the reshaper's default rule admits.
SERVICE_HEADERS = COMMON_HEADERS + ('X-Auth-Token: nova\r\n'
                                    'X-Roles: service\r\n'
                                    'X-Project-Id: service\r\n')


def request_bytes(method: str, path: str, body: bytes | None = None,
                  headers: str = HEADERS) -> bytes:
    head = f'{method} {path} HTTP/1.1\r\n{headers}'
    if body is None:
        return f'{head}\r\n'.encode()
    return (f'{head}Content-Type: application/json\r\n'
            f'Content-Length: {len(body)}\r\n\r\n').encode() + body


class Connection:
    """One HTTP/1.1 connection; responses must carry Content-Length."""

    def __init__(self, address, keepalive: bool):
        self.address = address
        self.keepalive = keepalive
        self.sock = None
        self.buffer = b''

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(self.address)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.buffer = b''

    def request(self, data: bytes) -> tuple[int, bytes]:
        """(status, body) of one request."""
        if self.sock is None:
            self.sock = self._connect()
        self.sock.sendall(data)
        status, body = self._read()
        if not self.keepalive:
            self.close()
        return status, body

    def _read(self) -> tuple[int, bytes]:
        buffer, recv = self.buffer, self.sock.recv
        end = buffer.find(b'\r\n\r\n')
        while end < 0:
            chunk = recv(65536)
            if not chunk:
                raise ConnectionError('server closed the connection')
            buffer += chunk
            end = buffer.find(b'\r\n\r\n')
        head = buffer[:end].lower()
        start = head.find(b'\r\ncontent-length:')
        length = 0
        if start >= 0:
            stop = head.find(b'\r\n', start + 2)
            length = int(head[start + 17:stop if stop > 0 else None])
        total = end + 4 + length
        while len(buffer) < total:
            chunk = recv(65536)
            if not chunk:
                raise ConnectionError('server closed the connection')
            buffer += chunk
        self.buffer = buffer[total:]
        return int(buffer[9:12]), buffer[end + 4:total]


def probe_keepalive(address) -> bool:
    """True if the server answers a second request on one connection."""
    conn = Connection(address, keepalive=True)
    try:
        for _ in range(2):
            conn.request(request_bytes('GET', '/'))
    except OSError:
        return False
    finally:
        conn.close()
    return True


@dataclass
class Result:
    """What one scenario's connections measured, merged."""

    requests: int = 0
    unexpected: int = 0
    errors: int = 0
    cpu_seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    latencies: array = field(default_factory=lambda: array('d'))

    def merge(self, other: 'Result') -> None:
        self.requests += other.requests
        self.unexpected += other.unexpected
        self.errors += other.errors
        self.cpu_seconds += other.cpu_seconds
        self.statuses.update(other.statuses)
        self.latencies.extend(other.latencies)

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float('nan')
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _drive(worker, conn: Connection, start_at: float, stop_at: float,
           queue) -> None:
    """One connection's loop: requests until ``stop_at``, each checked."""
    result = Result()
    latencies, statuses = result.latencies, result.statuses
    clock = time.perf_counter
    while time.time() < start_at:
        time.sleep(0.001)
    cpu = _cpu()
    deadline = clock() + (stop_at - time.time())
    while True:
        data = worker.next_request()
        began = clock()
        if began >= deadline:
            break
        try:
            status, body = conn.request(data)
        except OSError:
            result.errors += 1
            conn.close()
            continue
        latencies.append(clock() - began)
        statuses[status] += 1
        if not worker.check(status, body):
            result.unexpected += 1
    result.cpu_seconds = _cpu() - cpu
    result.requests = len(latencies)
    conn.close()
    queue.put(result)


def _child(scenario, index: int, address, keepalive: bool, start_at: float,
           stop_at: float, queue) -> None:
    conn = Connection(address, keepalive)
    try:
        worker = scenario.worker(index, conn)
    except Exception as exc:  # reported, never hidden
        queue.put(exc)
        return
    _drive(worker, conn, start_at, stop_at, queue)


def run(scenario, address, keepalive: bool, connections: int,
        duration: float) -> Result:
    """Drive ``scenario`` with ``connections`` processes for
    ``duration`` seconds after they have all prepared."""
    context = multiprocessing.get_context('fork')
    queue = context.Queue()
    # Room for each worker to prepare (read generations) before the
    # clock starts for all of them at once.
    start_at = time.time() + 1.0 + 0.002 * scenario.preparation
    stop_at = start_at + duration
    children = [context.Process(
        target=_child, args=(scenario, i, address, keepalive, start_at,
                             stop_at, queue))
        for i in range(connections)]
    for child in children:
        child.start()
    merged, failures = Result(), []
    for _ in children:
        item = queue.get()
        if isinstance(item, Exception):
            failures.append(item)
        else:
            merged.merge(item)
    for child in children:
        child.join()
    if failures:
        raise RuntimeError(f'{scenario.name}: a connection could not '
                           f'prepare: {failures[0]!r}')
    return merged
