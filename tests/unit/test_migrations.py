"""The migrations, on the backend the suite runs against: they build
exactly the schema the code uses, and take it down again."""

import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from placement_min import conf as placement_conf
from placement_min import deploy
from placement_min.storage import database
from placement_min.storage import migration
from placement_min.storage import resource_class
from placement_min.storage import tables
from placement_min.storage import trait
from tests import databases


def _table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_from_empty_then_downgrade_to_base(empty_db_url):
    engine = databases.engine_for(empty_db_url)
    try:
        assert _table_names(engine) == set()
        assert migration.current_version(engine) is None

        migration.sync(engine)
        assert migration.current_version(engine) == '0004'
        assert _table_names(engine) == set(tables.metadata.tables) | {
            'alembic_version'}
        with engine.connect() as conn:
            names = set(conn.execute(
                sa.select(tables.resource_classes.c.name)).scalars())
            traits = conn.execute(sa.select(tables.traits.c.name)).scalars()
            traits = list(traits)
        assert names == resource_class.STANDARD
        assert sorted(traits) == sorted(trait.STANDARD)
        assert 'HW_CPU_X86_AVX2' in traits
        assert 'MISC_SHARES_VIA_AGGREGATE' in traits

        migration.downgrade(engine)
        assert migration.current_version(engine) is None
        assert _table_names(engine) == {'alembic_version'}

        # Down and up again: the downgrade left nothing in the way.
        migration.sync(engine)
        assert migration.current_version(engine) == '0004'
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


def test_upgrade_from_0001_keeps_providers(empty_db_url):
    engine = databases.engine_for(empty_db_url)
    try:
        migration.sync(engine, '0001')
        now = database.utcnow()
        with engine.begin() as conn:
            conn.execute(tables.resource_providers.insert().values(
                uuid='6b9a8a3e-4bd0-4a39-9a4b-9d5f4a3d7c11', name='old',
                generation=3, created_at=now, updated_at=now))
        migration.sync(engine)
        assert migration.current_version(engine) == '0004'
        with engine.connect() as conn:
            assert conn.execute(sa.select(
                tables.resource_providers.c.generation)).scalar_one() == 3
            assert conn.execute(sa.select(sa.func.count()).select_from(
                tables.traits)).scalar_one() == len(trait.STANDARD)
    finally:
        engine.dispose()


def test_application_refuses_a_schema_not_synced(empty_db_url):
    """Code upgraded without ``db sync``: the application does not load,
    and says what to run; once synced, it loads."""
    engine = databases.engine_for(empty_db_url)
    conf = placement_conf.build_conf(args=[])
    conf.set_override('connection', empty_db_url, 'placement_database')
    try:
        for revision in (None, '0001'):
            if revision is not None:
                migration.sync(engine, revision)
            db = database.Database(engine)
            with pytest.raises(migration.SchemaNotCurrent) as raised:
                deploy.loadapp(conf, db)
            assert str(raised.value) == (
                f'The database schema is at revision {revision or "none"}; '
                f'this code needs revision {migration.head_version()}. Run '
                '"placement-min-manage db sync" first.')
        migration.sync(engine)
        deploy.loadapp(conf, database.Database(engine))
    finally:
        engine.dispose()


def test_application_refuses_a_schema_from_a_newer_release(db_url):
    """A revision this code has no migration for: db sync cannot help,
    and the message does not send the operator there."""
    engine = databases.engine_for(db_url)
    conf = placement_conf.build_conf(args=[])
    conf.set_override('connection', db_url, 'placement_database')
    version = sa.table('alembic_version', sa.column('version_num'))
    try:
        with engine.begin() as conn:
            conn.execute(version.update().values(version_num='9999'))
        with pytest.raises(migration.SchemaNotCurrent) as raised:
            deploy.loadapp(conf, database.Database(engine))
        assert str(raised.value) == (
            'The database schema is at revision 9999, which this code '
            'does not know (a newer release migrated it); this code needs '
            f'revision {migration.head_version()}.')
    finally:
        # On a server, the next tests share this database.
        with engine.begin() as conn:
            conn.execute(version.update().values(
                version_num=migration.head_version()))
        engine.dispose()


def test_trait_sync_adds_missing_and_keeps_the_rest(db_url):
    """A trait a newer os-traits dropped, and custom ones, stay; a
    standard one that went missing comes back, once."""
    engine = databases.engine_for(db_url)
    try:
        now = database.utcnow()
        with engine.begin() as conn:
            conn.execute(tables.traits.delete().where(
                tables.traits.c.name == 'HW_CPU_X86_AVX2'))
            conn.execute(tables.traits.insert(), [
                {'name': name, 'created_at': now, 'updated_at': now}
                for name in ('CUSTOM_KEPT', 'HW_NO_LONGER_STANDARD')])
        db = database.Database(engine)
        migration.ensure_standard_rows(db)
        migration.ensure_standard_rows(db)
        with engine.connect() as conn:
            names = list(conn.execute(
                sa.select(tables.traits.c.name)).scalars())
        assert sorted(names) == sorted(
            trait.STANDARD | {'CUSTOM_KEPT', 'HW_NO_LONGER_STANDARD'})
    finally:
        engine.dispose()


def test_standard_rows_sync_when_workers_race(db_url):
    """Four loaders that find the same rows missing at the same moment
    all succeed, and each row is added once."""
    engine = databases.engine_for(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(tables.traits.delete())
            conn.execute(tables.resource_classes.delete())
        db = database.Database(engine)
        barrier = threading.Barrier(4)
        failures = []

        def load():
            barrier.wait()
            try:
                migration.ensure_standard_rows(db)
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(repr(exc))

        loaders = [threading.Thread(target=load) for _ in range(4)]
        for loader in loaders:
            loader.start()
        for loader in loaders:
            loader.join(60)
        assert failures == []
        with engine.connect() as conn:
            traits = list(conn.execute(
                sa.select(tables.traits.c.name)).scalars())
        assert sorted(traits) == sorted(trait.STANDARD)
    finally:
        engine.dispose()
