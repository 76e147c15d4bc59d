"""A brute-force model of GET /allocation_candidates, to check the service.

Nothing here is fast; everything here is meant to be obviously right.
For every tree of the world (its root is the *anchor*), every group of
the request is matched against every provider that tree may use, every
class of the unsuffixed group against every such provider, and every
combination of group matches is checked against the rules of the
Placement API as the project documents them (README; matching of
allocation candidates). The rules are written out one per function,
each in the words of that document; where the document leaves room,
the reading chosen is written down at that spot as a NOTE.

Results come out in a canonical, hashable form (``Candidate``): the
allocations summed per provider and class, and the mappings (group
suffix to the sorted providers that satisfy it; empty below 1.34, where
responses carry none), so that the service's answer parsed into the
same form (see seeding.py) compares as a set.

Rules that are an error (400) in the API are not modelled: requests
the service must refuse are the business of other tests. The few that
would make a result meaningless here raise ValueError.
"""

import collections
import dataclasses
import itertools
import math
from collections.abc import Iterator
from collections.abc import Mapping
from fractions import Fraction

SHARING_TRAIT = 'MISC_SHARES_VIA_AGGREGATE'
MAX_INT = 2147483647
UNSUFFIXED = ''

# ((provider, class, amount), ...), ((suffix, (provider, ...)), ...)
Allocations = frozenset[tuple[str, str, int]]
Mappings = frozenset[tuple[str, tuple[str, ...]]]
Candidate = tuple[Allocations, Mappings]


@dataclasses.dataclass(frozen=True)
class Inventory:
    total: int
    reserved: int = 0
    min_unit: int = 1
    max_unit: int = MAX_INT
    step_size: int = 1
    allocation_ratio: float = 1.0

    @property
    def capacity(self) -> int:
        """floor((total - reserved) * allocation_ratio), computed exactly
        on the stored float, so no rounding of ours hides a difference."""
        return math.floor(Fraction(self.total - self.reserved)
                          * Fraction(self.allocation_ratio))


@dataclasses.dataclass(frozen=True)
class Provider:
    uuid: str
    parent: str | None = None
    inventories: Mapping[str, Inventory] = dataclasses.field(
        default_factory=dict)
    # Current usage per class; a class absent here is unused.
    usages: Mapping[str, int] = dataclasses.field(default_factory=dict)
    traits: frozenset[str] = frozenset()
    aggregates: frozenset[str] = frozenset()

    def used(self, resource_class: str) -> int:
        return self.usages.get(resource_class, 0)


class World:
    """Providers, their trees, and what each tree may draw from."""

    def __init__(self, providers: list[Provider]):
        self.providers = {p.uuid: p for p in providers}
        if len(self.providers) != len(providers):
            raise ValueError('provider uuids repeat')
        for p in providers:
            if p.parent is not None and p.parent not in self.providers:
                raise ValueError(f'{p.uuid}: unknown parent {p.parent}')
            for rc in p.usages:
                if rc not in p.inventories:
                    raise ValueError(f'{p.uuid}: usage of {rc} without '
                                     'inventory')
            # NOTE: the API description says a sharing provider's member
            # test is on "a sharing provider itself" while a tree
            # provider's is on it or its root; for a sharing provider
            # below a root those two disagree and nothing settles which
            # wins, so such worlds are not modelled.
            if SHARING_TRAIT in p.traits and p.parent is not None:
                raise ValueError(f'{p.uuid}: a sharing provider with a '
                                 'parent is not modelled')
        for p in providers:
            self.root(p.uuid)  # rejects cycles

    def __repr__(self) -> str:
        return f'World({list(self.providers.values())!r})'

    def root(self, uuid: str) -> str:
        seen = set()
        while self.providers[uuid].parent is not None:
            if uuid in seen:
                raise ValueError(f'{uuid}: a cycle of parents')
            seen.add(uuid)
            uuid = self.providers[uuid].parent
        return uuid

    def roots(self) -> list[str]:
        return sorted(u for u, p in self.providers.items() if p.parent is None)

    def tree(self, root: str) -> set[str]:
        return {u for u in self.providers if self.root(u) == root}

    def is_ancestor_or_self(self, ancestor: str, uuid: str) -> bool:
        while uuid is not None:
            if uuid == ancestor:
                return True
            uuid = self.providers[uuid].parent
        return False

    def is_sharing(self, uuid: str) -> bool:
        return SHARING_TRAIT in self.providers[uuid].traits

    def has_nesting(self) -> bool:
        return any(p.parent is not None for p in self.providers.values())

    def usable_by(self, anchor: str) -> list[str]:
        """Every provider a result anchored at ``anchor`` may use: each
        provider of that tree, and each sharing provider of another tree
        that is in an aggregate with any provider of that tree."""
        tree = self.tree(anchor)
        tree_aggregates = set().union(
            *(self.providers[u].aggregates for u in tree))
        sharing = {u for u in self.providers
                   if u not in tree and self.is_sharing(u)
                   and self.providers[u].aggregates & tree_aggregates}
        return sorted(tree | sharing)


