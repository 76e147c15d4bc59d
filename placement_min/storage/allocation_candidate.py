"""The providers that could serve an allocation candidate request.

Two statements, on one snapshot, whatever the request and the number
of providers (doc/allocation-candidates.md, section 1): the names the
request uses, then every provider of the relevant trees with all its
inventory and usage, its traits and its aggregates. Combining them is
left to ``placement_min.candidate_search``.
"""

import functools
from typing import Any, NamedTuple

import sqlalchemy as sa

from placement_min import errors
from placement_min.storage import tables
from placement_min.storage.database import Select
from placement_min.storage.database import driver_rows
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
# {class: (smallest, largest amount any group asks of it)}
Amounts = dict[str, tuple[int, int]]
Compound = sa.CompoundSelect[*tuple[Any, ...]]
# NOTE: a NamedTuple's own constructor is a Python function; the
# thousands of providers and inventories of one answer are built with
# the tuple's, from the fields in order (a quarter of the building time).
_new = tuple.__new__



class Inventory(NamedTuple):
    min_unit: int
    max_unit: int
    step_size: int
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
    inventories: dict[str, Inventory]   # by class name
    traits: set[str]
    aggregates: set[str]                # aggregate uuids


class World(NamedTuple):
    """What the search reads: providers by id; the ids of each tree's
    providers, by root id; the providers with inventory of each class;
    whether any provider in the database has a parent (asked below 1.29
    only, else None)."""

    providers: dict[int, Provider]
    trees: dict[int, list[int]]
    with_class: dict[str, list[Provider]]
    nested: bool | None


@functools.lru_cache(maxsize=2)
def _names_query(ask_nested: bool) -> Compound:
    """The resource classes named ``classes`` and the traits named
    ``traits`` (expanding bind parameters), and when ``ask_nested``
    whether any provider has a parent: built once."""
    parts = [sa.select(sa.literal('c').label('kind'), RC.c.name, RC.c.id)
             .where(RC.c.name.in_(sa.bindparam('classes', expanding=True))),
             sa.select(sa.literal('t'), TRAIT.c.name, TRAIT.c.id)
             .where(TRAIT.c.name.in_(sa.bindparam('traits', expanding=True)))]
    if ask_nested:
        child = (sa.select(RP.c.id).where(RP.c.parent_provider_id.is_not(
            None)).limit(1).subquery())
        parts.append(sa.select(sa.literal('n'), sa.literal(''), child.c.id))
    return sa.union_all(*parts)


def _names(conn: sa.Connection, classes: set[str], traits: set[str],
           ask_nested: bool
           ) -> tuple[dict[str, int], dict[str, int], bool | None]:
    """({class: id}, {trait: id}, nested) in one statement."""
    found: dict[str, dict[str, int]] = {'c': {}, 't': {}, 'n': {}}
    for kind, name, id_ in conn.execute(_names_query(ask_nested), {
            'classes': sorted(classes),
            'traits': sorted(traits | {SHARING_TRAIT})}):
        found[kind][name] = id_
    return found['c'], found['t'], (bool(found['n']) if ask_nested else None)


