"""Provider aggregates: the aggregate uuids a provider is a member of.

An aggregate is only a uuid: it exists once some provider names it and
is never deleted. Handlers pass uuids already normalised to lowercase
dashed form, so every spelling of a uuid names one aggregate.
"""

import sqlalchemy as sa

from placement_min import errors
from placement_min.storage import tables
from placement_min.storage.database import insert_missing
from placement_min.storage.database import reader
from placement_min.storage.database import writer
from placement_min.storage import resource_provider

AGG = tables.placement_aggregates
RPA = tables.resource_provider_aggregates
RP = tables.resource_providers

_PROVIDER_AGGREGATES = sa.select(
    RP.c.id, RP.c.generation, AGG.c.id.label('aggregate_id'), AGG.c.uuid,
).select_from(
    RP.outerjoin(RPA, RPA.c.resource_provider_id == RP.c.id)
      .outerjoin(AGG, AGG.c.id == RPA.c.aggregate_id)
).where(RP.c.uuid == sa.bindparam('uuid')).order_by(AGG.c.id)


def _provider_aggregates(conn: sa.Connection,
                         uuid: str) -> tuple[int, int, dict[int, str]]:
    """(provider id, generation, {aggregate id: uuid}) in one statement."""
    rows = conn.execute(_PROVIDER_AGGREGATES, {'uuid': uuid}).all()
    if not rows:
        raise errors.ResourceProviderNotFound(uuid=uuid)
    aggregates = {row.aggregate_id: row.uuid for row in rows
                  if row.aggregate_id is not None}
    return rows[0].id, rows[0].generation, aggregates


@reader
def list_for_provider(conn: sa.Connection,
                      uuid: str) -> tuple[int, list[str]]:
    """(generation, aggregate uuids)."""
    _rp_id, generation, aggregates = _provider_aggregates(conn, uuid)
    return generation, list(aggregates.values())


@reader
def check_provider(conn: sa.Connection, uuid: str) -> None:
    """ResourceProviderNotFound unless the provider exists."""
    if conn.execute(sa.select(RP.c.id).where(RP.c.uuid == uuid)).first() \
            is None:
        raise errors.ResourceProviderNotFound(uuid=uuid)


def _ids(conn: sa.Connection, uuids: list[str]) -> dict[str, int]:
    """Ids of the aggregates ``uuids``, adding those that do not exist.

    NOTE: the ids are read with a locking read: on MariaDB/MySQL a plain
    read sees the transaction's snapshot, which may predate an aggregate
    that a concurrent request added while this one waited for it.
    """
    insert_missing(conn, AGG, [{'uuid': uuid} for uuid in sorted(uuids)])
    rows = conn.execute(sa.select(AGG.c.uuid, AGG.c.id)
                        .where(AGG.c.uuid.in_(sorted(uuids)))
                        .with_for_update(read=True))
    return dict(rows.all())


@writer
def set_for_provider(conn: sa.Connection, uuid: str, uuids: list[str],
                     generation: int | None) -> int:
    """Make ``uuids`` the provider's aggregates; its generation after.

    With a ``generation`` (1.19+) it must match, and rises by one even
    when nothing changes; without one (before 1.19) it is left alone.
    """
    rp_id, current_generation, current = _provider_aggregates(conn, uuid)
    if generation is not None:
        if generation != current_generation:
            raise errors.ConcurrentUpdate(uuid=uuid)
        current_generation = resource_provider.bump_generation(
            conn, rp_id, generation, uuid)
    wanted = set(_ids(conn, uuids).values()) if uuids else set()
    removed = current.keys() - wanted
    if removed:
        conn.execute(RPA.delete().where(
            RPA.c.resource_provider_id == rp_id,
            RPA.c.aggregate_id.in_(sorted(removed))))
    # NOTE: insert-if-missing: before 1.19 no generation orders two
    # writers of one provider, and both may add the same link.
    insert_missing(conn, RPA, [
        {'resource_provider_id': rp_id, 'aggregate_id': aggregate_id}
        for aggregate_id in sorted(wanted - current.keys())])
    return current_generation
