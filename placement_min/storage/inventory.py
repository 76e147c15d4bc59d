"""Inventories: what each provider offers, guarded by its generation.

Every write reads the provider's row, checks the generation the client
sent (PUT sends one; POST and DELETE do not), and moves the generation
on with ``bump_generation``'s compare-and-set before it changes any
inventory row, all in one transaction: a concurrent writer makes the
set update zero rows and this transaction rolls back.
"""

import datetime
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from placement_min import errors
from placement_min.storage import provider_rows
from placement_min.storage import tables
from placement_min.storage.database import Row
from placement_min.storage.database import Select
from placement_min.storage.database import reader
from placement_min.storage.database import utcnow
from placement_min.storage.database import writer
from placement_min.storage.resource_class import ids_for_names
from placement_min.storage.resource_provider import bump_generation

LOG = logging.getLogger(__name__)

RP = tables.resource_providers
RC = tables.resource_classes
INV = tables.inventories
ALLOC = tables.allocations

FIELDS = ('total', 'reserved', 'min_unit', 'max_unit', 'step_size',
          'allocation_ratio')

_SELECT_ALL = sa.select(
    RP.c.generation, RP.c.updated_at.label('rp_updated_at'),
    RC.c.name, *(INV.c[f] for f in FIELDS), INV.c.updated_at,
).select_from(
    RP.outerjoin(INV, INV.c.resource_provider_id == RP.c.id)
      .outerjoin(RC, RC.c.id == INV.c.resource_class_id)
).where(RP.c.uuid == sa.bindparam('uuid'))


def _select_one(*extra_columns: sa.ColumnElement[Any]
                ) -> Select:
    """One inventory of a provider, with the provider and class ids."""
    return sa.select(
        RP.c.id.label('rp_id'), RP.c.generation,
        RC.c.id.label('rc_id'), INV.c.id.label('inv_id'),
        *(INV.c[f] for f in FIELDS), INV.c.updated_at, *extra_columns,
    ).select_from(
        RP.outerjoin(RC, RC.c.name == sa.bindparam('rc'))
          .outerjoin(INV, sa.and_(INV.c.resource_provider_id == RP.c.id,
                                  INV.c.resource_class_id == RC.c.id))
    ).where(RP.c.uuid == sa.bindparam('uuid'))


_SELECT_ONE = _select_one()
# One statement gives everything a single-class write must check: the
# provider and its generation, the class, the inventory row, its usage.
_SELECT_ONE_FOR_WRITE = _select_one(
    sa.select(sa.func.coalesce(sa.func.sum(ALLOC.c.used), 0))
    .where(ALLOC.c.resource_provider_id == RP.c.id,
           ALLOC.c.resource_class_id == RC.c.id)
    .scalar_subquery().label('used'))


_SELECT_PROVIDER = sa.select(RP.c.id, RP.c.generation).where(
    RP.c.uuid == sa.bindparam('uuid'))

_SELECT_EXISTING = sa.select(INV.c.resource_class_id, INV.c.id).where(
    INV.c.resource_provider_id == sa.bindparam('rp_id'))

_USAGE_BY_CLASS = sa.select(
    ALLOC.c.resource_class_id, sa.func.sum(ALLOC.c.used),
).where(ALLOC.c.resource_provider_id == sa.bindparam('rp_id')).group_by(
    ALLOC.c.resource_class_id)

# NOTE: the bind names differ from the column names, which SQLAlchemy
# reserves for its own SET parameters.
_UPDATE_FIELDS = INV.update().where(
    INV.c.id == sa.bindparam('inv_id'),
).values(updated_at=sa.bindparam('now'),
         **{f: sa.bindparam('new_' + f) for f in FIELDS})

_INSERT = INV.insert()


def _update_params(inv_id: int, now: datetime.datetime,
                   fields: Mapping[str, Any]) -> dict[str, Any]:
    return {'inv_id': inv_id, 'now': now,
            **{'new_' + f: fields[f] for f in FIELDS}}


def capacity(fields: Mapping[Any, Any]) -> float:
    """What may be allocated of an inventory, in all."""
    usable: float = ((fields['total'] - fields['reserved'])
                     * fields['allocation_ratio'])
    return usable


def _fields(row: Row) -> dict[str, Any]:
    return {f: row._mapping[f] for f in FIELDS}


@reader
def list_for_provider(conn: sa.Connection, uuid: str) -> provider_rows.Folded:
    """(generation, {class: fields}, newest timestamp) of a provider."""
    rows = conn.execute(_SELECT_ALL, {'uuid': uuid}).all()
    return provider_rows.fold(rows, uuid, ('name',), _fields)


def _one(conn: sa.Connection, uuid: str, rc: str,
         query: Select = _SELECT_ONE_FOR_WRITE) -> Row:
    row = conn.execute(query, {'uuid': uuid, 'rc': rc}).first()
    if row is None:
        raise errors.ResourceProviderNotFound(uuid=uuid)
    return row


@reader
def get_one(conn: sa.Connection, uuid: str,
            rc: str) -> tuple[int, dict[str, Any], datetime.datetime]:
    """(generation, fields, updated_at) of one inventory."""
    row = _one(conn, uuid, rc, _SELECT_ONE)
    if row.inv_id is None:
        raise errors.InventoryNotFound(uuid=uuid, resource_class=rc)
    return row.generation, _fields(row), row.updated_at


