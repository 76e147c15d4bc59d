"""Real servers for functional tests: uwsgi, and a TCP proxy to cut.

Every server binds to 127.0.0.1 on a free port, is stopped by its PID
(never by name), and stops by itself should the test runner die: it
gets SIGTERM then, on which uwsgi (--die-on-term) exits.
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UWSGI_INI = os.path.join(REPO, 'etc', 'placement-min', 'uwsgi.ini')
START_TIMEOUT = 60
STOP_TIMEOUT = 15
# What uwsgi logs when a worker has loaded the application.
APP_LOADED = "WSGI app 0 (mountpoint='') ready"


def _die_with_parent() -> None:
    """SIGTERM the server when the test runner dies, however it ends."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def executable(name: str) -> str:
    """``name`` from the environment running the tests (tox installs
    uwsgi and the console scripts there), else from PATH."""
    path = os.path.join(os.path.dirname(sys.executable), name)
    found = path if os.path.exists(path) else shutil.which(name)
    if not found:
        raise RuntimeError(f'{name} is not installed next to '
                           f'{sys.executable} nor on PATH')
    return found


def write_config(directory, db_url: str, **database_opts) -> str:
    """A configuration file naming the test database."""
    lines = ['[DEFAULT]', f'state_path = {directory}',
             '[placement_database]', f'connection = {db_url}']
    lines += [f'{key} = {value}' for key, value in database_opts.items()]
    path = os.path.join(str(directory), 'placement-min.conf')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


class Server:
    """A server process serving HTTP on 127.0.0.1:``port``."""

    def __init__(self, command: list[str], port: int, config_file: str,
                 log_path: str):
        self.port = port
        self.url = f'http://127.0.0.1:{port}'
        self.log_path = log_path
        env = dict(os.environ, PLACEMENT_MIN_CONFIG_FILE=config_file)
        with open(log_path, 'wb') as log:
            self.process = subprocess.Popen(  # noqa: S603
                command, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        self.pid = self.process.pid

    def wait_until_serving(self, apps_loaded: int = 0) -> None:
        """Until GET / answers and ``apps_loaded`` workers say (in the
        log) that they loaded the application."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f'server exited with '
                                   f'{self.process.returncode}:\n'
                                   f'{self.log()}')
            try:
                if (requests.get(self.url + '/', timeout=5).ok
                        and self.log().count(APP_LOADED) >= apps_loaded):
                    return
            except requests.RequestException:
                pass  # not listening yet, or still loading the app
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f'server not serving after {START_TIMEOUT}s:\n'
                           f'{self.log()}')

    def stop(self) -> int:
        """Terminate by PID and wait; the exit status."""
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.process.wait(STOP_TIMEOUT)
        return self.process.returncode

    def log(self) -> str:
        with open(self.log_path, errors='replace') as f:
            return f.read()


def start_uwsgi(directory, config_file: str, processes: int) -> Server:
    """uwsgi with the shipped uwsgi.ini, every worker serving once
    this returns."""
    port = free_port()
    command = [executable('uwsgi'), '--ini', UWSGI_INI,
               '--http', f'127.0.0.1:{port}',
               '--processes', str(processes), '--no-orphans']
    server = Server(command, port, config_file,
                    os.path.join(str(directory), 'uwsgi.log'))
    server.wait_until_serving(apps_loaded=processes)
    return server


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to a database server until cut.

    ``cut()`` closes the listening socket and every forwarded
    connection, so that the database looks gone: connections break and
    new ones are refused. ``restore()`` listens on the same port again.
    """

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(('127.0.0.1', self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,),
                         daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, []
        if listener is not None:
            # shutdown, not only close: it wakes the thread in accept(),
            # which would otherwise keep the port listening.
            _close(listener)
        for conn in connections:
            _close(conn)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:
                    _close(client)
                    _close(upstream)
                    return
                self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink),
                                 daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    _close(source)
    _close(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
