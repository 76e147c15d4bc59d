"""Allocations: what each consumer uses of the providers' inventory.

A write names one consumer (PUT), several (POST /allocations), or
several with new inventories (``storage.reshaper``), and replaces their
allocations in one transaction. It reads the consumers with their
current allocations, the providers it touches, the classes, and the
inventories with what every other consumer uses of them; checks every
amount; then bumps every touched provider's generation with
``bump_generation``'s compare-and-set and writes the rows. Of two
writers racing for the last unit, one finds the generation changed.

Each step is one statement whatever the number of consumers and
classes (rows go in and out by the set); only the compare-and-set is
one statement per provider, so that the conflict names the provider.
"""

import datetime
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, NamedTuple

import sqlalchemy as sa

from placement_min import errors
from placement_min.storage import provider_rows
from placement_min.storage import tables
from placement_min.storage.database import Database
from placement_min.storage.database import Retry
from placement_min.storage.database import Row
from placement_min.storage.database import reader
from placement_min.storage.database import utcnow
from placement_min.storage.inventory import FIELDS
from placement_min.storage.inventory import capacity
from placement_min.storage.resource_class import ids_for_names
from placement_min.storage.resource_provider import bump_generation

RP = tables.resource_providers
RC = tables.resource_classes
INV = tables.inventories
ALLOC = tables.allocations
CONSUMER = tables.consumers

# NOTE: requests below microversion 1.8 do not name the consumer's
# project and user. A consumer they create is recorded with this
# placeholder for both, the value Placement uses by default for such
# "incomplete" consumers; a later request at 1.8+ replaces it.
INCOMPLETE_CONSUMER_ID = '00000000-0000-0000-0000-000000000000'

# {provider uuid: {class: amount}}
Allocations = dict[str, dict[str, int]]
# (provider id, class id)
Key = tuple[int, int]
# An inventory's fields by name (a row's mapping, or fields to write).
Inventory = Mapping[Any, Any]

# The consumers a write names, with what they hold now (no allocation
# columns for one that holds nothing).
_SELECT_CONSUMERS = sa.select(
    CONSUMER.c.id, CONSUMER.c.uuid, CONSUMER.c.generation,
    ALLOC.c.resource_provider_id, ALLOC.c.resource_class_id, ALLOC.c.used,
).select_from(
    CONSUMER.outerjoin(ALLOC, ALLOC.c.consumer_id == CONSUMER.c.id)
).where(CONSUMER.c.uuid.in_(sa.bindparam('uuids', expanding=True)))

# Every consumer row has allocations (one that loses its last is
# deleted), so inner joins find them all.
_SELECT_FOR_CONSUMER = sa.select(
    CONSUMER.c.project_id, CONSUMER.c.user_id, CONSUMER.c.consumer_type,
    CONSUMER.c.generation.label('consumer_generation'),
    CONSUMER.c.updated_at.label('consumer_updated_at'),
    RP.c.uuid, RP.c.generation, RC.c.name, ALLOC.c.used, ALLOC.c.updated_at,
).select_from(
    CONSUMER.join(ALLOC, ALLOC.c.consumer_id == CONSUMER.c.id)
            .join(RP, RP.c.id == ALLOC.c.resource_provider_id)
            .join(RC, RC.c.id == ALLOC.c.resource_class_id)
).where(CONSUMER.c.uuid == sa.bindparam('uuid'))

_SELECT_FOR_PROVIDER = sa.select(
    RP.c.generation, RP.c.updated_at.label('rp_updated_at'),
    CONSUMER.c.uuid.label('consumer_uuid'), RC.c.name, ALLOC.c.used,
    ALLOC.c.updated_at,
).select_from(
    RP.outerjoin(ALLOC, ALLOC.c.resource_provider_id == RP.c.id)
      .outerjoin(CONSUMER, CONSUMER.c.id == ALLOC.c.consumer_id)
      .outerjoin(RC, RC.c.id == ALLOC.c.resource_class_id)
).where(RP.c.uuid == sa.bindparam('uuid'))


def _expanding(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name, expanding=True)


# NOTE: every statement of a write is built once, with expanding bind
# parameters for its lists: building a statement costs more than
# executing it.
_SELECT_PROVIDERS = sa.select(RP.c.id, RP.c.uuid, RP.c.generation).where(
    sa.or_(RP.c.uuid.in_(_expanding('uuids')),
           RP.c.id.in_(_expanding('ids'))))

