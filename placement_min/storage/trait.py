"""Traits: the standard set of os-traits and operators' CUSTOM_ ones.

Standard traits are rows too, so that provider links reference every
trait by foreign key. ``sync_standard_traits`` adds the ones a newer
os-traits brings; it runs at ``db sync`` and when each worker loads,
and several workers may run it at the same moment.
"""

import datetime
from collections.abc import Iterable
from typing import Any

# os-traits ships no type information (no stubs, no py.typed): its
# get_traits() is read as Any.
import os_traits  # type: ignore[import-untyped]
import sqlalchemy as sa

from placement_min import errors
from placement_min.storage import references
from placement_min.storage import tables
from placement_min.storage.database import Row
from placement_min.storage.database import insert_missing
from placement_min.storage.database import reader
from placement_min.storage.database import utcnow
from placement_min.storage.database import writer
from placement_min.storage import resource_provider

T = tables.traits
RPT = tables.resource_provider_traits
RP = tables.resource_providers
STANDARD: frozenset[str] = frozenset(os_traits.get_traits())


def sync_standard_traits(conn: sa.Connection) -> None:
    """Insert the standard traits the database lacks; rename or remove
    none."""
    present = set(conn.execute(sa.select(T.c.name)).scalars())
    now = utcnow()
    insert_missing(conn, T, [
        {'name': name, 'created_at': now, 'updated_at': now}
        for name in sorted(STANDARD - present)])


def is_standard(name: str) -> bool:
    """Standard: any stored trait not named CUSTOM_, including those a
    newer os-traits dropped."""
    return not name.startswith('CUSTOM_')


def _row(conn: sa.Connection, name: str) -> Row | None:
    for row in conn.execute(
            sa.select(T.c.id, T.c.name, T.c.created_at, T.c.updated_at)
            .where(T.c.name == name)):
        # NOTE: MariaDB/MySQL compare names under a case-insensitive
        # collation; trait names are exact.
        if row.name == name:
            return row
    return None


@reader
def list_traits(conn: sa.Connection,
                names: frozenset[str] | None = None,
                prefix: str | None = None,
                associated: bool | None = None) -> list[dict[str, Any]]:
    """Traits matching every filter given, with their timestamps."""
    query = sa.select(T.c.name, T.c.updated_at)
    if names is not None:
        query = query.where(T.c.name.in_(sorted(names)))
    if prefix is not None:
        query = query.where(T.c.name.startswith(prefix, autoescape=True))
    if associated is not None:
        linked = sa.exists().where(RPT.c.trait_id == T.c.id)
        query = query.where(linked if associated else ~linked)
    rows = conn.execute(query.order_by(T.c.name)).all()
    # NOTE: exact again in Python, for MariaDB/MySQL's case-insensitive
    # collation.
    return [{'name': row.name, 'updated_at': row.updated_at}
            for row in rows
            if (names is None or row.name in names)
            and (prefix is None or row.name.startswith(prefix))]


@reader
def get(conn: sa.Connection, name: str) -> dict[str, Any]:
    row = _row(conn, name)
    if row is None:
        raise errors.TraitNotFound(name=name)
    return {'name': row.name, 'created_at': row.created_at}


@writer
def ensure(conn: sa.Connection, name: str) -> tuple[bool, dict[str, Any]]:
    """Create the custom trait unless it exists: (created, trait)."""
    row = _row(conn, name)
    if row is not None:
        return False, {'name': row.name, 'created_at': row.created_at}
    now = utcnow()
    try:
        # A savepoint, so that losing the race to a concurrent create
        # leaves this transaction usable for reading the winner's row.
        with conn.begin_nested():
            conn.execute(T.insert().values(name=name, created_at=now,
                                           updated_at=now))
    except sa.exc.IntegrityError:
        row = _row(conn, name)
        if row is None:
            # Not the concurrent create of this name: the error stands.
            raise
        return False, {'name': row.name, 'created_at': row.created_at}
    return True, {'name': name, 'created_at': now}


@writer
def delete(conn: sa.Connection, name: str) -> None:
    """Delete a custom trait no provider has: 404, 400 (standard), 409
    (linked), in that order."""
    row = _row(conn, name)
    if row is None:
        raise errors.TraitNotFound(name=name)
    if is_standard(name):
        raise errors.StandardTrait(name=name)
    if references.is_referenced(conn, RPT.c.trait_id, row.id):
        raise errors.TraitInUse(name=name)
    try:
        conn.execute(T.delete().where(T.c.id == row.id))
    except sa.exc.IntegrityError:
        # A provider got the trait concurrently; its link's foreign key
        # refused the delete.
        raise errors.TraitInUse(name=name) from None


