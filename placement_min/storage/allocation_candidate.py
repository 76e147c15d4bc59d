"""The providers that could serve an allocation candidate request.

Three statements, on one snapshot, whatever the request and the number
of providers (doc/allocation-candidates.md, section 1): the names the
request uses, every provider of the relevant trees with all its
inventory and usage, and their traits and aggregates. Combining them is
left to ``placement_min.candidate_search``.
"""

from typing import NamedTuple

import sqlalchemy as sa

from placement_min import errors
from placement_min.storage import tables
from placement_min.storage.database import snapshot_reader

RP = tables.resource_providers
RC = tables.resource_classes
INV = tables.inventories
ALLOC = tables.allocations
TRAIT = tables.traits
RP_TRAIT = tables.resource_provider_traits
AGG = tables.placement_aggregates
RP_AGG = tables.resource_provider_aggregates

SHARING_TRAIT = 'MISC_SHARES_VIA_AGGREGATE'



def _used(inv) -> sa.ScalarSelect:
    """The usage of the inventory row ``inv``, by the index on
    allocations' provider and class."""
    return sa.select(sa.func.coalesce(sa.func.sum(ALLOC.c.used), 0)).where(
        ALLOC.c.resource_provider_id == inv.c.resource_provider_id,
        ALLOC.c.resource_class_id == inv.c.resource_class_id,
    ).scalar_subquery()


class Inventory(NamedTuple):
    total: int
    reserved: int
    min_unit: int
    max_unit: int
    step_size: int
    allocation_ratio: float
    used: int
    # floor((total - reserved) * allocation_ratio): used + n must not
    # exceed it (n and used being integers, the same as the product).
    capacity: int

    def fits(self, amount: int) -> bool:
        """Whether ``amount`` alone may be allocated here."""
        return (self.min_unit <= amount <= self.max_unit
                and amount % self.step_size == 0
                and self.used + amount <= self.capacity)


class Provider(NamedTuple):
    id: int
    uuid: str
    parent_id: int | None
    root_id: int
    inventories: dict        # class name -> Inventory
    traits: set
    aggregates: set          # aggregate uuids


class World(NamedTuple):
    """What the search reads: providers by id; whether any provider in
    the database has a parent (asked below 1.29 only, else None)."""

    providers: dict
    nested: bool | None


def _names(conn: sa.Connection, classes: set, traits: set,
           ask_nested: bool) -> tuple[dict, dict, bool | None]:
    """({class: id}, {trait: id}, nested) in one statement."""
    parts = [sa.select(sa.literal('c').label('kind'), RC.c.name, RC.c.id)
             .where(RC.c.name.in_(sorted(classes)))]
    parts.append(sa.select(sa.literal('t'), TRAIT.c.name, TRAIT.c.id)
                 .where(TRAIT.c.name.in_(sorted(traits | {SHARING_TRAIT}))))
    if ask_nested:
        child = (sa.select(RP.c.id).where(RP.c.parent_provider_id.is_not(
            None)).limit(1).subquery())
        parts.append(sa.select(sa.literal('n'), sa.literal(''), child.c.id))
    found: dict[str, dict] = {'c': {}, 't': {}, 'n': {}}
    for kind, name, id_ in conn.execute(sa.union_all(*parts)):
        found[kind][name] = id_
    return found['c'], found['t'], (bool(found['n']) if ask_nested else None)


def _relevant_roots(amounts: dict, sharing_trait_id: int | None):
    """Roots of the trees that could serve: those with a capable
    provider, and those sharing an aggregate with a capable sharing
    provider (doc/allocation-candidates.md, section 1).

    NOTE: every table here is an alias, and no subquery correlates: the
    statements that use these roots select from the same tables.
    """
    inv, rp = INV.alias('capable_inv'), RP.alias('capable_rp')
    link, member = RP_TRAIT.alias('sharing_trait'), RP_AGG.alias('shared')
    other, other_rp = RP_AGG.alias('sharing_with'), RP.alias('anchor_rp')
    conditions = []
    for rc_id, (smallest, largest) in sorted(amounts.items()):
        conditions.append(sa.and_(
            inv.c.resource_class_id == rc_id,
            inv.c.max_unit >= smallest,
            inv.c.min_unit <= largest,
            _used(inv) + smallest <= (inv.c.total - inv.c.reserved)
            * inv.c.allocation_ratio))
    capable = sa.or_(*conditions)
    roots = sa.select(rp.c.root_provider_id).where(rp.c.id.in_(
        sa.select(inv.c.resource_provider_id).where(capable)
        .correlate(None))).correlate(None)
    if sharing_trait_id is None:
        return roots
    # NOTE: sharing providers are few: each is tested for capacity on
    # its own, rather than through the list of every capable provider.
    sharing = sa.select(link.c.resource_provider_id).where(
        link.c.trait_id == sharing_trait_id,
        sa.exists().where(inv.c.resource_provider_id
                          == link.c.resource_provider_id, capable)
    ).correlate(None)
    shared_aggregates = sa.select(member.c.aggregate_id).where(
        member.c.resource_provider_id.in_(sharing)).correlate(None)
    sharing_with = (
        sa.select(other_rp.c.root_provider_id)
        .select_from(other.join(
            other_rp, other_rp.c.id == other.c.resource_provider_id))
        .where(other.c.aggregate_id.in_(shared_aggregates))
        .correlate(None))
    return sa.union(roots, sharing_with)


