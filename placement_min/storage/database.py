"""The engine, transactions, and the retry and failure rules around them.

Every storage function runs inside ``Database.run`` (or ``run_tries``,
``run_snapshot``): one transaction, tried again, with jitter, when it
lost a race: always when the database reports a deadlock or
serialisation failure, and also on the domain exceptions a caller names
in its ``Retry`` (allocation writes name the generation conflicts the
client did not ask to detect). There is one loop and one bound per
transaction: ``[placement_database] max_retries`` + 1 tries, or
``[placement] allocation_conflict_retry_count`` tries for allocation
writes. When the tries run out, a lost domain race is raised as it is
(a ``ConcurrentUpdate`` naming the provider, say) and a database
failure as ``TransactionConflict``; both are 409
placement.concurrent_update. A database that cannot be reached raises
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
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Concatenate, NamedTuple, ParamSpec, TypeVar

import sqlalchemy as sa
from oslo_config import cfg
from sqlalchemy import event
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

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
# The longest pause between two tries, in seconds.
_MAX_PAUSE = 0.32


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


def insert_missing(conn: sa.Connection, table: sa.Table,
                   rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, skipping those whose unique key is already taken.

    NOTE: each dialect's own form of "insert unless present", so that
    two transactions adding the same row at once (workers starting
    together, two providers joining a new aggregate) both succeed, where
    a plain INSERT fails one of them on the unique key and, on
    PostgreSQL, aborts the rest of its transaction.
    """
    if not rows:
        return
    name = conn.dialect.name
    statement: sa.Insert
    if name == 'postgresql':
        statement = postgresql.insert(table).on_conflict_do_nothing()
    elif name == 'sqlite':
        statement = sqlite.insert(table).on_conflict_do_nothing()
    elif name in ('mysql', 'mariadb'):
        # Not INSERT IGNORE, which would also turn other errors (a
        # broken foreign key, a value too long) into warnings.
        key = table.primary_key.columns[0]
        statement = mysql.insert(table).on_duplicate_key_update(
            {key.name: key})
    else:
        raise NotImplementedError(f'no insert-if-missing for {name}')
    conn.execute(statement, rows)


class _SQLiteCompiler(sqlite.base.SQLiteCompiler):
    """SQLite's statement compiler, writing the hints of
    ``Select.with_hint(table, text, 'sqlite')`` after their table, where
    SQLite reads ``INDEXED BY``; SQLAlchemy's own drops them."""

    def get_from_hint_text(self, table: sa.FromClause,
                           text: str | None) -> str | None:
        return text


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
        options = conn.get_execution_options()
        if options.get('placement_write'):
            conn.exec_driver_sql('BEGIN IMMEDIATE')
        elif options.get('placement_snapshot'):
            # A deferred BEGIN: the first read fixes the snapshot that
            # every later read of the transaction sees.
            conn.exec_driver_sql('BEGIN')


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
        engine.dialect.statement_compiler = _SQLiteCompiler
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


class Retry(NamedTuple):
    """How many times a write is tried, and which domain exceptions,
    besides the database's deadlocks and serialisation failures, are
    lost races that a new try may win."""

    tries: int
    races: tuple[type[Exception], ...] = ()


