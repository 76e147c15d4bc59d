"""The generation compare-and-set: of two writers that read the same
generation, exactly one commits and the other changes nothing."""

import threading
import types
import uuid

import pytest
import sqlalchemy as sa

from placement_min import errors
from placement_min.storage import aggregate
from placement_min.storage import database
from placement_min.storage import inventory
from placement_min.storage import resource_class
from placement_min.storage import resource_provider
from placement_min.storage import tables
from placement_min.storage import trait

RP = tables.resource_providers
INV = tables.inventories
FIELDS = {'total': 8, 'reserved': 0, 'min_unit': 1, 'max_unit': 8,
          'step_size': 1, 'allocation_ratio': 1.0}


@pytest.fixture
def rp(db) -> dict:
    [row] = resource_provider.create(db, str(uuid.uuid4()), 'rp').rows
    return {'uuid': row[0]}


@pytest.fixture
def other_db(conf):
    """A second Database on the same data, as another worker has."""
    other = database.Database.from_conf(conf)
    yield other
    other.engine.dispose()


def stored(db, rp) -> tuple[int, dict]:
    generation, inventories, _newest = inventory.list_for_provider(
        db, rp['uuid'])
    return generation, inventories


def provider_row(conn, rp):
    return conn.execute(sa.select(RP.c.id, RP.c.generation)
                        .where(RP.c.uuid == rp['uuid'])).one()


class TestBumpGeneration:

    def test_matching_generation_adds_one(self, db, rp):
        with db.write_engine.begin() as conn:
            row = provider_row(conn, rp)
            assert resource_provider.bump_generation(
                conn, row.id, row.generation, rp['uuid']) == 1
        assert stored(db, rp)[0] == 1

    def test_interleaved_writers_one_wins(self, db, other_db, rp):
        # Both read generation 0 before either writes.
        with db.engine.connect() as conn:
            first_read = provider_row(conn, rp)
        with other_db.engine.connect() as conn:
            second_read = provider_row(conn, rp)
        assert first_read.generation == second_read.generation == 0
        with db.write_engine.begin() as conn:
            rc_ids = resource_class.ids_for_names(conn, ['VCPU', 'DISK_GB'])
            conn.execute(INV.insert().values(
                resource_provider_id=first_read.id,
                resource_class_id=rc_ids['VCPU'],
                created_at=database.utcnow(), updated_at=database.utcnow(),
                **FIELDS))
            resource_provider.bump_generation(
                conn, first_read.id, first_read.generation, rp['uuid'])
        with pytest.raises(errors.ConcurrentUpdate) as raised:
            with other_db.write_engine.begin() as conn:
                conn.execute(INV.insert().values(
                    resource_provider_id=second_read.id,
                    resource_class_id=rc_ids['DISK_GB'],
                    created_at=database.utcnow(),
                    updated_at=database.utcnow(), **FIELDS))
                resource_provider.bump_generation(
                    conn, second_read.id, second_read.generation,
                    rp['uuid'])
        assert rp['uuid'] in raised.value.detail
        generation, inventories = stored(db, rp)
        assert generation == 1
        assert set(inventories) == {'VCPU'}


@pytest.mark.parametrize('write', ['replace_all', 'update_one', 'create_one',
                                   'delete_one'])
def test_write_that_read_a_stale_generation_rolls_back(db, rp, monkeypatch,
                                                       write):
    """The row a write read is one generation old, as when another writer
    committed between its read and its update: the compare-and-set finds
    no row, and the whole transaction is undone."""
    inventory.replace_all(db, rp['uuid'], 0, {'VCPU': FIELDS})
    before = stored(db, rp)
    real_one, real_provider = inventory._one, inventory._provider

    def stale(row):
        mapping = dict(row._mapping, generation=row.generation - 1)
        return types.SimpleNamespace(_mapping=mapping, **mapping)

    monkeypatch.setattr(inventory, '_one',
                        lambda conn, uuid, rc: stale(real_one(conn, uuid,
                                                              rc)))
    monkeypatch.setattr(inventory, '_provider',
                        lambda conn, uuid: stale(real_provider(conn, uuid)))
    compare_and_set_calls = []

    def bump_generation(*args):
        compare_and_set_calls.append(args)
        return resource_provider.bump_generation(*args)
    monkeypatch.setattr(inventory, 'bump_generation', bump_generation)
    changed = dict(FIELDS, total=16)
    calls = {
        'replace_all': lambda: inventory.replace_all(
            db, rp['uuid'], 0, {'VCPU': changed, 'DISK_GB': FIELDS}),
        'update_one': lambda: inventory.update_one(
            db, rp['uuid'], 'VCPU', 0, changed),
        'create_one': lambda: inventory.create_one(
            db, rp['uuid'], 'DISK_GB', FIELDS),
        'delete_one': lambda: inventory.delete_one(db, rp['uuid'], 'VCPU'),
    }
    with pytest.raises(errors.ConcurrentUpdate):
        calls[write]()
    assert len(compare_and_set_calls) == 1
    monkeypatch.undo()
    assert stored(db, rp) == before


