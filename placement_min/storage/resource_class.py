"""Resource classes: the standard set and operators' CUSTOM_ ones.

Standard classes are rows too, so that inventory and allocation rows can
reference every class by foreign key. ``sync_standard_classes`` adds the
ones a newer os-resource-classes brings; it runs at ``db sync`` and when
the application loads (``migration.ensure_standard_rows``).
"""

from collections.abc import Iterable
from typing import Any

import os_resource_classes
import sqlalchemy as sa

from placement_min import errors
from placement_min.storage import references
from placement_min.storage import tables
from placement_min.storage.database import Row
from placement_min.storage.database import insert_missing
from placement_min.storage.database import reader
from placement_min.storage.database import utcnow
from placement_min.storage.database import writer

RC = tables.resource_classes
STANDARD = frozenset(os_resource_classes.STANDARDS)


def sync_standard_classes(conn: sa.Connection) -> None:
    present = set(conn.execute(sa.select(RC.c.name)).scalars())
    now = utcnow()
    insert_missing(conn, RC, [
        {'name': name, 'created_at': now, 'updated_at': now}
        for name in os_resource_classes.STANDARDS if name not in present])


def _row(conn: sa.Connection, name: str) -> Row | None:
    return conn.execute(
        sa.select(RC.c.id, RC.c.name, RC.c.created_at, RC.c.updated_at)
        .where(RC.c.name == name)).first()


def _refuse_standard(name: str) -> None:
    if name in STANDARD:
        raise errors.StandardResourceClass(name=name)


@reader
def list_classes(conn: sa.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(RC.c.name, RC.c.updated_at)
                        .order_by(RC.c.id))
    return [{'name': r.name, 'updated_at': r.updated_at} for r in rows]


@reader
def get(conn: sa.Connection, name: str) -> dict[str, Any]:
    row = _row(conn, name)
    if row is None:
        raise errors.ResourceClassNotFound(name=name)
    return {'name': row.name, 'updated_at': row.updated_at}


def _insert(conn: sa.Connection, name: str) -> None:
    now = utcnow()
    try:
        conn.execute(RC.insert().values(name=name, created_at=now,
                                        updated_at=now))
    except sa.exc.IntegrityError:
        raise errors.DuplicateName(kind='Resource class', field='name',
                                   value=name) from None


@writer
def create(conn: sa.Connection, name: str) -> None:
    _refuse_standard(name)
    if _row(conn, name) is not None:
        raise errors.DuplicateName(kind='Resource class', field='name',
                                   value=name)
    _insert(conn, name)


@writer
def ensure(conn: sa.Connection, name: str) -> bool:
    """Create ``name`` unless it exists; True if it was created (1.7+)."""
    if _row(conn, name) is not None:
        return False
    _refuse_standard(name)
    _insert(conn, name)
    return True


@writer
def rename(conn: sa.Connection, name: str,
           new_name: str) -> dict[str, Any]:
    """Rename a custom class (microversions 1.2 to 1.6 only)."""
    _refuse_standard(name)
    row = _row(conn, name)
    if row is None:
        raise errors.ResourceClassNotFound(name=name)
    if new_name != name:
        if _row(conn, new_name) is not None:
            raise errors.DuplicateName(kind='Resource class', field='name',
                                       value=new_name)
        try:
            conn.execute(RC.update().where(RC.c.id == row.id)
                         .values(name=new_name, updated_at=utcnow()))
        except sa.exc.IntegrityError:
            raise errors.DuplicateName(kind='Resource class', field='name',
                                       value=new_name) from None
    return {'name': new_name, 'updated_at': utcnow()}


@writer
def delete(conn: sa.Connection, name: str) -> None:
    _refuse_standard(name)
    row = _row(conn, name)
    if row is None:
        raise errors.ResourceClassNotFound(name=name)
    if references.is_referenced(conn, tables.inventories.c.resource_class_id,
                                row.id):
        raise errors.ResourceClassInUse(name=name)
    try:
        conn.execute(RC.delete().where(RC.c.id == row.id))
    except sa.exc.IntegrityError:
        # An inventory using it was created concurrently.
        raise errors.ResourceClassInUse(name=name) from None


_IDS_FOR_NAMES = sa.select(RC.c.name, RC.c.id).where(
    RC.c.name.in_(sa.bindparam('names', expanding=True)))


def ids_for_names(conn: sa.Connection,
                  names: Iterable[str]) -> dict[str, int]:
    """Ids of ``names`` in one statement; UnknownResourceClass if any is
    not a class."""
    names = set(names)
    if not names:
        return {}
    found = dict(conn.execute(_IDS_FOR_NAMES, {'names': sorted(names)}).all())
    missing = sorted(names - found.keys())
    if missing:
        raise errors.UnknownResourceClass(name=', '.join(missing))
    return found
