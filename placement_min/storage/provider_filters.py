"""The provider filters of ``placement_min.filters`` in SQL.

Each function narrows a query of providers by conditions that test one
provider alone (no tree, no sharing), so a filtered provider list stays
one statement however many providers, traits and aggregates there are;
the names given are first turned into ids (one statement per kind),
which also finds the unknown ones to refuse.

NOTE: the conditions are written so that the database can start from
the smallest set and test the rest provider by provider, through an
index each, so that the cost follows the providers found, not the
providers there are. A trait or aggregate that is required is a list
read from its index (``IN``); a class's capacity joins the provider's
own inventory row (unique on provider and class), so that the planner
starts from the class's index only when nothing narrower is given; a
forbidden trait or aggregate is a probe of the provider's own links
(``NOT EXISTS``). Written as lists instead, every class's capacity was
computed for every provider that has the class: a query matching 50 of
10,000 providers spent 9 ms there.

On SQLite the inventory row is read from the covering index
``tables.CAPACITY_INDEX`` (class, provider, then the capacity columns),
named in the statement: SQLite's planner takes the unique key, which
holds no capacity column, whenever it can (a provider and a class: one
row), and then reads the table row too. For a list of 5,000 providers
that was a sixth of the database's work. Led by the class, the index
serves both ways in: a class's inventories when nothing narrower is
given, one provider's when something is.
"""

from collections.abc import Iterable

import sqlalchemy as sa

from placement_min.filters import MemberOf
from placement_min.filters import Required
from placement_min.storage import resource_class
from placement_min.storage import tables
from placement_min.storage import trait
from placement_min.storage.database import Select

RP = tables.resource_providers
INV = tables.inventories
ALLOC = tables.allocations
RPT = tables.resource_provider_traits
RPA = tables.resource_provider_aggregates
AGG = tables.placement_aggregates

Condition = sa.ColumnElement[bool]

# The inventories table's columns alone, for the aliases of ``_capacity``:
# an alias of the Table copies its constraints and foreign keys too, and
# cost 0.3 ms per class, more than the statement takes to run when it
# finds few providers.
_INVENTORY_COLUMNS = sa.table(
    INV.name, *(sa.column(column.name, column.type) for column in INV.c))
# Read where the table name is written, on SQLite only (see above).
_CAPACITY_HINT = f'INDEXED BY {tables.CAPACITY_INDEX}'


def _used(inventory: sa.FromClause) -> sa.ScalarSelect[int]:
    """What the consumers already use of an ``inventory`` row."""
    return (sa.select(sa.func.coalesce(sa.func.sum(ALLOC.c.used), 0))
            .where(ALLOC.c.resource_provider_id
                   == inventory.c.resource_provider_id,
                   ALLOC.c.resource_class_id
                   == inventory.c.resource_class_id)
            .scalar_subquery())


def _capacity(inventory: sa.FromClause, class_id: int,
              amount: int) -> list[Condition]:
    """The provider's own inventory of the class could take ``amount``
    now, by the rules an allocation is checked with: min_unit,
    max_unit, step_size, and what is used plus ``amount`` within the
    capacity. ``inventory`` is a join of its own (one row at most: the
    unique key), the statement's only mention of it."""
    amount_param = sa.literal(amount, sa.Integer)
    return [
        inventory.c.resource_provider_id == RP.c.id,
        inventory.c.resource_class_id == class_id,
        inventory.c.min_unit <= amount_param,
        inventory.c.max_unit >= amount_param,
        amount_param % inventory.c.step_size == 0,
        _used(inventory) + amount_param
        <= (inventory.c.total - inventory.c.reserved)
        * inventory.c.allocation_ratio]


def resources(query: Select, conn: sa.Connection,
              amounts: dict[str, int]) -> Select:
    """``resources``: each class from the provider itself.
    UnknownResourceClass names a class that does not exist."""
    class_ids = resource_class.ids_for_names(conn, amounts)
    for name, amount in sorted(amounts.items()):
        inventory = _INVENTORY_COLUMNS.alias()
        query = query.where(
            *_capacity(inventory, class_ids[name], amount)
        ).with_hint(inventory, _CAPACITY_HINT, 'sqlite')
    return query


def _with_traits(trait_ids: Iterable[int]) -> Select:
    return sa.select(RPT.c.resource_provider_id).where(
        RPT.c.trait_id.in_(sorted(trait_ids)))


def traits(query: Select, conn: sa.Connection,
           required: Required) -> Select:
    """``required``: every trait of ``all_of``, one of each ``any_of``
    set, none of ``none_of``. UnknownTraits names every trait that does
    not exist."""
    ids = trait.ids_for_names(conn, required.names())
    conditions: list[Condition] = [
        RP.c.id.in_(_with_traits([ids[name]]))
        for name in sorted(required.all_of)]
    conditions += [RP.c.id.in_(_with_traits(ids[name] for name in names))
                   for names in required.any_of]
    if required.none_of:
        conditions.append(~sa.exists().where(
            RPT.c.resource_provider_id == RP.c.id,
            RPT.c.trait_id.in_(sorted(ids[name]
                                      for name in required.none_of))))
    return query.where(*conditions)


def _in_aggregates(uuids: Iterable[str]) -> Select:
    return (sa.select(RPA.c.resource_provider_id)
            .join(AGG, AGG.c.id == RPA.c.aggregate_id)
            .where(AGG.c.uuid.in_(sorted(uuids))))


def aggregates(query: Select, member_of: MemberOf) -> Select:
    """``member_of``: directly in one aggregate of each ``any_of`` set,
    in none of ``none_of``; an unknown aggregate is one nobody is in."""
    conditions: list[Condition] = [
        RP.c.id.in_(_in_aggregates(uuids)) for uuids in member_of.any_of]
    if member_of.none_of:
        conditions.append(~sa.exists().where(
            RPA.c.resource_provider_id == RP.c.id,
            AGG.c.id == RPA.c.aggregate_id,
            AGG.c.uuid.in_(sorted(member_of.none_of))))
    return query.where(*conditions)
