"""Resource providers: create, read, rename, re-parent, delete."""

import datetime
from collections.abc import Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa

from placement_min import errors
from placement_min.filters import MemberOf
from placement_min.filters import Required
from placement_min.storage import provider_filters
from placement_min.storage import references
from placement_min.storage import tables
from placement_min.storage.database import Row
from placement_min.storage.database import driver_rows
from placement_min.storage.database import inserted_id
from placement_min.storage.database import reader
from placement_min.storage.database import utcnow
from placement_min.storage.database import writer

RP = tables.resource_providers
_PARENT = RP.alias('parent')


def _uuid_of(provider_id: sa.ColumnElement[int]) -> sa.ScalarSelect[str]:
    """The uuid of another provider, read by its id."""
    other = RP.alias('other')
    return (sa.select(other.c.uuid).where(other.c.id == provider_id)
            .scalar_subquery())


# NOTE: the columns of the representation only, and updated_at as the
# driver returns it: a list of thousands of providers then costs the
# database's work and little more per row (no timestamp parsed per
# row), and only the newest timestamp is converted (``_newest``). No
# column has a result processor: the rows are the driver's tuples. Most
# providers are roots: their parent is NULL and their root themselves,
# so those uuids are read from other rows only for the others (a join
# read the provider's root row for every provider: a twentieth of the
# database's work for a list of roots).
_SHOWN = sa.select(
    RP.c.uuid, RP.c.name, RP.c.generation,
    sa.case((RP.c.parent_provider_id.is_(None), sa.null()),
            else_=_uuid_of(RP.c.parent_provider_id)
            ).label('parent_provider_uuid'),
    sa.case((RP.c.root_provider_id == RP.c.id, RP.c.uuid),
            else_=_uuid_of(RP.c.root_provider_id)
            ).label('root_provider_uuid'),
    sa.type_coerce(RP.c.updated_at, sa.types.NullType()).label(
        'updated_at'),
)
# Its position: read by index, which costs a tenth of a read by name.
_UPDATED_AT = 5

# What a rename, re-parent or delete checks first.
_SELECT_FOR_CHANGE = sa.select(
    RP.c.id, RP.c.uuid, RP.c.name, RP.c.generation, RP.c.root_provider_id,
    _PARENT.c.uuid.label('parent_provider_uuid'),
).select_from(
    RP.outerjoin(_PARENT, RP.c.parent_provider_id == _PARENT.c.id))


class Providers(NamedTuple):
    """Providers as responses show them.

    Each row is (uuid, name, generation, parent_provider_uuid,
    root_provider_uuid, updated_at as the driver returns it); ``newest``
    is the latest updated_at of them all, None if there are no rows.
    """

    rows: Sequence[tuple[Any, ...]]
    newest: datetime.datetime | None


def _newest(conn: sa.Connection, rows: Sequence[tuple[Any, ...]]
            ) -> datetime.datetime | None:
    """The latest updated_at of ``rows``, the only one converted.

    NOTE: the drivers of PostgreSQL and MariaDB return datetimes;
    SQLite stores the text SQLAlchemy writes, one fixed-width ISO
    format, which sorts as the times do. The column type's own result
    processor converts the one found, as it would have every row.
    """
    if not rows:
        return None
    latest = max(row[_UPDATED_AT] for row in rows)
    convert = RP.c.updated_at.type.dialect_impl(
        conn.dialect).result_processor(conn.dialect, None)
    found = latest if convert is None else convert(latest)
    assert isinstance(found, datetime.datetime)
    return found


def _shown(conn: sa.Connection, uuid: str) -> Providers:
    rows = driver_rows(conn.execute(_SHOWN.where(RP.c.uuid == uuid)))
    if not rows:
        raise errors.ResourceProviderNotFound(uuid=uuid)
    return Providers(rows, _newest(conn, rows))