def _check_generation(row: Row, generation: int | None,
                      uuid: str) -> None:
    if generation is not None and row.generation != generation:
        raise errors.ConcurrentUpdate(uuid=uuid)


def _warn_if_below_usage(uuid: str, rc: str, fields: Mapping[str, Any],
                         used: int | None) -> None:
    if used and capacity(fields) < used:
        LOG.warning('Inventory of %s on resource provider %s now has '
                    'capacity %s, below its current usage %s',
                    rc, uuid, capacity(fields), used)


@writer
def create_one(conn: sa.Connection, uuid: str, rc: str,
               fields: dict[str, Any]) -> int:
    """Add one class to a provider (POST); returns the new generation."""
    row = _one(conn, uuid, rc)
    if row.rc_id is None:
        raise errors.UnknownResourceClass(name=rc)
    if row.inv_id is not None:
        raise errors.InventoryAlreadyExists(uuid=uuid, resource_class=rc)
    generation = bump_generation(conn, row.rp_id, row.generation, uuid)
    now = utcnow()
    conn.execute(INV.insert().values(
        resource_provider_id=row.rp_id, resource_class_id=row.rc_id,
        created_at=now, updated_at=now, **fields))
    return generation


@writer
def update_one(conn: sa.Connection, uuid: str, rc: str,
               generation: int, fields: dict[str, Any]) -> int:
    """Replace one class's fields (PUT); returns the new generation."""
    row = _one(conn, uuid, rc)
    _check_generation(row, generation, uuid)
    if row.rc_id is None:
        raise errors.UnknownResourceClass(name=rc)
    if row.inv_id is None:
        raise errors.InventoryClassAbsent(uuid=uuid, resource_class=rc)
    new_generation = bump_generation(conn, row.rp_id, row.generation, uuid)
    conn.execute(_UPDATE_FIELDS, _update_params(row.inv_id, utcnow(), fields))
    _warn_if_below_usage(uuid, rc, fields, row.used)
    return new_generation


@writer
def delete_one(conn: sa.Connection, uuid: str, rc: str) -> None:
    row = _one(conn, uuid, rc)
    if row.inv_id is None:
        raise errors.InventoryNotFound(uuid=uuid, resource_class=rc)
    if row.used:
        raise errors.InventoryInUse(uuid=uuid, resource_class=rc)
    bump_generation(conn, row.rp_id, row.generation, uuid)
    conn.execute(INV.delete().where(INV.c.id == row.inv_id))


def _provider(conn: sa.Connection, uuid: str) -> Row:
    row = conn.execute(_SELECT_PROVIDER, {'uuid': uuid}).first()
    if row is None:
        raise errors.ResourceProviderNotFound(uuid=uuid)
    return row


def _usage_by_class_id(conn: sa.Connection, rp_id: int) -> dict[int, int]:
    return dict(conn.execute(_USAGE_BY_CLASS, {'rp_id': rp_id}).all())


@writer
def replace_all(conn: sa.Connection, uuid: str, generation: int | None,
                inventories: dict[str, dict[str, Any]]) -> int:
    """Make the provider's inventory exactly ``inventories``, atomically.

    ``generation`` None (DELETE all inventories) skips the client-side
    check; the compare-and-set still guards against concurrent writers.
    """
    provider = _provider(conn, uuid)
    _check_generation(provider, generation, uuid)
    class_ids = ids_for_names(conn, inventories)
    names = {v: k for k, v in class_ids.items()}
    existing = dict(conn.execute(_SELECT_EXISTING,
                                 {'rp_id': provider.id}).all())
    usage = _usage_by_class_id(conn, provider.id)
    removed = set(existing) - set(names)
    in_use = sorted(rc_id for rc_id in removed if usage.get(rc_id))
    if in_use:
        raise errors.InventoryInUse(
            uuid=uuid, resource_class=', '.join(_class_names(conn, in_use)))
    new_generation = bump_generation(conn, provider.id, provider.generation,
                                     uuid)
    now = utcnow()
    if removed:
        conn.execute(INV.delete().where(INV.c.id.in_(
            [existing[rc_id] for rc_id in removed])))
    updates = [_update_params(existing[class_ids[rc]], now, fields)
               for rc, fields in inventories.items()
               if class_ids[rc] in existing]
    if updates:
        conn.execute(_UPDATE_FIELDS, updates)
    inserts = [dict(fields, resource_provider_id=provider.id,
                    resource_class_id=class_ids[rc],
                    created_at=now, updated_at=now)
               for rc, fields in inventories.items()
               if class_ids[rc] not in existing]
    if inserts:
        conn.execute(_INSERT, inserts)
    for rc, fields in inventories.items():
        _warn_if_below_usage(uuid, rc, fields, usage.get(class_ids[rc]))
    return new_generation


def _class_names(conn: sa.Connection,
                 class_ids: Iterable[int]) -> list[str]:
    return list(conn.execute(sa.select(RC.c.name)
                             .where(RC.c.id.in_(class_ids))
                             .order_by(RC.c.name)).scalars())