def race(dbs, write) -> list:
    """Run ``write(db, index)`` at once in one thread per database; each
    thread's result or exception, in order."""
    barrier = threading.Barrier(len(dbs))
    outcomes = [None] * len(dbs)

    def run(index):
        barrier.wait()
        try:
            outcomes[index] = write(dbs[index], index)
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            outcomes[index] = exc
    threads = [threading.Thread(target=run, args=(i,))
               for i in range(len(dbs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.mark.parametrize('round_', range(3))
def test_threads_with_the_same_generation_one_commits(db, other_db, rp,
                                                      round_):
    classes = ['VCPU', 'DISK_GB']

    def write(on_db, index):
        return inventory.replace_all(on_db, rp['uuid'], 0,
                                     {classes[index]: FIELDS})
    outcomes = race([db, other_db], write)
    winners = [i for i, outcome in enumerate(outcomes) if outcome == 1]
    losers = [outcome for outcome in outcomes
              if isinstance(outcome, errors.ConcurrentUpdate)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    generation, inventories = stored(db, rp)
    assert generation == 1
    assert set(inventories) == {classes[winners[0]]}


def test_threads_updating_one_inventory_one_commits(db, other_db, rp):
    inventory.replace_all(db, rp['uuid'], 0, {'VCPU': FIELDS})
    totals = [16, 32]

    def write(on_db, index):
        return inventory.update_one(on_db, rp['uuid'], 'VCPU', 1,
                                    dict(FIELDS, total=totals[index]))
    outcomes = race([db, other_db], write)
    [winner] = [i for i, outcome in enumerate(outcomes) if outcome == 2]
    assert isinstance(outcomes[1 - winner], errors.ConcurrentUpdate)
    generation, inventories = stored(db, rp)
    assert generation == 2
    assert inventories['VCPU']['total'] == totals[winner]


def test_many_writers_generation_counts_every_commit(db, conf, rp):
    """Writers that each retry on conflict: every commit adds exactly 1."""
    dbs = [db] + [database.Database.from_conf(conf) for _ in range(3)]
    rounds = 3

    def write(on_db, index):
        committed = 0
        while committed < rounds:
            generation, _inventories = stored(on_db, rp)
            try:
                inventory.replace_all(on_db, rp['uuid'], generation, {
                    'VCPU': dict(FIELDS, total=index + 1)})
            except errors.ConcurrentUpdate:
                continue
            committed += 1
        return committed
    try:
        outcomes = race(dbs, write)
    finally:
        for extra in dbs[1:]:
            extra.engine.dispose()
    assert outcomes == [rounds] * len(dbs)
    assert stored(db, rp)[0] == rounds * len(dbs)


@pytest.mark.parametrize('write', ['set_traits', 'delete_traits',
                                   'set_aggregates'])
def test_trait_and_aggregate_writes_that_read_a_stale_generation_roll_back(
        db, rp, monkeypatch, write):
    """As for inventories: a write whose read is one generation old
    (another writer committed in between) is refused by the
    compare-and-set, 409, and changes nothing (README: Placement answers
    500 on such a lost race for traits)."""
    trait.set_for_provider(db, rp['uuid'], ['HW_CPU_X86_AVX2'], 0)
    aggregate.set_for_provider(db, rp['uuid'], [str(uuid.uuid4())], 1)
    before = (trait.list_for_provider(db, rp['uuid'])[:2],
              aggregate.list_for_provider(db, rp['uuid']))
    real_traits = trait._provider_traits
    real_aggregates = aggregate._provider_aggregates

    def stale_traits(conn, uuid):
        rp_id, generation, current = real_traits(conn, uuid)
        return rp_id, generation - 1, current

    def stale_aggregates(conn, uuid):
        rp_id, generation, current = real_aggregates(conn, uuid)
        return rp_id, generation - 1, current

    monkeypatch.setattr(trait, '_provider_traits', stale_traits)
    monkeypatch.setattr(aggregate, '_provider_aggregates', stale_aggregates)
    calls = {
        'set_traits': lambda: trait.set_for_provider(
            db, rp['uuid'], ['HW_CPU_X86_SSE'], 1),
        'delete_traits': lambda: trait.delete_for_provider(db, rp['uuid']),
        'set_aggregates': lambda: aggregate.set_for_provider(
            db, rp['uuid'], [str(uuid.uuid4())], 1),
    }
    with pytest.raises(errors.ConcurrentUpdate):
        calls[write]()
    monkeypatch.undo()
    assert (trait.list_for_provider(db, rp['uuid'])[:2],
            aggregate.list_for_provider(db, rp['uuid'])) == before


@pytest.mark.parametrize('kind', ['traits', 'aggregates'])
def test_threads_setting_traits_or_aggregates_one_commits(db, other_db, rp,
                                                          kind):
    values = {'traits': [['HW_CPU_X86_AVX2'], ['HW_CPU_X86_SSE']],
              'aggregates': [[str(uuid.uuid4())], [str(uuid.uuid4())]]}[kind]
    storage = trait if kind == 'traits' else aggregate

    def write(on_db, index):
        return storage.set_for_provider(on_db, rp['uuid'], values[index], 0)
    outcomes = race([db, other_db], write)
    errors_seen = [o for o in outcomes
                   if isinstance(o, errors.ConcurrentUpdate)]
    assert len(errors_seen) == 1, outcomes
    [winner] = [i for i, o in enumerate(outcomes)
                if not isinstance(o, Exception)]
    shown = storage.list_for_provider(db, rp['uuid'])
    assert shown[0] == 1
    assert shown[1] == values[winner]
