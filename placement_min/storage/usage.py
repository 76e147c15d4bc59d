"""Usages: allocations summed per provider, or per project and user."""

import sqlalchemy as sa

from placement_min.storage import provider_rows
from placement_min.storage import tables
from placement_min.storage.database import Row
from placement_min.storage.database import reader

RP = tables.resource_providers
RC = tables.resource_classes
INV = tables.inventories
ALLOC = tables.allocations
CONSUMER = tables.consumers

# The key of consumers without a type, and of every consumer when the
# client asks for them all together (1.38+).
UNKNOWN_TYPE = 'unknown'
ALL_TYPES = 'all'

_USED = sa.select(sa.func.coalesce(sa.func.sum(ALLOC.c.used), 0)).where(
    ALLOC.c.resource_provider_id == RP.c.id,
    ALLOC.c.resource_class_id == INV.c.resource_class_id,
).scalar_subquery()

_SELECT_FOR_PROVIDER = sa.select(
    RP.c.generation, RC.c.name, _USED.label('used'),
).select_from(
    RP.outerjoin(INV, INV.c.resource_provider_id == RP.c.id)
      .outerjoin(RC, RC.c.id == INV.c.resource_class_id)
).where(RP.c.uuid == sa.bindparam('uuid'))

_CONSUMER_ALLOCATIONS = (
    ALLOC.join(CONSUMER, CONSUMER.c.id == ALLOC.c.consumer_id)
         .join(RC, RC.c.id == ALLOC.c.resource_class_id))


@reader
def for_provider(conn: sa.Connection,
                 uuid: str) -> tuple[int, dict[str, int]]:
    """(generation, {class: used}) over every class the provider has."""
    rows = conn.execute(_SELECT_FOR_PROVIDER, {'uuid': uuid}).all()
    generation, usages, _ = provider_rows.fold(
        rows, uuid, ('name',), _used, dated=False)
    return generation, usages


def _used(row: Row) -> int:
    return int(row.used)


def _owner_filter(project_id: str,
                  user_id: str | None) -> list[sa.ColumnElement[bool]]:
    clauses: list[sa.ColumnElement[bool]] = [
        CONSUMER.c.project_id == project_id]
    if user_id is not None:
        clauses.append(CONSUMER.c.user_id == user_id)
    return clauses


@reader
def for_project(conn: sa.Connection, project_id: str,
                user_id: str | None = None) -> dict[str, int]:
    """{class: used} over the consumers of a project (and user)."""
    rows = conn.execute(
        sa.select(RC.c.name, sa.func.sum(ALLOC.c.used))
        .select_from(_CONSUMER_ALLOCATIONS)
        .where(*_owner_filter(project_id, user_id))
        .group_by(RC.c.name))
    return {name: int(used) for name, used in rows}


@reader
def for_project_by_type(conn: sa.Connection, project_id: str,
                        user_id: str | None = None,
                        consumer_type: str | None = None
                        ) -> dict[str, dict[str, int]]:
    """{type: {"consumer_count": n, class: used}} (1.38+).

    ``consumer_type`` keeps one type; ``UNKNOWN_TYPE`` keeps consumers
    without one; ``ALL_TYPES`` puts every consumer under that key.
    """
    where = _owner_filter(project_id, user_id)
    if consumer_type == UNKNOWN_TYPE:
        where.append(CONSUMER.c.consumer_type.is_(None))
    elif consumer_type not in (None, ALL_TYPES):
        where.append(CONSUMER.c.consumer_type == consumer_type)
    keys = [] if consumer_type == ALL_TYPES else [CONSUMER.c.consumer_type]

    def type_of(row: Row) -> str:
        return (row[0] or UNKNOWN_TYPE) if keys else ALL_TYPES

    # Every consumer row has allocations: a consumer that loses its
    # last one is deleted, so counting rows counts consumers in use.
    counts = conn.execute(
        sa.select(*keys, sa.func.count(CONSUMER.c.id))
        .where(*where).group_by(*keys)).all()
    usages = {type_of(row): {'consumer_count': row[-1]}
              for row in counts if row[-1]}
    rows = conn.execute(
        sa.select(*keys, RC.c.name, sa.func.sum(ALLOC.c.used))
        .select_from(_CONSUMER_ALLOCATIONS)
        .where(*where).group_by(*keys, RC.c.name))
    for row in rows:
        usages[type_of(row)][row[-2]] = int(row[-1])
    return usages