def _relevant_roots(classes: int, sharing: bool,
                    any_sharing: bool) -> Select | Compound:
    """Roots of the trees that could serve: those with a capable
    provider, and those sharing an aggregate with a capable sharing
    provider, or with any sharing provider when ``any_sharing`` (a
    resourceless group may map to one that supplies nothing;
    doc/allocation-candidates.md, section 1).

    For ``classes`` requested classes, each ``n`` given by the bind
    parameters ``rc_n`` (its id), ``smallest_n`` and ``largest_n``; the
    sharing trait's id is ``sharing_trait``.

    NOTE: every table here is an alias, and no subquery correlates: the
    statement that uses these roots selects from the same tables.
    """
    inv, rp = INV.alias('capable_inv'), RP.alias('capable_rp')
    link, member = RP_TRAIT.alias('sharing_trait'), RP_AGG.alias('shared')
    other, other_rp = RP_AGG.alias('sharing_with'), RP.alias('anchor_rp')
    conditions = []
    for n in range(classes):
        smallest = sa.bindparam(f'smallest_{n}', type_=sa.Integer)
        conditions.append(sa.and_(
            inv.c.resource_class_id == sa.bindparam(f'rc_{n}'),
            inv.c.max_unit >= smallest,
            inv.c.min_unit <= sa.bindparam(f'largest_{n}'),
            smallest <= (inv.c.total - inv.c.reserved)
            * inv.c.allocation_ratio))
    capable = sa.or_(*conditions)
    roots = sa.select(rp.c.root_provider_id).where(rp.c.id.in_(
        sa.select(inv.c.resource_provider_id).where(capable)
        .correlate(None))).correlate(None)
    if not sharing:
        return roots
    # NOTE: sharing providers are few: each is tested for capacity on
    # its own, rather than through the list of every capable provider.
    sharing_providers = sa.select(link.c.resource_provider_id).where(
        link.c.trait_id == sa.bindparam('sharing_trait')).correlate(None)
    if not any_sharing:
        sharing_providers = sharing_providers.where(sa.exists().where(
            inv.c.resource_provider_id == link.c.resource_provider_id,
            capable))
    shared_aggregates = sa.select(member.c.aggregate_id).where(
        member.c.resource_provider_id.in_(sharing_providers)
    ).correlate(None)
    sharing_with = (
        sa.select(other_rp.c.root_provider_id)
        .select_from(other.join(
            other_rp, other_rp.c.id == other.c.resource_provider_id))
        .where(other.c.aggregate_id.in_(shared_aggregates))
        .correlate(None))
    return sa.union(roots, sharing_with)


@functools.lru_cache(maxsize=64)
def _world_query(classes: int, sharing: bool, any_sharing: bool,
                 member_of: bool) -> Compound:
    """Every provider of the relevant trees with each of its inventories
    and their usage ('i' rows), its traits ('t') and aggregates ('a'),
    in one statement: the trees are found once (a common table
    expression) and used three times.

    Aggregates serve two tests only: ``member_of`` (then all of them
    are read) and which trees a sharing provider serves (without
    ``member_of``, only the aggregates that hold a sharing provider
    are read; none when the sharing trait does not exist).

    Built once per number of classes (and whether sharing providers
    exist), with bind parameters: building a statement costs more than
    running this one on a small database.
    """
    roots = _relevant_roots(classes, sharing, any_sharing)
    trees = (sa.select(RP.c.id, RP.c.uuid, RP.c.parent_provider_id,
                       RP.c.root_provider_id)
             .where(RP.c.root_provider_id.in_(roots)).cte('relevant'))
    in_trees = sa.select(trees.c.id)
    usage = (sa.select(ALLOC.c.resource_provider_id,
                       ALLOC.c.resource_class_id,
                       sa.func.sum(ALLOC.c.used).label('used'))
             .where(ALLOC.c.resource_provider_id.in_(in_trees))
             .group_by(ALLOC.c.resource_provider_id,
                       ALLOC.c.resource_class_id).subquery('usage'))
    blank = sa.null()
    inventories = sa.select(
        sa.literal('i').label('kind'), trees.c.id, trees.c.uuid,
        trees.c.parent_provider_id, trees.c.root_provider_id,
        RC.c.name, INV.c.min_unit, INV.c.max_unit, INV.c.step_size,
        ((INV.c.total - INV.c.reserved) * INV.c.allocation_ratio
         ).label('capacity'), usage.c.used,
    ).select_from(
        trees.outerjoin(INV, INV.c.resource_provider_id == trees.c.id)
             .outerjoin(RC, RC.c.id == INV.c.resource_class_id)
             .outerjoin(usage, sa.and_(
                 usage.c.resource_provider_id == INV.c.resource_provider_id,
                 usage.c.resource_class_id == INV.c.resource_class_id)))
    traits = sa.select(
        sa.literal('t'), RP_TRAIT.c.resource_provider_id, blank, blank,
        blank, TRAIT.c.name, *[blank] * 5,
    ).select_from(RP_TRAIT.join(TRAIT, TRAIT.c.id == RP_TRAIT.c.trait_id)
                  ).where(RP_TRAIT.c.resource_provider_id.in_(in_trees))
    aggregates = sa.select(
        sa.literal('a'), RP_AGG.c.resource_provider_id, blank, blank,
        blank, AGG.c.uuid, *[blank] * 5,
    ).select_from(RP_AGG.join(AGG, AGG.c.id == RP_AGG.c.aggregate_id)
                  ).where(RP_AGG.c.resource_provider_id.in_(in_trees))
    if member_of:
        return sa.union_all(inventories, traits, aggregates)
    if not sharing:
        return sa.union_all(inventories, traits)
    holder, held = RP_TRAIT.alias('holder'), RP_AGG.alias('held')
    shared = (sa.select(held.c.aggregate_id)
              .select_from(held.join(holder, holder.c.resource_provider_id
                                     == held.c.resource_provider_id))
              .where(holder.c.trait_id == sa.bindparam('sharing_trait'))
              .correlate(None))
    return sa.union_all(inventories, traits, aggregates.where(
        RP_AGG.c.aggregate_id.in_(shared)))


