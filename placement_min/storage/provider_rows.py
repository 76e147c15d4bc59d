"""One provider's rows of another table, read in one statement.

The inventory, allocation and usage reads of a provider outer-join the
provider row to what it holds, so that one statement says both whether
the provider exists (no row at all: 404) and what it holds (a single row
whose joined columns are NULL: nothing). ``fold`` turns those rows into
the dict the handlers answer with.
"""

import datetime
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from placement_min import errors
from placement_min.storage.database import Row


class Folded(NamedTuple):
    generation: int
    items: dict[str, Any]
    # The newest of the provider's and the rows' updated_at; None when
    # the rows carry no timestamps.
    newest: datetime.datetime | None


def fold(rows: Sequence[Row], uuid: str, keys: tuple[str, ...],
         value: Callable[[Row], Any], *,
         dated: bool = True) -> Folded:
    """The rows of provider ``uuid`` as nested dicts.

    ``keys`` names the columns the items are keyed by, outermost first
    (a NULL first key is the provider alone); ``value`` gives each row's
    item. With ``dated``, the rows hold the provider's ``rp_updated_at``
    and each joined row's ``updated_at``.
    """
    if not rows:
        raise errors.ResourceProviderNotFound(uuid=uuid)
    first = rows[0]
    newest = first.rp_updated_at if dated else None
    items: dict[str, Any] = {}
    *outer, innermost = keys
    for row in rows:
        columns = row._mapping
        if columns[keys[0]] is None:
            continue
        target = items
        for key in outer:
            target = target.setdefault(columns[key], {})
        target[columns[innermost]] = value(row)
        if dated:
            newest = max(newest, row.updated_at)
    return Folded(first.generation, items, newest)
