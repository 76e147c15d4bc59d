"""Schema migrations (alembic) and the data every database must hold."""

import os

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from placement_min.storage import resource_class
from placement_min.storage import trait
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
