"""The provider filters of ``placement_min.filters`` as SQL conditions.

Each condition tests one provider alone (no tree, no sharing) and is a
subquery on an indexed column, so a filtered provider list stays one
statement however many providers, traits and aggregates there are; the
names given are first turned into ids (one statement per kind), which
also finds the unknown ones to refuse. Allocation candidates can build
their per-group queries from the same conditions.
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
# The provider id column a condition tests: the providers table's by
# default, or the one of the caller's query (an alias of it).
ProviderId = sa.ColumnElement[int]

# What the other consumers already use of an inventory; correlated to
# the inventory row of the enclosing query.
_USED = (sa.select(sa.func.coalesce(sa.func.sum(ALLOC.c.used), 0))
         .where(ALLOC.c.resource_provider_id == INV.c.resource_provider_id,
                ALLOC.c.resource_class_id == INV.c.resource_class_id)
         .scalar_subquery())


def providers_with_capacity(class_id: int, amount: int) -> Select:
    """Ids of providers that could take ``amount`` of the class now, by
    the rules an allocation is checked with: min_unit, max_unit,
    step_size, and what is used plus ``amount`` within the capacity."""
    amount_param = sa.literal(amount, sa.Integer)
    return sa.select(INV.c.resource_provider_id).where(
        INV.c.resource_class_id == class_id,
        INV.c.min_unit <= amount_param,
        INV.c.max_unit >= amount_param,
        amount_param % INV.c.step_size == 0,
        _USED + amount_param
        <= (INV.c.total - INV.c.reserved) * INV.c.allocation_ratio)


def resources(conn: sa.Connection, amounts: dict[str, int],
              provider_id: ProviderId = RP.c.id) -> list[Condition]:
    """``resources``: each class from the provider itself.
    UnknownResourceClass names a class that does not exist."""
    class_ids = resource_class.ids_for_names(conn, amounts)
    return [provider_id.in_(providers_with_capacity(class_ids[name], amount))
            for name, amount in sorted(amounts.items())]


def _with_traits(trait_ids: Iterable[int]) -> Select:
    return sa.select(RPT.c.resource_provider_id).where(
        RPT.c.trait_id.in_(sorted(trait_ids)))


def traits(conn: sa.Connection, required: Required,
           provider_id: ProviderId = RP.c.id) -> list[Condition]:
    """``required``: every trait of ``all_of``, one of each ``any_of``
    set, none of ``none_of``. UnknownTraits names every trait that does
    not exist."""
    ids = trait.ids_for_names(conn, required.names())
    conditions: list[Condition] = [
        provider_id.in_(_with_traits([ids[name]]))
        for name in sorted(required.all_of)]
    conditions += [provider_id.in_(_with_traits(ids[name] for name in names))
                   for names in required.any_of]
    if required.none_of:
        conditions.append(provider_id.not_in(
            _with_traits(ids[name] for name in required.none_of)))
    return conditions


def _in_aggregates(uuids: Iterable[str]) -> Select:
    return (sa.select(RPA.c.resource_provider_id)
            .join(AGG, AGG.c.id == RPA.c.aggregate_id)
            .where(AGG.c.uuid.in_(sorted(uuids))))


def aggregates(member_of: MemberOf,
               provider_id: ProviderId = RP.c.id) -> list[Condition]:
    """``member_of``: directly in one aggregate of each ``any_of`` set,
    in none of ``none_of``; an unknown aggregate is one nobody is in."""
    conditions: list[Condition] = [
        provider_id.in_(_in_aggregates(uuids)) for uuids in member_of.any_of]
    if member_of.none_of:
        conditions.append(provider_id.not_in(
            _in_aggregates(member_of.none_of)))
    return conditions
