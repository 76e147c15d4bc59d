"""The databases the tests run on.

PLACEMENT_MIN_TEST_DB_URL names a PostgreSQL or MariaDB database the
tests may connect to; unset, they run on SQLite. On a server the tests
never touch that database itself: each session creates its own beside
it (and drops it at the end), so runs on one server never meet.
"""

import os
import secrets
import shutil

import sqlalchemy as sa
from sqlalchemy import pool

from placement_min import conf as placement_conf
from placement_min.storage import database
from placement_min.storage import migration
from placement_min.storage import resource_class
from placement_min.storage import tables
from placement_min.storage import trait

URL_ENV = 'PLACEMENT_MIN_TEST_DB_URL'


def server_url() -> sa.URL | None:
    """The server named by the environment, None for SQLite."""
    value = os.environ.get(URL_ENV)
    return sa.make_url(value) if value else None


def url_string(url: sa.URL) -> str:
    return url.render_as_string(hide_password=False)


def engine_for(url: str) -> sa.Engine:
    """An engine set up exactly as the service sets up its own."""
    conf = placement_conf.build_conf(args=[])
    conf.set_override('connection', url, 'placement_database')
    return database.create_engine(conf)


def _admin_engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url, isolation_level='AUTOCOMMIT',
                            poolclass=pool.NullPool)


def check_server(url: sa.URL) -> None:
    """Raise RuntimeError, naming the server, when it cannot be reached."""
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql('SELECT 1')
    except sa.exc.DBAPIError as exc:
        raise RuntimeError(
            f'{URL_ENV} names a database server that cannot be used '
            f'({url.render_as_string()}): {exc.orig}') from None
    finally:
        engine.dispose()


def create_database(server: sa.URL) -> sa.URL:
    """A new, empty database on ``server``, with a name no other run
    uses."""
    name = f'placement_min_{secrets.token_hex(6)}'
    create = f'CREATE DATABASE {name}'
    if server.get_backend_name() == 'mysql':
        create += ' CHARACTER SET utf8mb4'
    _run_admin(server, create)
    return server.set(database=name)


def drop_database(server: sa.URL, url: sa.URL) -> None:
    drop = f'DROP DATABASE IF EXISTS {url.database}'
    if server.get_backend_name() == 'postgresql':
        # Connections a killed test server left behind must not keep the
        # database alive.
        drop += ' WITH (FORCE)'
    _run_admin(server, drop)


def _run_admin(server: sa.URL, statement: str) -> None:
    """Run one statement on the server's administrative database."""
    engine = _admin_engine(server)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def migrate(url: str) -> None:
    engine = engine_for(url)
    try:
        migration.sync(engine)
        if engine.dialect.name == 'sqlite':
            # Everything into the main file, which is what gets copied.
            with engine.connect() as conn:
                conn.exec_driver_sql('PRAGMA wal_checkpoint(TRUNCATE)')
    finally:
        engine.dispose()


def copy_sqlite(template: str, path: str) -> str:
    shutil.copyfile(template, path)
    return f'sqlite:///{path}'


def clear(engine: sa.Engine) -> None:
    """Back to the state of a freshly migrated database.

    Deleting rows is much faster than migrating a new database for
    every test. Standard classes and traits are kept, so ids stay as a fresh
    migration leaves them; a test that removed one gets it back.
    """
    with engine.begin() as conn:
        for table in reversed(tables.metadata.sorted_tables):
            # A row pointing to another row of the same table (a child
            # provider) would block deleting it on MariaDB, which checks
            # foreign keys row by row.
            self_refs = {fk.parent.name: None for fk in table.foreign_keys
                         if fk.column.table is table}
            if self_refs:
                conn.execute(table.update().values(**self_refs))
            delete = table.delete()
            if table is tables.resource_classes:
                delete = delete.where(
                    table.c.name.not_in(resource_class.STANDARD))
            elif table is tables.traits:
                delete = delete.where(table.c.name.not_in(trait.STANDARD))
            conn.execute(delete)
        resource_class.sync_standard_classes(conn)
        trait.sync_standard_traits(conn)
