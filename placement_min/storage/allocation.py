"""Allocations: what each consumer uses of the providers' inventory.

A write reads the consumer, every provider it touches with its
inventory and the usage of all other consumers, checks each amount,
then bumps every touched provider's generation with ``bump_generation``'s
compare-and-set and replaces the rows, all in one transaction: of two
writers racing for the last unit, one finds the generation changed.
"""

import datetime
import math
from collections.abc import Callable, Collection, Iterable
from typing import Any, NamedTuple

import sqlalchemy as sa

from placement_min import errors
from placement_min.storage import provider_rows
from placement_min.storage import tables
from placement_min.storage.database import Database
from placement_min.storage.database import Row
from placement_min.storage.database import inserted_id
from placement_min.storage.database import reader
from placement_min.storage.database import utcnow
from placement_min.storage.database import writer
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

# How often a write that lost a race it was not asked to detect is run
# again, re-reading and re-checking everything, before it gives up (409).
_CONFLICT_ATTEMPTS = 10

_SELECT_CONSUMER = sa.select(
    CONSUMER.c.id, CONSUMER.c.generation, CONSUMER.c.project_id,
    CONSUMER.c.user_id, CONSUMER.c.consumer_type,
).where(CONSUMER.c.uuid == sa.bindparam('uuid'))

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


class ConsumerWrite(NamedTuple):
    """What a PUT says about its consumer.

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


def _check_consumer_generation(row: Row | None,
                               consumer: ConsumerWrite) -> None:
    if not consumer.check_generation:
        return
    actual = None if row is None else row.generation
    if actual != consumer.generation:
        raise errors.ConsumerGenerationConflict(
            uuid=consumer.uuid, expected=_shown(consumer.generation),
            actual=_shown(actual))


def _shown(generation: int | None) -> str:
    return 'null' if generation is None else str(generation)


def _touched_providers(conn: sa.Connection, uuids: Collection[str],
                       consumer_id: int | None) -> dict[str, Row]:
    """{uuid: (id, uuid, generation)} of the named providers and those
    the consumer's current allocations are on, in one statement."""
    clause: sa.ColumnElement[bool] = RP.c.uuid.in_(uuids)
    if consumer_id is not None:
        clause = sa.or_(clause, RP.c.id.in_(
            sa.select(ALLOC.c.resource_provider_id)
            .where(ALLOC.c.consumer_id == consumer_id)))
    rows = conn.execute(sa.select(RP.c.id, RP.c.uuid, RP.c.generation)
                        .where(clause)).all()
    found = {row.uuid: row for row in rows}
    missing = sorted(set(uuids) - found.keys())
    if missing:
        raise errors.AllocationProviderNotFound(uuid=', '.join(missing))
    return found


def _inventories(conn: sa.Connection, rp_ids: Iterable[int],
                 class_ids: Iterable[int],
                 consumer_id: int | None) -> dict[tuple[int, int], Row]:
    """{(rp id, class id): inventory row with ``used`` by the others}."""
    others = [ALLOC.c.resource_provider_id == INV.c.resource_provider_id,
              ALLOC.c.resource_class_id == INV.c.resource_class_id]
    if consumer_id is not None:
        others.append(ALLOC.c.consumer_id != consumer_id)
    used = (sa.select(sa.func.coalesce(sa.func.sum(ALLOC.c.used), 0))
            .where(*others).scalar_subquery())
    rows = conn.execute(sa.select(
        INV.c.resource_provider_id, INV.c.resource_class_id, INV.c.total,
        INV.c.reserved, INV.c.min_unit, INV.c.max_unit, INV.c.step_size,
        INV.c.allocation_ratio, used.label('used'),
    ).where(INV.c.resource_provider_id.in_(rp_ids),
            INV.c.resource_class_id.in_(class_ids))).all()
    return {(row.resource_provider_id, row.resource_class_id): row
            for row in rows}


def _refusal(inventory: Row, amount: int) -> str | None:
    """Why ``amount`` cannot be allocated from ``inventory``, or None."""
    if amount < inventory.min_unit:
        return f'the amount is below min_unit {inventory.min_unit}.'
    if amount > inventory.max_unit:
        return f'the amount is above max_unit {inventory.max_unit}.'
    if amount % inventory.step_size:
        return (f'the amount is not a multiple of step_size '
                f'{inventory.step_size}.')
    # Amounts are integers, so the usable capacity is its floor.
    usable = math.floor(capacity(inventory._mapping))
    if inventory.used + amount > usable:
        return (f'{inventory.used} of its capacity {usable} is already '
                'used by other consumers.')
    return None


def _check_amounts(allocations: dict[str, dict[str, int]],
                   providers: dict[str, Row], class_ids: dict[str, int],
                   inventories: dict[tuple[int, int], Row]) -> None:
    for rp_uuid in sorted(allocations):
        rp_id = providers[rp_uuid].id
        for rc, amount in sorted(allocations[rp_uuid].items()):
            inventory = inventories.get((rp_id, class_ids[rc]))
            if inventory is None:
                raise errors.AllocationTargetMissing(uuid=rp_uuid,
                                                     resource_class=rc)
            reason = _refusal(inventory, amount)
            if reason is not None:
                raise errors.AllocationConflict(
                    uuid=rp_uuid, resource_class=rc, amount=amount,
                    reason=reason)