class Database:
    """One per process: the engine and how transactions run on it."""

    def __init__(self, engine: sa.Engine, max_retries: int = 5,
                 allocation_tries: int = 10) -> None:
        self.engine = engine
        self.write_engine = engine.execution_options(placement_write=True)
        self.snapshot_engine = _snapshot_engine(engine)
        self.max_retries = max_retries
        self.allocation_tries = allocation_tries
        self.writer_queue = _writer_queue(engine)

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> 'Database':
        return cls(create_engine(conf),
                   conf.placement_database.max_retries,
                   conf.placement.allocation_conflict_retry_count)

    def run(self, fn: Callable[Concatenate[sa.Connection, P], R],
            write: bool, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run ``fn(conn, *args, **kwargs)`` in one transaction, tried up
        to ``max_retries`` + 1 times."""
        return self.run_tries(Retry(self.max_retries + 1), fn, write, *args,
                              **kwargs)

    def run_tries(self, retry: Retry,
                  fn: Callable[Concatenate[sa.Connection, P], R],
                  write: bool, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run ``fn(conn, *args, **kwargs)`` in one transaction, tried up to
        ``retry.tries`` times; ``fn`` must therefore do nothing but
        database work. With no tries at all, nothing runs and the
        client gets 409.
        """
        return self._transaction(
            self.write_engine if write else self.engine, write, retry,
            lambda conn: fn(conn, *args, **kwargs))

    def run_snapshot(self, fn: Callable[Concatenate[sa.Connection, P], R],
                     *args: P.args, **kwargs: P.kwargs) -> R:
        """Run the read ``fn(conn, *args, **kwargs)`` in one transaction
        that sees one state of the database in all its statements, tried
        up to ``max_retries`` + 1 times."""
        return self._transaction(self.snapshot_engine, False,
                                 Retry(self.max_retries + 1),
                                 lambda conn: fn(conn, *args, **kwargs))

    def _transaction(self, engine: sa.Engine, write: bool, retry: Retry,
                     work: Callable[[sa.Connection], R]) -> R:
        """``work(conn)`` in one transaction on ``engine``: the one retry
        loop, bounded by ``retry.tries``."""
        for attempt in range(1, retry.tries + 1):
            try:
                with self._turn(write), engine.begin() as conn:
                    return work(conn)
            except retry.races:
                if attempt == retry.tries:
                    raise
            except sa.exc.DBAPIError as exc:
                if exc.connection_invalidated or not _is_retryable(exc):
                    self._raise_unavailable_or_reraise(exc)
                    raise
                if attempt == retry.tries:
                    break
            except sa.exc.TimeoutError:
                raise errors.DatabaseUnavailable() from None
            # NOTE: jitter spreads the tries of writers that collided, so
            # they do not collide again in lock step.
            time.sleep(random.uniform(  # noqa: S311
                0, min(0.01 * 2 ** attempt, _MAX_PAUSE)))
        LOG.warning('Giving up on a conflicting transaction after %d '
                    'tries', retry.tries)
        raise errors.TransactionConflict()

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


def _snapshot_engine(engine: sa.Engine) -> sa.Engine:
    """The engine whose transactions read one snapshot throughout.

    NOTE: PostgreSQL's default, READ COMMITTED, takes a new snapshot per
    statement; REPEATABLE READ keeps the first one (and a read-only
    transaction there never fails to serialise). InnoDB's default is
    already REPEATABLE READ; SQLite gets a BEGIN (``on_begin``).
    """
    if engine.dialect.name == 'postgresql':
        return engine.execution_options(isolation_level='REPEATABLE READ')
    return engine.execution_options(placement_snapshot=True)


def driver_rows(result: sa.CursorResult[Any]) -> Sequence[Any]:
    """The rows of ``result`` as the driver's tuples.

    NOTE: for statements that read thousands of rows, none of whose
    columns has a result processor on any supported driver (integers,
    strings, doubles, values left to the caller to convert): a row
    object per row cost more than the tuples. The caller's statement
    says why it qualifies.
    """
    rows = result.cursor.fetchall()
    result.close()
    return rows


def reader(fn: Callable[Concatenate[sa.Connection, P], R]
           ) -> Callable[Concatenate[Database, P], R]:
    """A storage function ``fn(conn, ...)`` as the read ``fn(db, ...)``
    that handlers call."""

    @functools.wraps(fn)
    def call(db: Database, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return db.run(fn, False, *args, **kwargs)
    return call


def snapshot_reader(fn: Callable[Concatenate[sa.Connection, P], R]
                    ) -> Callable[Concatenate[Database, P], R]:
    """A storage function ``fn(conn, ...)`` of several statements that
    must agree with each other, as the read ``fn(db, ...)`` that
    handlers call."""

    @functools.wraps(fn)
    def call(db: Database, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return db.run_snapshot(fn, *args, **kwargs)
    return call


def writer(fn: Callable[Concatenate[sa.Connection, P], R]
           ) -> Callable[Concatenate[Database, P], R]:
    """A storage function ``fn(conn, ...)`` as the write ``fn(db, ...)``
    that handlers call."""

    @functools.wraps(fn)
    def call(db: Database, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return db.run(fn, True, *args, **kwargs)
    return call
