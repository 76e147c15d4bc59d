"""The migrations, on the backend the suite runs against: they build
exactly the schema the code uses, and take it down again."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from placement_min.storage import migration
from placement_min.storage import resource_class
from placement_min.storage import tables
from tests import databases


def _table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_from_empty_then_downgrade_to_base(empty_db_url):
    engine = databases.engine_for(empty_db_url)
    try:
        assert _table_names(engine) == set()
        assert migration.current_version(engine) is None

        migration.sync(engine)
        assert migration.current_version(engine) == '0001'
        assert _table_names(engine) == set(tables.metadata.tables) | {
            'alembic_version'}
        with engine.connect() as conn:
            names = set(conn.execute(
                sa.select(tables.resource_classes.c.name)).scalars())
        assert names == resource_class.STANDARD

        migration.downgrade(engine)
        assert migration.current_version(engine) is None
        assert _table_names(engine) == {'alembic_version'}

        # Down and up again: the downgrade left nothing in the way.
        migration.sync(engine)
        assert migration.current_version(engine) == '0001'
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_tables(empty_db_url):
    engine = databases.engine_for(empty_db_url)
    try:
        migration.sync(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={'compare_type': True,
                            'compare_server_default': True})
            drift = compare_metadata(context, tables.metadata)
        assert drift == []
    finally:
        engine.dispose()