def _providers(conn: sa.Connection, class_ids: dict[str, int],
               amounts: Amounts, sharing_trait_id: int | None,
               any_sharing: bool, member_of: bool
               ) -> World:
    params: dict[str, int | None] = {'sharing_trait': sharing_trait_id}
    for n, rc in enumerate(sorted(amounts)):
        params.update({f'rc_{n}': class_ids[rc],
                       f'smallest_{n}': amounts[rc][0],
                       f'largest_{n}': amounts[rc][1]})
    query = _world_query(len(amounts), sharing_trait_id is not None,
                         any_sharing, member_of)
    providers: dict[int, Provider] = {}
    trees: dict[int, list[int]] = {}
    with_class: dict[str, list[Provider]] = {}
    links = []
    # NOTE: integers, strings and doubles, and a sum that may be a
    # Decimal, converted below: read as the driver's tuples.
    for (kind, rp_id, uuid, parent, root, name, min_unit, max_unit, step,
         capacity, used) in driver_rows(conn.execute(query, params)):
        rp = providers.get(rp_id)
        if kind != 'i':
            if rp is None:
                links.append((rp_id, kind, name))
            else:
                (rp.traits if kind == 't' else rp.aggregates).add(name)
            continue
        if rp is None:
            rp = providers[rp_id] = _new(Provider, (rp_id, uuid, parent,
                                                    root, {}, set(), set()))
            tree = trees.get(root)
            if tree is None:
                trees[root] = [rp_id]
            else:
                tree.append(rp_id)
        if name is not None:
            # NOTE: int(): MariaDB's SUM is a DECIMAL; the capacity is
            # the database's (total - reserved) * allocation_ratio, in
            # double precision as everywhere (provider filters, writes).
            rp.inventories[name] = _new(Inventory, (
                min_unit, max_unit, step, 0 if used is None else int(used),
                int(capacity)))
            holders = with_class.get(name)
            if holders is None:
                with_class[name] = [rp]
            else:
                holders.append(rp)
    # Union rows come in no promised order: links read before their
    # provider are added after all providers.
    for rp_id, kind, name in links:
        rp = providers[rp_id]
        (rp.traits if kind == 't' else rp.aggregates).add(name)
    return World(providers, trees, with_class, None)


@snapshot_reader
def load(conn: sa.Connection, amounts: Amounts, traits: set[str],
         ask_nested: bool, *, any_sharing: bool, member_of: bool) -> World:
    """The providers of every tree that could serve a request.

    ``amounts`` maps each requested class to the smallest and largest
    amount any group asks of it; ``traits`` are the names the request
    uses. Unknown classes or traits: 400. ``any_sharing``: the
    request has a resourceless group, which any sharing provider may
    serve, capable or not. ``member_of``: a group filters by aggregate
    (without, the providers' aggregates are read only as far as they
    tie sharing providers to trees).
    """
    class_ids, trait_ids, nested = _names(conn, set(amounts), traits,
                                          ask_nested)
    unknown = sorted(set(amounts) - set(class_ids))
    if unknown:
        raise errors.UnknownResourceClass(name=', '.join(unknown))
    unknown = sorted(traits - set(trait_ids))
    if unknown:
        raise errors.UnknownTraits(names=', '.join(unknown))
    return _providers(conn, class_ids, amounts, trait_ids.get(SHARING_TRAIT),
                      any_sharing, member_of)._replace(nested=nested)