def _providers(conn: sa.Connection, roots) -> dict:
    query = sa.select(
        RP.c.id, RP.c.uuid, RP.c.parent_provider_id, RP.c.root_provider_id,
        RC.c.name, INV.c.total, INV.c.reserved, INV.c.min_unit,
        INV.c.max_unit, INV.c.step_size, INV.c.allocation_ratio,
        _used(INV).label('used'),
    ).select_from(
        RP.outerjoin(INV, INV.c.resource_provider_id == RP.c.id)
          .outerjoin(RC, RC.c.id == INV.c.resource_class_id)
    ).where(RP.c.root_provider_id.in_(roots))
    providers = {}
    for (rp_id, uuid, parent, root, rc, total, reserved, min_unit,
         max_unit, step, ratio, used) in conn.execute(query).all():
        rp = providers.get(rp_id)
        if rp is None:
            rp = providers[rp_id] = Provider(rp_id, uuid, parent, root,
                                             {}, set(), set())
        if rc is not None:
            # NOTE: int(): MariaDB's SUM is a DECIMAL.
            rp.inventories[rc] = Inventory(
                total, reserved, min_unit, max_unit, step, ratio, int(used),
                int((total - reserved) * ratio))
    return providers


def _traits_and_aggregates(conn: sa.Connection, roots,
                           providers: dict) -> None:
    in_trees = sa.select(RP.c.id).where(
        RP.c.root_provider_id.in_(roots)).correlate(None)
    query = sa.union_all(
        sa.select(RP_TRAIT.c.resource_provider_id, sa.literal('t'),
                  TRAIT.c.name)
        .select_from(RP_TRAIT.join(TRAIT,
                                   TRAIT.c.id == RP_TRAIT.c.trait_id))
        .where(RP_TRAIT.c.resource_provider_id.in_(in_trees)),
        sa.select(RP_AGG.c.resource_provider_id, sa.literal('a'),
                  AGG.c.uuid)
        .select_from(RP_AGG.join(AGG, AGG.c.id == RP_AGG.c.aggregate_id))
        .where(RP_AGG.c.resource_provider_id.in_(in_trees)))
    for rp_id, kind, name in conn.execute(query).all():
        rp = providers.get(rp_id)
        if rp is None:  # not possible on one snapshot; never trusted
            continue
        (rp.traits if kind == 't' else rp.aggregates).add(name)


@snapshot_reader
def load(db, conn: sa.Connection, amounts: dict, traits: set,
         ask_nested: bool) -> World:
    """The providers of every tree that could serve a request.

    ``amounts`` maps each requested class to the smallest and largest
    amount any group asks of it; ``traits`` are the names the request
    uses. Unknown classes or traits: 400.
    """
    class_ids, trait_ids, nested = _names(conn, set(amounts), traits,
                                          ask_nested)
    unknown = sorted(set(amounts) - set(class_ids))
    if unknown:
        raise errors.UnknownResourceClass(name=', '.join(unknown))
    unknown = sorted(traits - set(trait_ids))
    if unknown:
        raise errors.UnknownTraits(names=', '.join(unknown))
    roots = _relevant_roots(
        {class_ids[rc]: bounds for rc, bounds in amounts.items()},
        trait_ids.get(SHARING_TRAIT))
    providers = _providers(conn, roots)
    if providers:
        _traits_and_aggregates(conn, roots, providers)
    return World(providers, nested)