def _fetch(conn: sa.Connection, uuid: str) -> Row:
    row = conn.execute(_SELECT_FOR_CHANGE.where(RP.c.uuid == uuid)).first()
    if row is None:
        raise errors.ResourceProviderNotFound(uuid=uuid)
    return row


def _ids_for_uuid(conn: sa.Connection, uuid: str) -> Row:
    row = conn.execute(
        sa.select(RP.c.id, RP.c.root_provider_id)
        .where(RP.c.uuid == uuid)).first()
    if row is None:
        raise errors.ParentProviderNotFound(uuid=uuid)
    return row


def _check_unique(conn: sa.Connection, uuid: str | None, name: str,
                  own_uuid: str | None = None) -> None:
    clauses = [RP.c.name == name]
    if uuid is not None:
        clauses.append(RP.c.uuid == uuid)
    rows = conn.execute(
        sa.select(RP.c.uuid, RP.c.name).where(sa.or_(*clauses))).all()
    for row in rows:
        if row.uuid == own_uuid:
            continue
        if uuid is not None and row.uuid == uuid:
            raise errors.DuplicateProvider(field='uuid', value=uuid)
        raise errors.DuplicateProvider(field='name', value=name)


# Built once, with bind parameters: every write runs it, and building
# a statement costs more than executing this one. The bind names differ
# from the column names, which SQLAlchemy reserves for SET parameters.
_BUMP_GENERATION = (
    RP.update()
    .where(RP.c.id == sa.bindparam('rp_id'),
           RP.c.generation == sa.bindparam('expected'))
    .values(generation=sa.bindparam('next_generation'),
            updated_at=sa.bindparam('now')))


def bump_generation(conn: sa.Connection, rp_id: int, generation: int,
                    uuid: str) -> int:
    """The compare-and-set at the heart of every provider write.

    Zero rows updated means another transaction changed the provider
    since ``generation`` was read: the caller's transaction rolls back.
    """
    result = conn.execute(_BUMP_GENERATION, {
        'rp_id': rp_id, 'expected': generation,
        'next_generation': generation + 1, 'now': utcnow()})
    if result.rowcount != 1:
        raise errors.ConcurrentUpdate(uuid=uuid)
    return generation + 1


@writer
def create(conn: sa.Connection, uuid: str, name: str,
           parent_uuid: str | None = None) -> Providers:
    _check_unique(conn, uuid, name)
    now = utcnow()
    parent_id = root_id = None
    if parent_uuid is not None:
        parent_id, root_id = _ids_for_uuid(conn, parent_uuid)
    try:
        rp_id = inserted_id(conn.execute(RP.insert().values(
            uuid=uuid, name=name, generation=0,
            parent_provider_id=parent_id, root_provider_id=root_id,
            created_at=now, updated_at=now)))
    except sa.exc.IntegrityError:
        # A concurrent create won the race for this name or uuid.
        # NOTE: most often a client creating the same provider twice at
        # once; Nova then fetches it by uuid (see DuplicateProvider).
        raise errors.DuplicateProvider(field='uuid or name',
                                       value=f'{uuid} / {name}') from None
    if root_id is None:
        conn.execute(RP.update().where(RP.c.id == rp_id)
                     .values(root_provider_id=rp_id))
    return _shown(conn, uuid)


@reader
def get(conn: sa.Connection, uuid: str) -> Providers:
    return _shown(conn, uuid)


@reader
def list_providers(conn: sa.Connection, name: str | None = None,
                   uuid: str | None = None, in_tree: str | None = None,
                   member_of: MemberOf | None = None,
                   resources: dict[str, int] | None = None,
                   required: Required | None = None) -> Providers:
    """Providers matching every filter given, in one statement (after
    the lookup of the classes and traits named)."""
    query = _SHOWN
    if name is not None:
        query = query.where(RP.c.name == name)
    if uuid is not None:
        query = query.where(RP.c.uuid == uuid)
    if in_tree is not None:
        root_id = sa.select(RP.c.root_provider_id).where(
            RP.c.uuid == in_tree).scalar_subquery()
        query = query.where(RP.c.root_provider_id == root_id)
    if resources:
        query = provider_filters.resources(query, conn, resources)
    if required is not None:
        query = provider_filters.traits(query, conn, required)
    if member_of is not None:
        query = provider_filters.aggregates(query, member_of)
    rows = driver_rows(conn.execute(query.order_by(RP.c.id)))
    return Providers(rows, _newest(conn, rows))


