"""Whether a row is referenced: the in-use checks a delete makes first."""

from typing import Any

import sqlalchemy as sa


def is_referenced(conn: sa.Connection, column: sa.Column[Any],
                  row_id: int) -> bool:
    """Whether any row's ``column`` (a foreign key) holds ``row_id``.

    NOTE: a check, not the guarantee: a reference made concurrently is
    still refused by the foreign key when the row is deleted, which the
    callers turn into the same in-use error.
    """
    return conn.execute(sa.select(column).where(column == row_id)
                        .limit(1)).first() is not None