@dataclasses.dataclass(frozen=True)
class Group:
    """One request group: ``resources{S}``, ``required{S}``,
    ``member_of{S}``, ``in_tree{S}``."""

    resources: Mapping[str, int] = dataclasses.field(default_factory=dict)
    # required=A,B: all of them.
    required: frozenset[str] = frozenset()
    # Each required=in:A,B (1.39): at least one of the set.
    required_any: tuple[frozenset[str], ...] = ()
    # required=!A
    forbidden: frozenset[str] = frozenset()
    # Each member_of=A or in:A,B: at least one of the set; all ANDed.
    member_of: tuple[frozenset[str], ...] = ()
    # member_of=!A, !in:A,B: none of them.
    forbidden_aggregates: frozenset[str] = frozenset()
    in_tree: str | None = None


@dataclasses.dataclass(frozen=True)
class Request:
    version: tuple[int, int]
    # Keyed by suffix, UNSUFFIXED ('') for the unsuffixed group.
    groups: Mapping[str, Group]
    group_policy: str | None = None
    root_required: frozenset[str] = frozenset()
    root_forbidden: frozenset[str] = frozenset()
    # Each same_subtree=_A,_B: the suffixes it names.
    same_subtree: tuple[tuple[str, ...], ...] = ()


@dataclasses.dataclass(frozen=True)
class Match:
    """How one group is satisfied: (class, provider, amount) for each
    of its classes, and the providers its mapping lists."""

    suffix: str
    supplies: tuple[tuple[str, str, int], ...]
    providers: frozenset[str]


def candidates(world: World, request: Request) -> set[Candidate]:
    """Every distinct allocation candidate the service must return for
    ``request`` on ``world`` (no ``limit``)."""
    _check_modelled(request)
    results = set()
    for anchor in world.roots():
        if not (_root_passes(world, anchor, request)
                and _unsuffixed_anchor_passes(world, anchor, request)):
            continue
        usable = world.usable_by(anchor)
        choices = [list(_group_matches(world, usable, suffix, group))
                   for suffix, group in sorted(request.groups.items())]
        for combination in itertools.product(*choices):
            if _combination_passes(world, request, combination):
                results.add(_canonical(request, combination))
    if request.version < (1, 29) and world.has_nesting():
        # Before 1.29 the API has no nested providers in candidates: a
        # result taking from two providers of one tree is dropped as
        # soon as any provider of the world has a parent.
        results = {r for r in results
                   if not _uses_two_of_one_tree(world, r)}
    return results


def _check_modelled(request: Request) -> None:
    groups = request.groups
    if not any(g.resources for g in groups.values()):
        raise ValueError('no group asks for resources (400)')
    if UNSUFFIXED in groups and not groups[UNSUFFIXED].resources:
        raise ValueError('a resourceless unsuffixed group can never be '
                         'named in same_subtree (400)')
    named = {s for suffixes in request.same_subtree for s in suffixes}
    if not named <= set(groups) - {UNSUFFIXED}:
        raise ValueError('same_subtree names an unknown group (400)')
    for suffix, group in groups.items():
        if not group.resources and suffix not in named:
            raise ValueError(f'resourceless group {suffix!r} is in no '
                             'same_subtree (400)')


def _root_passes(world: World, anchor: str, request: Request) -> bool:
    """root_required: the anchor root has every listed trait and none
    of the forbidden ones. The anchor is the root of the tree a result
    is for, never a sharing provider serving another tree."""
    traits = world.providers[anchor].traits
    return (request.root_required <= traits
            and not request.root_forbidden & traits)


def _unsuffixed_anchor_passes(world: World, anchor: str,
                              request: Request) -> bool:
    """The unsuffixed group's forbidden aggregates: neither a supplier
    nor its root nor the anchor is in one, so an anchor in one anchors
    nothing, even where sharing providers of other trees supply every
    class of the group.

    NOTE: the unsuffixed group's ``in_tree`` names the only anchor: its
    suppliers lie in that tree, and the README's choices say that tree
    is also the only one searched. (Read alone, "that tree only" would
    also let another tree anchor the result when ``in_tree`` names a
    sharing provider aggregated with it.)
    """
    group = request.groups.get(UNSUFFIXED)
    if group is None:
        return True
    if group.in_tree is not None and (
            group.in_tree not in world.providers
            or world.root(group.in_tree) != anchor):
        return False
    return not world.providers[anchor].aggregates & group.forbidden_aggregates


