"""Start and stop a uwsgi server on a free loopback port.

The flags come from etc/placement-min/uwsgi.ini, spelled out on the
command line so that the report can print them and the floor gets
exactly the same ones; only the module differs.
"""

import configparser
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
INI = REPO / 'etc' / 'placement-min' / 'uwsgi.ini'
_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def ini_flags(ini: Path = INI) -> list[str]:
    """The [uwsgi] section of ``ini`` as flags, without its module.

    ``true`` is the bare flag and ``false`` its absence, as uwsgi reads
    them in an ini file.
    """
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ini)
    flags = []
    for key, value in parser['uwsgi'].items():
        if key == 'module' or value == 'false':
            continue
        flags.append(f'--{key}' if value == 'true' else f'--{key}={value}')
    return flags


def uwsgi_binary() -> str:
    local = Path(sys.executable).parent / 'uwsgi'
    if local.exists():
        return str(local)
    raise SystemExit('uwsgi is not installed next to this Python; '
                     "install the 'server' extra (pip install '.[server]')")


def _proc_stats() -> dict[int, tuple[int, int]]:
    """{pid: (parent pid, CPU ticks used)} of every process."""
    stats = {}
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / 'stat').read_text()
            except OSError:
                continue
            # Fields after the command name: state, ppid, ..., utime and
            # stime at 11 and 12 (proc(5)).
            fields = text.rsplit(')', 1)[1].split()
            stats[int(entry.name)] = (int(fields[1]),
                                      int(fields[11]) + int(fields[12]))
    return stats


def _die_with_parent():
    """Runs in the child: SIGTERM it when the benchmark process dies, so
    that no server outlives an interrupted run."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Server:
    """A uwsgi master serving ``module`` on 127.0.0.1:<free port>."""

    def __init__(self, module: str, log_path: Path, env: dict | None = None,
                 socket_flag: str = '--http-socket', repo: Path = REPO):
        """``repo`` is the source tree served (its directory goes first
        on the Python path); the uwsgi flags are always this tree's."""
        self.port = free_port()
        self.address = ('127.0.0.1', self.port)
        self.command = [uwsgi_binary(), *ini_flags(), '--module', module,
                        socket_flag, f'127.0.0.1:{self.port}']
        if sys.prefix != sys.base_prefix:
            self.command += ['--home', sys.prefix]
        self.env = dict(os.environ, **(env or {}))
        self.env['PYTHONPATH'] = os.pathsep.join(
            filter(None, [str(repo), self.env.get('PYTHONPATH')]))
        self.repo = repo
        self.log_path = log_path
        self.process = None

    def start(self, timeout: float = 60.0) -> None:
        with open(self.log_path, 'ab') as log:
            self.process = subprocess.Popen(  # noqa: S603
                self.command, cwd=self.repo, env=self.env, stdout=log,
                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('uwsgi exited:\n' + self._log_tail())
            if self._answers():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError('uwsgi did not answer:\n' + self._log_tail())

    def _log_tail(self) -> str:
        return '\n'.join(self.log_path.read_text(errors='replace')
                         .splitlines()[-15:])

    def _answers(self) -> bool:
        try:
            with socket.create_connection(self.address, timeout=2) as sock:
                sock.sendall(b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
                return sock.recv(12).startswith(b'HTTP/1.1 200')
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The uwsgi processes this master forked (to profile them)."""
        return [pid for pid, (ppid, _used) in _proc_stats().items()
                if ppid == self.process.pid]

    def cpu_seconds(self) -> float:
        """CPU time the master and its workers have used so far."""
        ticks = sum(used for pid, (ppid, used) in _proc_stats().items()
                    if self.process.pid in (pid, ppid))
        return ticks / os.sysconf('SC_CLK_TCK')

    def stop(self) -> None:
        """SIGTERM the master by its PID (die-on-term), then SIGKILL."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
