"""The engine, transactions, and the retry and failure rules around them.

Every storage function runs inside ``Database.run``: one transaction,
retried a bounded number of times with jitter when the database reports
a deadlock or serialisation failure, and turned into
``TransactionConflict`` (409 ``placement.concurrent_update``) when the
retries run out. A database that cannot be reached raises
``DatabaseUnavailable``, which carries no driver text.
"""

import contextlib
import datetime
import fcntl
import functools
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa
from oslo_config import cfg
from sqlalchemy import event

from placement_min import errors

LOG = logging.getLogger(__name__)

P = ParamSpec('P')
R = TypeVar('R')
# A statement of any columns, and a row of its result.
Select = sa.Select[*tuple[Any, ...]]
Row = sa.Row[*tuple[Any, ...]]

# SQLSTATEs (PostgreSQL) and error numbers (MariaDB/MySQL) of a
# transaction that lost a race and may simply be run again.
_RETRY_SQLSTATES = {'40001', '40P01'}
_RETRY_MYSQL_ERRNOS = {1213, 1205}


def utcnow() -> datetime.datetime:
    """Naive UTC, the form every timestamp column holds."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None,
                                                       microsecond=0)


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The primary key of the one row an INSERT added."""
    key = result.inserted_primary_key
    assert key is not None  # a one-row INSERT always has one
    return int(key[0])


def _is_retryable(exc: sa.exc.DBAPIError) -> bool:
    orig = exc.orig
    if getattr(orig, 'sqlstate', None) in _RETRY_SQLSTATES:
        return True
    # NOTE: SQLite's "database is locked" is not retried. It comes only
    # after the busy timeout has already waited that long for the write
    # lock: retrying would multiply the wait past any client's patience
    # (and uwsgi's harakiri), and a lock held that long means the
    # database is unavailable, which the client is told (503).
    args: tuple[object, ...] = getattr(orig, 'args', ())
    return bool(args) and args[0] in _RETRY_MYSQL_ERRNOS


def _configure_sqlite(engine: sa.Engine, busy_timeout_ms: int) -> None:
    """WAL, busy timeout, foreign keys, and BEGIN IMMEDIATE for writes.

    NOTE: pysqlite's own transaction handling is switched off so that a
    write transaction takes the write lock when it begins. The usual
    deferred BEGIN lets two workers both read, then fails one of them
    with 'database is locked' at its first write, whatever the timeout.
    Reads run without BEGIN: each is one statement, which SQLite already
    runs against a consistent snapshot.
    """

    @event.listens_for(engine, 'connect')
    def on_connect(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f'PRAGMA busy_timeout = {int(busy_timeout_ms)}')
        cursor.execute('PRAGMA journal_mode = WAL')
        # NOTE: NORMAL is SQLite's recommended setting with WAL: a commit
        # survives a process crash; only a power loss may undo the last
        # commits, and it never corrupts the file.
        cursor.execute('PRAGMA synchronous = NORMAL')
        cursor.execute('PRAGMA foreign_keys = ON')
        cursor.close()

    @event.listens_for(engine, 'begin')
    def on_begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get('placement_write'):
            conn.exec_driver_sql('BEGIN IMMEDIATE')


