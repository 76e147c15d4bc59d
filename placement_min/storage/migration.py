"""Schema migrations (alembic) and the data every database must hold."""

import functools
import os

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from placement_min.storage import resource_class
from placement_min.storage import trait
from placement_min.storage.database import reader
from placement_min.storage.database import writer

MIGRATIONS = os.path.join(os.path.dirname(__file__), 'migrations')


def _config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option('script_location', MIGRATIONS)
    config.attributes['connection'] = connection
    return config


def sync(engine: sa.Engine, revision: str = 'head') -> None:
    """Upgrade to ``revision`` and add any missing standard rows."""
    with engine.execution_options(placement_write=True).begin() as conn:
        command.upgrade(_config(conn), revision)
        if revision == 'head':
            _sync_standard_rows(conn)


def _sync_standard_rows(conn: sa.Connection) -> None:
    resource_class.sync_standard_classes(conn)
    trait.sync_standard_traits(conn)


class SchemaNotCurrent(Exception):
    """The database's schema is not the one this code's statements are
    written for."""


@functools.cache
def head_version() -> str:
    """The revision the newest migration creates."""
    head = ScriptDirectory(MIGRATIONS).get_current_head()
    assert head is not None
    return head


@functools.cache
def _known_versions() -> frozenset[str]:
    return frozenset(script.revision for script
                     in ScriptDirectory(MIGRATIONS).walk_revisions())


@reader
def check_current(conn: sa.Connection) -> None:
    """Refuse a database that ``db sync`` has not brought to this code's
    schema. NOTE: checked when the application loads, so that an upgrade
    without ``db sync`` stops at the start with what to do, instead of
    failing requests one by one where a statement needs a table or an
    index the database lacks."""
    found = MigrationContext.configure(conn).get_current_revision()
    if found == head_version():
        return
    if found is not None and found not in _known_versions():
        # NOTE: db sync cannot help here: a newer release wrote it.
        raise SchemaNotCurrent(
            f'The database schema is at revision {found}, which this code '
            f'does not know (a newer release migrated it); this code needs '
            f'revision {head_version()}.')
    raise SchemaNotCurrent(
        f'The database schema is at revision {found or "none"}; this code '
        f'needs revision {head_version()}. Run "placement-min-manage db '
        f'sync" first.')


@writer
def ensure_standard_rows(conn: sa.Connection) -> None:
    """Add the standard classes and traits a newer os-resource-classes
    or os-traits brought; safe when workers run it at the same moment."""
    _sync_standard_rows(conn)


def downgrade(engine: sa.Engine, revision: str = 'base') -> None:
    with engine.begin() as conn:
        command.downgrade(_config(conn), revision)


def current_version(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