_NAMED = sa.select(T.c.name, T.c.id, T.c.updated_at).where(
    T.c.name.in_(sa.bindparam('names', expanding=True)))


def _named(conn: sa.Connection, names: Iterable[str]) -> dict[str, Row]:
    """{name: row} of ``names`` in one statement; UnknownTraits naming
    every one that is not a trait."""
    names = set(names)
    if not names:
        return {}
    found = {row.name: row for row
             in conn.execute(_NAMED, {'names': sorted(names)})
             if row.name in names}
    missing = sorted(names - found.keys())
    if missing:
        raise errors.UnknownTraits(names=', '.join(missing))
    return found


def ids_for_names(conn: sa.Connection,
                  names: Iterable[str]) -> dict[str, int]:
    """Ids of ``names`` in one statement; UnknownTraits naming every one
    that is not a trait."""
    return {name: row.id for name, row in _named(conn, names).items()}


_PROVIDER_TRAITS = sa.select(
    RP.c.id, RP.c.generation, T.c.id.label('trait_id'), T.c.name,
    T.c.updated_at,
).select_from(
    RP.outerjoin(RPT, RPT.c.resource_provider_id == RP.c.id)
      .outerjoin(T, T.c.id == RPT.c.trait_id)
).where(RP.c.uuid == sa.bindparam('uuid'))


def _provider_traits(conn: sa.Connection,
                     uuid: str) -> tuple[int, int, dict[int, Row]]:
    """(provider id, generation, {trait id: row}) in one statement."""
    rows = conn.execute(_PROVIDER_TRAITS, {'uuid': uuid}).all()
    if not rows:
        raise errors.ResourceProviderNotFound(uuid=uuid)
    traits = {row.trait_id: row for row in rows if row.trait_id is not None}
    return rows[0].id, rows[0].generation, traits


def _newest(rows: Iterable[Row]) -> datetime.datetime | None:
    return max((row.updated_at for row in rows), default=None)


@reader
def list_for_provider(conn: sa.Connection, uuid: str
                      ) -> tuple[int, list[str], datetime.datetime | None]:
    """(generation, [trait names], newest trait timestamp or None)."""
    _rp_id, generation, traits = _provider_traits(conn, uuid)
    rows = traits.values()
    return generation, sorted(row.name for row in rows), _newest(rows)


@writer
def set_for_provider(conn: sa.Connection, uuid: str,
                     names: list[str], generation: int
                     ) -> tuple[int, list[str], datetime.datetime | None]:
    """Replace a provider's traits; (generation, names, newest).

    The generation rises only when the set changes. Checked in the
    order clients see: provider (404), generation (409), every trait
    named exists (400).
    """
    rp_id, current_generation, current = _provider_traits(conn, uuid)
    if generation != current_generation:
        raise errors.ConcurrentUpdate(uuid=uuid)
    named = _named(conn, names)
    wanted = {row.id for row in named.values()}
    added = wanted - current.keys()
    removed = current.keys() - wanted
    if added or removed:
        # The compare-and-set first: it takes the provider's row lock
        # before the links change, and fails the whole write if another
        # one got there first.
        generation = resource_provider.bump_generation(
            conn, rp_id, generation, uuid)
        if removed:
            conn.execute(RPT.delete().where(
                RPT.c.resource_provider_id == rp_id,
                RPT.c.trait_id.in_(sorted(removed))))
        if added:
            conn.execute(RPT.insert(), [
                {'resource_provider_id': rp_id, 'trait_id': trait_id}
                for trait_id in sorted(added)])
    return generation, sorted(named), _newest(named.values())


@writer
def delete_for_provider(conn: sa.Connection, uuid: str) -> None:
    """Remove every trait of a provider; its generation rises if it had
    any."""
    rp_id, generation, current = _provider_traits(conn, uuid)
    if current:
        resource_provider.bump_generation(conn, rp_id, generation,
                                          uuid)
        conn.execute(RPT.delete().where(RPT.c.resource_provider_id == rp_id))