class WriterQueue:
    """SQLite writers of every process and thread take turns on a lock
    file before they ask SQLite for its write lock.

    NOTE: a writer that finds SQLite's lock taken sleeps in SQLite's busy
    handler, 1 ms at first and longer after, however soon the lock is
    freed; between two busy workers that left a third of the CPU idle
    under a write load. A writer waiting on the lock file is woken the
    moment it is released. SQLite's own lock and busy timeout still
    guard the database against writers that do not queue here.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        fd = self._descriptor()
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _descriptor(self) -> int:
        # One open file per thread and process: flock excludes holders of
        # other open files only, so a descriptor inherited over a fork or
        # shared between threads would not queue them.
        local = self._local
        if getattr(local, 'pid', None) != os.getpid():
            local.fd = os.open(self.path, os.O_RDWR | os.O_CREAT
                               | os.O_CLOEXEC, 0o600)
            local.pid = os.getpid()
        fd: int = local.fd
        return fd


def _writer_queue(engine: sa.Engine) -> WriterQueue | None:
    url = engine.url
    if url.get_backend_name() != 'sqlite' or url.database in (None, '',
                                                             ':memory:'):
        return None
    return WriterQueue(os.path.abspath(url.database) + '.writers')


def create_engine(conf: cfg.ConfigOpts) -> sa.Engine:
    dbconf = conf.placement_database
    url = sa.engine.make_url(dbconf.connection)
    if url.get_backend_name() == 'sqlite':
        if url.database and url.database != ':memory:':
            os.makedirs(os.path.dirname(os.path.abspath(url.database)),
                        exist_ok=True)
        engine = sa.create_engine(url, pool_pre_ping=False)
        _configure_sqlite(engine, dbconf.sqlite_busy_timeout)
        return engine
    return sa.create_engine(
        url,
        pool_size=dbconf.pool_size,
        max_overflow=dbconf.max_overflow,
        pool_timeout=dbconf.pool_timeout,
        pool_recycle=dbconf.pool_recycle,
        pool_pre_ping=dbconf.pool_pre_ping,
    )


class Database:
    """One per process: the engine and how transactions run on it."""

    def __init__(self, engine: sa.Engine, max_retries: int = 5) -> None:
        self.engine = engine
        self.write_engine = engine.execution_options(placement_write=True)
        self.max_retries = max_retries
        self.writer_queue = _writer_queue(engine)

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> 'Database':
        return cls(create_engine(conf),
                   conf.placement_database.max_retries)

    def run(self, fn: Callable[Concatenate[sa.Connection, P], R],
            write: bool, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run ``fn(conn, *args, **kwargs)`` in one transaction.

        A write is retried when it lost a deadlock or serialisation race;
        ``fn`` must therefore do nothing but database work.
        """
        engine = self.write_engine if write else self.engine
        attempt = 0
        while True:
            try:
                with self._turn(write), engine.begin() as conn:
                    return fn(conn, *args, **kwargs)
            except sa.exc.DBAPIError as exc:
                if exc.connection_invalidated or not _is_retryable(exc):
                    self._raise_unavailable_or_reraise(exc)
                    raise
                attempt += 1
                if attempt > self.max_retries:
                    LOG.warning('Giving up after %d retries of a '
                                'conflicting transaction', attempt - 1)
                    raise errors.TransactionConflict() from None
                # NOTE: jitter spreads the retries of writers that
                # collided, so they do not collide again in lock step.
                time.sleep(random.uniform(0, 0.01 * 2 ** attempt))  # noqa: S311
            except sa.exc.TimeoutError:
                raise errors.DatabaseUnavailable() from None

    def _turn(self, write: bool) -> contextlib.AbstractContextManager[None]:
        """The writer queue's turn for a SQLite write; else nothing."""
        if write and self.writer_queue is not None:
            return self.writer_queue.turn()
        return contextlib.nullcontext()

    @staticmethod
    def _raise_unavailable_or_reraise(exc: sa.exc.DBAPIError) -> None:
        if isinstance(exc, sa.exc.IntegrityError):
            return
        if (exc.connection_invalidated
                or isinstance(exc, (sa.exc.OperationalError,
                                    sa.exc.InterfaceError))):
            LOG.error('Database unavailable: %s', type(exc.orig).__name__)
            raise errors.DatabaseUnavailable() from None


def reader(fn: Callable[Concatenate[sa.Connection, P], R]
           ) -> Callable[Concatenate[Database, P], R]:
    """A storage function ``fn(conn, ...)`` as the read ``fn(db, ...)``
    that handlers call."""

    @functools.wraps(fn)
    def call(db: Database, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return db.run(fn, False, *args, **kwargs)
    return call


def writer(fn: Callable[Concatenate[sa.Connection, P], R]
           ) -> Callable[Concatenate[Database, P], R]:
    """A storage function ``fn(conn, ...)`` as the write ``fn(db, ...)``
    that handlers call."""

    @functools.wraps(fn)
    def call(db: Database, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return db.run(fn, True, *args, **kwargs)
    return call
