"""Traits: the standard set of os-traits and operators' CUSTOM_ ones.

Standard traits are rows too, so that provider links reference every
trait by foreign key. ``sync_standard_traits`` adds the ones a newer
os-traits brings; it runs at ``db sync`` and when each worker loads,
and several workers may run it at the same moment.
"""

import os_traits
import sqlalchemy as sa

from placement_min.storage import tables
from placement_min.storage.database import insert_missing
from placement_min.storage.database import utcnow
from placement_min.storage.database import writer

T = tables.traits
STANDARD = frozenset(os_traits.get_traits())


def sync_standard_traits(conn: sa.Connection) -> None:
    """Insert the standard traits the database lacks; rename or remove
    none."""
    present = set(conn.execute(sa.select(T.c.name)).scalars())
    now = utcnow()
    insert_missing(conn, T, [
        {'name': name, 'created_at': now, 'updated_at': now}
        for name in sorted(STANDARD - present)])


@writer
def ensure_standard_traits(db, conn: sa.Connection) -> None:
    sync_standard_traits(conn)