def fits_alone(world: World, uuid: str, resource_class: str,
               amount: int) -> bool:
    """The provider has inventory of the class, and ``amount`` passes
    min_unit <= N <= max_unit, N % step_size == 0 and
    used + N <= capacity."""
    provider = world.providers[uuid]
    inventory = provider.inventories.get(resource_class)
    if inventory is None:
        return False
    return (inventory.min_unit <= amount <= inventory.max_unit
            and amount % inventory.step_size == 0
            and provider.used(resource_class) + amount
            <= inventory.capacity)


def _in_tree(world: World, uuid: str, in_tree: str | None) -> bool:
    """in_tree: the provider has the same root as the named provider (an
    unknown one matches nothing)."""
    if in_tree is None:
        return True
    if in_tree not in world.providers:
        return False
    return world.root(uuid) == world.root(in_tree)


def _group_matches(world: World, usable: list[str], suffix: str,
                   group: Group) -> Iterator[Match]:
    if suffix == UNSUFFIXED:
        yield from _unsuffixed_matches(world, usable, group)
    else:
        yield from _suffixed_matches(world, usable, suffix, group)


def _unsuffixed_matches(world: World, usable: list[str],
                        group: Group) -> Iterator[Match]:
    """Each class from any usable provider, independently: every
    possible assignment of a provider to each class, tried one by one.
    """
    classes = sorted(group.resources)
    for assignment in itertools.product(usable, repeat=len(classes)):
        supplies = tuple((rc, uuid, group.resources[rc])
                         for rc, uuid in zip(classes, assignment,
                                             strict=True))
        suppliers = frozenset(assignment)
        if (all(fits_alone(world, uuid, rc, n) for rc, uuid, n in supplies)
                and _unsuffixed_traits_pass(world, suppliers, group)
                and all(_unsuffixed_aggregates_pass(world, uuid, group)
                        for uuid in suppliers)
                and all(_in_tree(world, uuid, group.in_tree)
                        for uuid in suppliers)):
            # in_tree on the unsuffixed group keeps every supplier
            # inside that tree (so no outside sharing provider); that
            # tree is also the only anchor (_unsuffixed_anchor_passes).
            yield Match(UNSUFFIXED, supplies, suppliers)


def _unsuffixed_traits_pass(world: World, suppliers: frozenset[str],
                            group: Group) -> bool:
    """The supplying providers together hold each required trait and at
    least one trait of each any-of set; none of them holds a forbidden
    one.

    NOTE: only the providers that supply a class of the group count:
    a trait on the root of a tree whose root supplies nothing, or on a
    provider of the tree that supplies nothing, does not satisfy the
    group, and a forbidden trait there does not spoil it. A sharing
    provider that supplies counts like any other supplier.
    """
    held = set().union(*(world.providers[u].traits for u in suppliers))
    return (group.required <= held
            and all(any_of & held for any_of in group.required_any)
            and not any(world.providers[u].traits & group.forbidden
                        for u in suppliers))


def _unsuffixed_aggregates_pass(world: World, uuid: str,
                                group: Group) -> bool:
    """member_of for one supplier of the unsuffixed group: for each
    member_of set, the supplier or its root is in one of its aggregates;
    neither the supplier nor its root is in a forbidden one.

    NOTE: each member_of set is tested on its own, so a supplier may
    meet one set through its own aggregates and another through its
    root's. Every supplier must pass (not one of them for the group).
    A sharing provider is a root here (World refuses others), so it is
    tested on its own aggregates alone, never on those of the tree it
    serves: for member_of, the anchor's aggregates matter only through
    the anchor's own providers that supply (the forbidden ones exclude
    the anchor as well: _unsuffixed_anchor_passes).
    """
    provider = world.providers[uuid]
    effective = provider.aggregates | world.providers[
        world.root(uuid)].aggregates
    return (all(any_of & effective for any_of in group.member_of)
            and not effective & group.forbidden_aggregates)


def _suffixed_matches(world: World, usable: list[str], suffix: str,
                      group: Group) -> Iterator[Match]:
    """One provider supplies every class of the group (none, for a
    resourceless group), holds its traits itself, is directly in its
    aggregates and outside the forbidden ones, and lies in the in_tree
    tree.

    NOTE: a sharing provider of another tree serves a suffixed group
    (and a resourceless one) of any anchor it is aggregated with, as it
    serves the unsuffixed group; in_tree{S} naming it pins the group to
    it whatever the anchor. Aggregates are the provider's own here,
    never its root's.
    """
    for uuid in usable:
        provider = world.providers[uuid]
        if (all(fits_alone(world, uuid, rc, n)
                for rc, n in group.resources.items())
                and group.required <= provider.traits
                and all(any_of & provider.traits
                        for any_of in group.required_any)
                and not provider.traits & group.forbidden
                and all(any_of & provider.aggregates
                        for any_of in group.member_of)
                and not provider.aggregates & group.forbidden_aggregates
                and _in_tree(world, uuid, group.in_tree)):
            supplies = tuple((rc, uuid, n)
                             for rc, n in sorted(group.resources.items()))
            yield Match(suffix, supplies, frozenset([uuid]))