# What the consumers a write does not name use of each inventory.
_USED_BY_OTHERS = sa.select(
    sa.func.coalesce(sa.func.sum(ALLOC.c.used), 0),
).where(ALLOC.c.resource_provider_id == INV.c.resource_provider_id,
        ALLOC.c.resource_class_id == INV.c.resource_class_id,
        ALLOC.c.consumer_id.not_in(_expanding('written'))).scalar_subquery()

_SELECT_INVENTORIES = sa.select(
    INV.c.id, INV.c.resource_provider_id, INV.c.resource_class_id,
    RC.c.name, *(INV.c[f] for f in FIELDS), _USED_BY_OTHERS.label('used'),
).select_from(
    INV.join(RC, RC.c.id == INV.c.resource_class_id)
).where(sa.or_(
    sa.and_(INV.c.resource_provider_id.in_(_expanding('target_rps')),
            INV.c.resource_class_id.in_(_expanding('target_rcs'))),
    INV.c.resource_provider_id.in_(_expanding('whole'))))

_DELETE_ALLOCATIONS = ALLOC.delete().where(
    ALLOC.c.consumer_id.in_(_expanding('consumer_ids')))

_INSERT_ALLOCATIONS = ALLOC.insert()


def _keep_unless_given(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """The column's new value, or its stored one when none is given."""
    return sa.func.coalesce(
        sa.bindparam('new_' + column.name, type_=sa.String), column)


# The consumers' own compare-and-set, one executemany for all of them.
_UPDATE_CONSUMER = CONSUMER.update().where(
    CONSUMER.c.id == sa.bindparam('consumer_id'),
    CONSUMER.c.generation == sa.bindparam('expected'),
).values(
    generation=sa.bindparam('next_generation'),
    updated_at=sa.bindparam('now'),
    project_id=_keep_unless_given(CONSUMER.c.project_id),
    user_id=_keep_unless_given(CONSUMER.c.user_id),
    consumer_type=_keep_unless_given(CONSUMER.c.consumer_type),
)

_DELETE_CONSUMER = CONSUMER.delete().where(
    CONSUMER.c.id == sa.bindparam('consumer_id'),
    CONSUMER.c.generation == sa.bindparam('expected'))

_INSERT_CONSUMERS = CONSUMER.insert().returning(CONSUMER.c.id,
                                                CONSUMER.c.uuid)


class ConsumerWrite(NamedTuple):
    """What a write says about one consumer besides its allocations.

    None leaves project, user and type as stored (new consumers get the
    placeholder owner and no type). ``generation`` is compared only when
    ``check_generation`` is set (1.28+), where None means "new".
    """

    uuid: str
    project_id: str | None = None
    user_id: str | None = None
    consumer_type: str | None = None
    check_generation: bool = False
    generation: int | None = None


# A consumer and the allocations it is to have ({}: none).
Write = tuple[ConsumerWrite, Allocations]


class Stored(NamedTuple):
    """The consumers a write names, as stored: their rows by uuid and
    the allocation rows they hold."""

    consumers: dict[str, Row]
    allocations: list[Row]

    def held(self) -> dict[Key, int]:
        """What these consumers use now, by provider and class."""
        held: dict[Key, int] = {}
        for row in self.allocations:
            key = (row.resource_provider_id, row.resource_class_id)
            held[key] = held.get(key, 0) + row.used
        return held


def read_consumers(conn: sa.Connection, uuids: Iterable[str]) -> Stored:
    consumers: dict[str, Row] = {}
    allocations: list[Row] = []
    for row in conn.execute(_SELECT_CONSUMERS, {'uuids': sorted(uuids)}):
        consumers.setdefault(row.uuid, row)
        if row.resource_provider_id is not None:
            allocations.append(row)
    return Stored(consumers, allocations)


def _shown(generation: int | None) -> str:
    return 'null' if generation is None else str(generation)


def check_consumer_generations(writes: list[Write], stored: Stored) -> None:
    for consumer, _allocations in writes:
        if not consumer.check_generation:
            continue
        row = stored.consumers.get(consumer.uuid)
        actual = None if row is None else row.generation
        if actual != consumer.generation:
            raise errors.ConsumerGenerationConflict(
                uuid=consumer.uuid, expected=_shown(consumer.generation),
                actual=_shown(actual))


def named_providers(writes: list[Write]) -> set[str]:
    return {rp_uuid for _consumer, allocations in writes
            for rp_uuid in allocations}


def read_providers(conn: sa.Connection, uuids: Iterable[str],
                   stored: Stored) -> dict[str, Row]:
    """{uuid: (id, uuid, generation)} of the named providers and those
    the consumers' current allocations are on, in one statement."""
    rows = conn.execute(_SELECT_PROVIDERS, {
        'uuids': sorted(uuids),
        'ids': sorted({row.resource_provider_id
                       for row in stored.allocations})}).all()
    return {row.uuid: row for row in rows}


def class_names(writes: list[Write]) -> set[str]:
    return {rc for _consumer, allocations in writes
            for resources in allocations.values() for rc in resources}


def read_inventories(conn: sa.Connection, targets: set[Key],
                     whole: set[int], stored: Stored) -> dict[Key, Row]:
    """{(provider id, class id): inventory row}, with the class ``name``
    and ``used``: what the consumers the write does not name use of it.

    ``targets`` are the inventories allocations go to; ``whole`` the
    providers whose every inventory is read.
    """
    if not targets and not whole:
        return {}
    rows = conn.execute(_SELECT_INVENTORIES, {
        'target_rps': sorted({key[0] for key in targets}),
        'target_rcs': sorted({key[1] for key in targets}),
        'whole': sorted(whole),
        'written': sorted(row.id for row in stored.consumers.values()),
    }).all()
    return {(row.resource_provider_id, row.resource_class_id): row
            for row in rows}


def new_totals(writes: list[Write], providers: dict[str, Row],
               class_ids: dict[str, int]) -> dict[Key, int]:
    """What the written consumers are to use, by provider and class."""
    totals: dict[Key, int] = {}
    for _consumer, allocations in writes:
        for rp_uuid, resources in allocations.items():
            for rc, amount in resources.items():
                key = (providers[rp_uuid].id, class_ids[rc])
                totals[key] = totals.get(key, 0) + amount
    return totals


def _unit_refusal(inventory: Inventory, amount: int) -> str | None:
    """Why one amount breaks the inventory's unit rules, or None."""
    if amount < inventory['min_unit']:
        return f'the amount is below min_unit {inventory["min_unit"]}.'
    if amount > inventory['max_unit']:
        return f'the amount is above max_unit {inventory["max_unit"]}.'
    if amount % inventory['step_size']:
        return (f'the amount is not a multiple of step_size '
                f'{inventory["step_size"]}.')
    return None


def check_allocations(writes: list[Write], providers: dict[str, Row],
                      class_ids: dict[str, int],
                      inventory_of: Callable[[Key], Inventory | None],
                      others: dict[Key, int], held: dict[Key, int]) -> None:
    """Each amount against the unit rules, then each inventory's new
    usage against its capacity.

    A usage over capacity is allowed when it does not grow: an
    inventory shrunk below what is allocated must not block the writes
    (moves, resizes down) that take from it.
    """
    totals = new_totals(writes, providers, class_ids)
    for _consumer, allocations in writes:
        for rp_uuid in sorted(allocations):
            for rc, amount in sorted(allocations[rp_uuid].items()):
                inventory = inventory_of((providers[rp_uuid].id,
                                          class_ids[rc]))
                if inventory is None:
                    raise errors.AllocationTargetMissing(
                        uuid=rp_uuid, resource_class=rc)
                reason = _unit_refusal(inventory, amount)
                if reason is not None:
                    raise errors.AllocationConflict(
                        uuid=rp_uuid, resource_class=rc, amount=amount,
                        reason=reason)
    uuids = {rp.id: rp.uuid for rp in providers.values()}
    names = {rc_id: rc for rc, rc_id in class_ids.items()}
    for key in sorted(totals):
        amount = totals[key]
        used = others.get(key, 0)
        # Amounts are integers, so the usable capacity is its floor.
        inventory = inventory_of(key)
        assert inventory is not None  # every target was checked above
        usable = math.floor(capacity(inventory))
        if used + amount > usable and amount > held.get(key, 0):
            raise errors.AllocationConflict(
                uuid=uuids[key[0]], resource_class=names[key[1]],
                amount=amount,
                reason=f'{used} of its capacity {usable} is already used '
                       'by other consumers.')


def bump_all(conn: sa.Connection, providers: Iterable[Row]) -> None:
    """Bump every touched provider once, in id order so that writers
    take the row locks in the same order and cannot deadlock on them."""
    for rp in sorted(providers, key=lambda rp: rp.id):
        bump_generation(conn, rp.id, rp.generation, rp.uuid)


def _lost_race(rows: Iterable[Row]) -> errors.ConsumerGenerationConflict:
    return errors.ConsumerGenerationConflict(
        uuid=', '.join(row.uuid for row in rows),
        expected=', '.join(str(row.generation) for row in rows),
        actual='a newer one')


def _insert_consumers(conn: sa.Connection,
                      consumers: list[ConsumerWrite],
                      now: datetime.datetime) -> dict[str, int]:
    """{uuid: id} of the new consumers, created in one statement."""
    try:
        rows = conn.execute(_INSERT_CONSUMERS, [{
            'uuid': consumer.uuid,
            'project_id': consumer.project_id or INCOMPLETE_CONSUMER_ID,
            'user_id': consumer.user_id or INCOMPLETE_CONSUMER_ID,
            'consumer_type': consumer.consumer_type,
            # Created at 0, then moved on by this write, as Placement.
            'generation': 1, 'created_at': now, 'updated_at': now,
        } for consumer in consumers]).all()
    except sa.exc.IntegrityError:
        # Another request created one of them at the same moment.
        raise errors.ConsumerGenerationConflict(
            uuid=', '.join(consumer.uuid for consumer in consumers),
            expected=_shown(None), actual='a newer one') from None
    return {row.uuid: row.id for row in rows}


def _update_consumers(conn: sa.Connection,
                      pairs: list[tuple[ConsumerWrite, Row]],
                      now: datetime.datetime) -> None:
    """Move each consumer's generation on (and its owner and type when
    given), if no other request did since it was read."""
    result = conn.execute(_UPDATE_CONSUMER, [{
        'consumer_id': row.id, 'expected': row.generation,
        'next_generation': row.generation + 1, 'now': now,
        'new_project_id': consumer.project_id,
        'new_user_id': consumer.user_id,
        'new_consumer_type': consumer.consumer_type,
    } for consumer, row in pairs])
    if result.rowcount != len(pairs):
        raise _lost_race([row for _consumer, row in pairs])


def _delete_consumers(conn: sa.Connection, rows: list[Row]) -> None:
    """Delete consumers left without allocations, if unchanged."""
    result = conn.execute(_DELETE_CONSUMER, [
        {'consumer_id': row.id, 'expected': row.generation} for row in rows])
    if result.rowcount != len(rows):
        raise _lost_race(rows)


def save(conn: sa.Connection, writes: list[Write], stored: Stored,
         providers: dict[str, Row], class_ids: dict[str, int]) -> None:
    """Replace the consumers' allocations with the written ones."""
    if stored.allocations:
        conn.execute(_DELETE_ALLOCATIONS, {'consumer_ids': sorted(
            row.id for row in stored.consumers.values())})
    new: list[ConsumerWrite] = []
    kept: list[tuple[ConsumerWrite, Row]] = []
    emptied: list[Row] = []
    for consumer, allocations in writes:
        row = stored.consumers.get(consumer.uuid)
        if row is None:
            if allocations:
                new.append(consumer)
        elif allocations:
            kept.append((consumer, row))
        else:
            emptied.append(row)
    now = utcnow()
    consumer_ids = {row.uuid: row.id for _consumer, row in kept}
    if new:
        consumer_ids.update(_insert_consumers(conn, new, now))
    if kept:
        _update_consumers(conn, kept, now)
    if emptied:
        _delete_consumers(conn, emptied)
    rows = [{'resource_provider_id': providers[rp_uuid].id,
             'consumer_id': consumer_ids[consumer.uuid],
             'resource_class_id': class_ids[rc], 'used': amount,
             'created_at': now, 'updated_at': now}
            for consumer, allocations in writes
            for rp_uuid, resources in allocations.items()
            for rc, amount in resources.items()]
    if rows:
        conn.execute(_INSERT_ALLOCATIONS, rows)


def touched(providers: dict[str, Row], writes: list[Write], stored: Stored,
            also: Collection[str] = ()) -> list[Row]:
    """The providers a write changes: those it allocates from, those
    the consumers leave, and ``also`` (uuids)."""
    uuids = named_providers(writes) | set(also)
    held_on = {row.resource_provider_id for row in stored.allocations}
    return [rp for rp in providers.values()
            if rp.uuid in uuids or rp.id in held_on]


def fields(row: Row | None) -> Inventory | None:
    """An inventory row's fields, as ``check_allocations`` reads them."""
    return None if row is None else row._mapping


def _replace(conn: sa.Connection, writes: list[Write]) -> None:
    stored = read_consumers(conn, [consumer.uuid for consumer, _ in writes])
    check_consumer_generations(writes, stored)
    named = named_providers(writes)
    providers = read_providers(conn, named, stored)
    missing = sorted(named - providers.keys())
    if missing:
        raise errors.AllocationProviderNotFound(uuid=', '.join(missing))
    class_ids = ids_for_names(conn, class_names(writes))
    totals = new_totals(writes, providers, class_ids)
    inventories = read_inventories(conn, set(totals), set(), stored)
    check_allocations(writes, providers, class_ids,
                      lambda key: fields(inventories.get(key)),
                      {key: row.used for key, row in inventories.items()},
                      stored.held())
    # NOTE: the generations are bumped before any row is written, so the
    # provider row locks are the first this transaction takes.
    bump_all(conn, touched(providers, writes, stored))
    save(conn, writes, stored, providers, class_ids)


def _delete(conn: sa.Connection, uuid: str) -> None:
    stored = read_consumers(conn, [uuid])
    if uuid not in stored.consumers:
        raise errors.ConsumerNotFound(uuid=uuid)
    writes: list[Write] = [(ConsumerWrite(uuid), {})]
    providers = read_providers(conn, set(), stored)
    bump_all(conn, touched(providers, writes, stored))
    save(conn, writes, stored, providers, {})


def retry(db: Database, writes: list[Write]) -> Retry:
    """The one retry rule of allocation writes: ``[placement]
    allocation_conflict_retry_count`` tries, run again when a provider
    changed under them (clients send no provider generations with
    allocations) or, unless every consumer's generation was sent, when
    a consumer did."""
    races: tuple[type[Exception], ...] = (errors.ConcurrentUpdate,)
    if not all(consumer.check_generation for consumer, _ in writes):
        races += (errors.ConsumerGenerationConflict,)
    return Retry(db.allocation_tries, races)


def replace_for_consumers(db: Database, writes: list[Write]) -> None:
    """Make each consumer's allocations exactly the ones given, all or
    nothing; a consumer left with none is removed."""
    db.run_tries(retry(db, writes), _replace, True, writes)


def delete_for_consumer(db: Database, uuid: str) -> None:
    """Remove all of the consumer's allocations, and the consumer."""
    writes: list[Write] = [(ConsumerWrite(uuid), {})]
    db.run_tries(retry(db, writes), _delete, True, uuid)


@reader
def get_for_consumer(conn: sa.Connection,
                     uuid: str) -> dict[str, Any] | None:
    """The consumer and its allocations by provider; None if unknown."""
    rows = conn.execute(_SELECT_FOR_CONSUMER, {'uuid': uuid}).all()
    if not rows:
        return None
    first = rows[0]
    allocations: dict[str, dict[str, Any]] = {}
    newest = first.consumer_updated_at
    for row in rows:
        target = allocations.setdefault(
            row.uuid, {'generation': row.generation, 'resources': {}})
        target['resources'][row.name] = row.used
        newest = max(newest, row.updated_at)
    return {'allocations': allocations, 'project_id': first.project_id,
            'user_id': first.user_id, 'consumer_type': first.consumer_type,
            'generation': first.consumer_generation, 'updated_at': newest}


@reader
def list_for_provider(conn: sa.Connection, uuid: str) -> provider_rows.Folded:
    """(generation, {consumer: {class: used}}, newest timestamp)."""
    rows = conn.execute(_SELECT_FOR_PROVIDER, {'uuid': uuid}).all()
    return provider_rows.fold(rows, uuid, ('consumer_uuid', 'name'),
                              _used)


def _used(row: Row) -> int:
    used: int = row.used
    return used