def _descendant_ids(conn: sa.Connection, rp_id: int,
                    root_id: int) -> set[int]:
    """Ids of every provider below ``rp_id`` (its tree read once)."""
    children: dict[int, list[int]] = {}
    for child_id, parent_id in conn.execute(
            sa.select(RP.c.id, RP.c.parent_provider_id)
            .where(RP.c.root_provider_id == root_id)):
        children.setdefault(parent_id, []).append(child_id)
    found, todo = set(), [rp_id]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _reparent(conn: sa.Connection, row: Row, parent_uuid: str | None,
              allow_reparent: bool) -> dict[str, Any]:
    """Values to update for a change of parent, after the tree rules."""
    if parent_uuid == row.parent_provider_uuid:
        return {}
    if row.parent_provider_uuid is not None and not allow_reparent:
        raise errors.ProviderTreeConflict(
            uuid=row.uuid,
            reason='changing or removing a parent needs microversion '
                   '1.37 or later.')
    subtree = _descendant_ids(conn, row.id, row.root_provider_id) | {row.id}
    if parent_uuid is None:
        parent_id, new_root = None, row.id
    else:
        parent_id, new_root = _ids_for_uuid(conn, parent_uuid)
        if parent_id in subtree:
            raise errors.ProviderTreeConflict(
                uuid=row.uuid,
                reason=f'{parent_uuid} is the provider itself or one of '
                       f'its descendants.')
    conn.execute(RP.update().where(RP.c.id.in_(subtree))
                 .values(root_provider_id=new_root))
    return {'parent_provider_id': parent_id}


@writer
def update(conn: sa.Connection, uuid: str, name: str,
           parent_uuid: str | None = None, change_parent: bool = False,
           allow_reparent: bool = False) -> Providers:
    """Rename, and from 1.14 set the parent (1.37: also change it)."""
    row = _fetch(conn, uuid)
    values: dict[str, Any] = {}
    if name != row.name:
        _check_unique(conn, None, name, own_uuid=uuid)
        values['name'] = name
    if change_parent:
        values.update(_reparent(conn, row, parent_uuid, allow_reparent))
    if values:
        values['updated_at'] = utcnow()
        try:
            conn.execute(RP.update().where(RP.c.id == row.id).values(values))
        except sa.exc.IntegrityError:
            raise errors.DuplicateProvider(field='name',
                                           value=name) from None
    return _shown(conn, uuid)


@writer
def delete(conn: sa.Connection, uuid: str) -> None:
    """Delete a provider and its inventory; never one in use or a parent."""
    row = _fetch(conn, uuid)
    # NOTE: bumping the generation first takes the row lock that every
    # allocation writer also takes, so no allocation can slip in between
    # the checks below and the delete.
    bump_generation(conn, row.id, row.generation, uuid)
    if references.is_referenced(conn, RP.c.parent_provider_id, row.id):
        raise errors.CannotDeleteParent(uuid=uuid)
    if references.is_referenced(
            conn, tables.allocations.c.resource_provider_id, row.id):
        raise errors.ResourceProviderInUse(uuid=uuid)
    conn.execute(tables.inventories.delete().where(
        tables.inventories.c.resource_provider_id == row.id))
    # NOTE: the root pointer references the row itself; clear it first
    # so that databases which check foreign keys per statement accept
    # the delete.
    conn.execute(RP.update().where(RP.c.id == row.id)
                 .values(root_provider_id=None))
    conn.execute(RP.delete().where(RP.c.id == row.id))