def _combination_passes(world: World, request: Request,
                        combination: tuple[Match, ...]) -> bool:
    return (_isolated(request, combination)
            and all(_same_subtree(world, suffixes, combination)
                    for suffixes in request.same_subtree)
            and _sums_fit(world, combination))


def _isolated(request: Request, combination: tuple[Match, ...]) -> bool:
    """group_policy=isolate: the suffixed groups, resourceless ones
    included, use pairwise distinct providers; the unsuffixed group may
    share a provider with any of them. group_policy=none (or none
    given, possible with at most one suffixed group): no constraint."""
    if request.group_policy != 'isolate':
        return True
    providers = [m.providers for m in combination if m.suffix != UNSUFFIXED]
    return all(not a & b for a, b in itertools.combinations(providers, 2))


def _same_subtree(world: World, suffixes: tuple[str, ...],
                  combination: tuple[Match, ...]) -> bool:
    """Among the providers mapped to the named groups, one is an
    ancestor of (or the same as) every other."""
    providers = set().union(*(m.providers for m in combination
                              if m.suffix in suffixes))
    return any(all(world.is_ancestor_or_self(top, u) for u in providers)
               for top in providers)


def _summed(combination: tuple[Match, ...]) -> collections.Counter:
    """Amounts per (provider, class), summed across groups."""
    total = collections.Counter()
    for match in combination:
        for rc, uuid, n in match.supplies:
            total[(uuid, rc)] += n
    return total


def _sums_fit(world: World, combination: tuple[Match, ...]) -> bool:
    """Where several groups take the same class from one provider, the
    sum needs used + sum <= capacity and sum <= max_unit; min_unit and
    step_size apply to each group's amount only (already checked)."""
    for (uuid, rc), n in _summed(combination).items():
        provider = world.providers[uuid]
        inventory = provider.inventories[rc]
        if (provider.used(rc) + n > inventory.capacity
                or n > inventory.max_unit):
            return False
    return True


def _canonical(request: Request,
               combination: tuple[Match, ...]) -> Candidate:
    allocations = frozenset((uuid, rc, n) for (uuid, rc), n
                            in _summed(combination).items())
    if request.version < (1, 34):
        return allocations, frozenset()
    mappings = frozenset((m.suffix, tuple(sorted(m.providers)))
                         for m in combination)
    return allocations, mappings


def _uses_two_of_one_tree(world: World, result: Candidate) -> bool:
    allocations, _ = result
    used = {uuid for uuid, _, _ in allocations}
    roots = [world.root(u) for u in used]
    return len(roots) != len(set(roots))


def providers_in(result: Candidate) -> set[str]:
    """The providers a result allocates from or maps a group to."""
    allocations, mappings = result
    return ({uuid for uuid, _, _ in allocations}
            | {uuid for _, uuids in mappings for uuid in uuids})


def provider_summaries(world: World, request: Request,
                       results: set[Candidate]) -> dict:
    """The ``provider_summaries`` the service must return beside
    ``results``, in the JSON shape with traits sorted.

    NOTE: from 1.29 the summarised providers are every provider of each
    tree that holds a provider a result allocates from or maps a group
    to; a tree that only anchors a result served by sharing providers
    of other trees supplies nothing and is not summarised. Before 1.29,
    only the providers results allocate from. Before 1.27 a summary
    lists the classes the request asks for (in any group) that the
    provider has inventory of; from 1.27 all of its inventory.
    """
    used = set().union(*(providers_in(r) for r in results))
    if request.version >= (1, 29):
        roots = {world.root(u) for u in used}
        shown = {u for u in world.providers if world.root(u) in roots}
    else:
        shown = used
    requested = {rc for g in request.groups.values() for rc in g.resources}
    summaries = {}
    for uuid in shown:
        provider = world.providers[uuid]
        classes = [rc for rc in provider.inventories
                   if request.version >= (1, 27) or rc in requested]
        summary = {'resources': {
            rc: {'capacity': provider.inventories[rc].capacity,
                 'used': provider.used(rc)}
            for rc in classes}}
        if request.version >= (1, 17):
            summary['traits'] = sorted(provider.traits)
        if request.version >= (1, 29):
            summary['parent_provider_uuid'] = provider.parent
            summary['root_provider_uuid'] = world.root(uuid)
        summaries[uuid] = summary
    return summaries