def _bump_all(conn: sa.Connection, providers: dict[str, Row]) -> None:
    """Bump every touched provider, in id order so that writers take the
    row locks in the same order and cannot deadlock on them."""
    for rp in sorted(providers.values(), key=lambda rp: rp.id):
        bump_generation(conn, rp.id, rp.generation, rp.uuid)


def _delete_consumer(conn: sa.Connection, uuid: str, row: Row) -> None:
    """Delete the consumer (its allocations are gone) if unchanged."""
    result = conn.execute(CONSUMER.delete().where(
        CONSUMER.c.id == row.id, CONSUMER.c.generation == row.generation))
    if result.rowcount != 1:
        raise errors.ConsumerGenerationConflict(
            uuid=uuid, expected=row.generation, actual='newer')


def _save_consumer(conn: sa.Connection, row: Row | None,
                   consumer: ConsumerWrite, now: datetime.datetime) -> int:
    """The consumer's id after creating it or moving its generation on."""
    if row is None:
        try:
            return inserted_id(conn.execute(CONSUMER.insert().values(
                uuid=consumer.uuid,
                project_id=consumer.project_id or INCOMPLETE_CONSUMER_ID,
                user_id=consumer.user_id or INCOMPLETE_CONSUMER_ID,
                consumer_type=consumer.consumer_type,
                # Created at 0, then moved on by this write, as Placement.
                generation=1, created_at=now, updated_at=now,
            )))
        except sa.exc.IntegrityError:
            # Another request created this consumer at the same moment.
            raise errors.ConsumerGenerationConflict(
                uuid=consumer.uuid, expected=_shown(None),
                actual='newer') from None
    values = {'generation': row.generation + 1, 'updated_at': now}
    for field in ('project_id', 'user_id', 'consumer_type'):
        if getattr(consumer, field) is not None:
            values[field] = getattr(consumer, field)
    result = conn.execute(CONSUMER.update().where(
        CONSUMER.c.id == row.id, CONSUMER.c.generation == row.generation,
    ).values(values))
    if result.rowcount != 1:
        raise errors.ConsumerGenerationConflict(
            uuid=consumer.uuid, expected=row.generation, actual='newer')
    consumer_id: int = row.id
    return consumer_id


@writer
def _replace(conn: sa.Connection, consumer: ConsumerWrite,
             allocations: dict[str, dict[str, int]]) -> None:
    row = conn.execute(_SELECT_CONSUMER, {'uuid': consumer.uuid}).first()
    _check_consumer_generation(row, consumer)
    consumer_id = None if row is None else row.id
    providers = _touched_providers(conn, list(allocations), consumer_id)
    class_ids = ids_for_names(
        conn, {rc for resources in allocations.values() for rc in resources})
    inventories = _inventories(
        conn, [providers[uuid].id for uuid in allocations],
        list(class_ids.values()), consumer_id)
    _check_amounts(allocations, providers, class_ids, inventories)
    # NOTE: the generations are bumped before any row is written, so the
    # provider row locks are the first this transaction takes.
    _bump_all(conn, providers)
    if row is not None:
        conn.execute(ALLOC.delete().where(ALLOC.c.consumer_id == row.id))
    if not allocations:
        if row is not None:
            _delete_consumer(conn, consumer.uuid, row)
        return
    now = utcnow()
    consumer_id = _save_consumer(conn, row, consumer, now)
    conn.execute(ALLOC.insert(), [
        {'resource_provider_id': providers[rp_uuid].id,
         'consumer_id': consumer_id, 'resource_class_id': class_ids[rc],
         'used': amount, 'created_at': now, 'updated_at': now}
        for rp_uuid, resources in allocations.items()
        for rc, amount in resources.items()])


@writer
def _delete(conn: sa.Connection, uuid: str) -> None:
    row = conn.execute(_SELECT_CONSUMER, {'uuid': uuid}).first()
    if row is None:
        raise errors.ConsumerNotFound(uuid=uuid)
    _bump_all(conn, _touched_providers(conn, [], row.id))
    conn.execute(ALLOC.delete().where(ALLOC.c.consumer_id == row.id))
    _delete_consumer(conn, uuid, row)


def _retrying(write: Callable[..., None], db: Database, *args: Any,
              consumer_races: bool) -> None:
    """Run ``write`` again when it lost a race the client did not ask
    to detect: on a provider generation always (clients send none with
    allocations), on the consumer's when the client sent none either."""
    races = ((errors.ConcurrentUpdate, errors.ConsumerGenerationConflict)
             if consumer_races else errors.ConcurrentUpdate)
    for attempt in range(1, _CONFLICT_ATTEMPTS + 1):
        try:
            write(db, *args)
            return
        except races:
            if attempt == _CONFLICT_ATTEMPTS:
                raise


def replace_for_consumer(db: Database, consumer: ConsumerWrite,
                         allocations: dict[str, dict[str, int]]) -> None:
    """Make the consumer's allocations exactly ``allocations``
    ({provider uuid: {class: amount}}); empty removes the consumer."""
    _retrying(_replace, db, consumer, allocations,
              consumer_races=not consumer.check_generation)


def delete_for_consumer(db: Database, uuid: str) -> None:
    """Remove all of the consumer's allocations, and the consumer."""
    _retrying(_delete, db, uuid, consumer_races=True)
