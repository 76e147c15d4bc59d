"""Allocation candidates: combining providers in memory, pruned early.

The storage layer hands over every provider of the trees that could
serve (``storage.allocation_candidate.World``); this module finds the
combinations, per anchor tree, by a depth-first search that drops a
partial combination as soon as it breaks capacity, ``isolate``,
``same_subtree`` or the nested rule below 1.29, stops at the limit, the
cap or the work budget, and merges identical candidates.
doc/allocation-candidates.md explains the design and its bounds.
"""

import logging
import operator
import random
import time
from collections.abc import Callable, Collection, Iterator
from typing import Any, NamedTuple

from placement_min import microversion as mv
from placement_min.filters import MemberOf
from placement_min.filters import Required
from placement_min.request_groups import CandidateRequest
from placement_min.request_groups import RequestGroup
from placement_min.storage.allocation_candidate import SHARING_TRAIT
from placement_min.storage.allocation_candidate import Provider
from placement_min.storage.allocation_candidate import World

LOG = logging.getLogger(__name__)

_NO_TRAITS = Required()
_NO_AGGREGATES = MemberOf()
# Search steps between two looks at the clock: 256.
_CLOCK_MASK = 255
# NOTE: a NamedTuple's own constructor is a Python function; the
# candidates, up to thousands per answer, are built with the tuple's.
_new = tuple.__new__

# ((class, amount), ...), by class: what a slot asks of one provider,
# or what a candidate allocates on one.
Resources = tuple[tuple[str, int], ...]
# ((provider id, resources), ...), by provider id: what a candidate
# allocates.
Allocations = tuple[tuple[int, Resources], ...]


class Settings(NamedTuple):
    """The [placement] options the search follows."""

    randomize: bool = False
    max_candidates: int = -1
    breadth_first: bool = False
    budget_ms: int = 3000


class Candidate(NamedTuple):
    """One allocation request: ((provider id, ((class, amount), ...)),
    ...) in a canonical order; and from 1.34 (empty before) its
    mappings: the ids of the unsuffixed group's providers, in order, and
    the id of each suffixed group's provider, in the order of
    ``Result.suffixes``."""

    allocations: Allocations
    unsuffixed: tuple[int, ...]
    groups: tuple[int, ...]


class Result(NamedTuple):
    candidates: list[Candidate]
    cut: bool           # the budget ended the search
    suffixes: tuple[str, ...]   # of the suffixed groups, in order


class _BudgetSpent(Exception):
    pass


def traits_match(wanted: Required, held: set[str]) -> bool:
    return (wanted.all_of <= held and not (wanted.none_of & held)
            and all(any_of & held for any_of in wanted.any_of))


def aggregates_match(wanted: MemberOf, member: set[str]) -> bool:
    return (not (wanted.none_of & member)
            and all(any_of & member for any_of in wanted.any_of))


class _Slot(NamedTuple):
    """One step of the search: a class of the unsuffixed group, or a
    whole suffixed group. ``passing`` lists the ids of the providers
    that pass the slot's own tests."""

    group: RequestGroup
    resources: Resources
    passing: list[int]        # by id
    sharing: tuple[int, ...]  # passing sharing providers
    same_as_previous: bool    # interchangeable with the slot before it


class _Search:
    """The state of one request's search over every anchor."""

    def __init__(self, request: CandidateRequest, world: World,
                 version: mv.Version, settings: Settings) -> None:
        self.request = request
        self.providers = world.providers
        self.version = version
        self.settings = settings
        self.isolate = request.group_policy == 'isolate'
        self.show_mappings = version >= mv.CANDIDATES_MAPPINGS
        # Below 1.29, with any nested provider in the database, one tree
        # may give at most one provider to a candidate.
        self.one_per_tree = bool(world.nested)
        self.trees = world.trees
        self.with_class = world.with_class
        self.sharing_ids = {rp.id for rp in self.providers.values()
                            if SHARING_TRAIT in rp.traits}
        self.unsuffixed = next((g for g in request.groups
                                if not g.suffixed), None)
        # The trees ``in_tree`` names, by provider uuid.
        named = {g.in_tree for g in request.groups if g.in_tree}
        self.roots_by_uuid = {rp.uuid: rp.root_id
                              for rp in self.providers.values()
                              if rp.uuid in named} if named else {}
        self._passing: dict[Any, tuple[list[int], tuple[int, ...]]] = {}
        self.slots = self._slots()
        # Per slot, its passing providers by tree (``_options``; built
        # at the first tree that is searched).
        self._by_root: list[dict[int, list[int]]] | None = None
        self._subtree_slots()
        self.last_unsuffixed = max(
            (i for i, s in enumerate(self.slots) if not s.group.suffixed),
            default=-1)
        # The slot after which the unsuffixed group's suppliers must hold
        # its traits together (-1: it asks for none).
        wanted = self.unsuffixed.traits if self.unsuffixed else _NO_TRAITS
        self.unsuffixed_traits = wanted
        self.traits_checked_at = (
            self.last_unsuffixed if wanted.all_of or wanted.any_of else -1)
        # The unsuffixed group alone, and no sharing provider: a tree of
        # one provider needs no combining at all (``_lone``).
        self.lone_providers = (
            not self.sharing_ids and self.unsuffixed is not None
            and len(request.groups) == 1)
        # Whether a tree may fail ``_anchor_ok`` at all.
        self.anchors_tested = (
            request.root_traits != _NO_TRAITS
            or (self.unsuffixed is not None
                and (self.unsuffixed.in_tree is not None
                     or bool(self.unsuffixed.aggregates.none_of))))
        # The providers that passed every slot, for ``_lone``.
        self.lone_fit: set[int] = (
            set.intersection(*(set(slot.passing) for slot in self.slots))
            if self.lone_providers and self.slots else set())
        self.lone_items: Resources = (
            tuple(sorted(self.unsuffixed.resources.items()))
            if self.unsuffixed else ())
        # Whether each slot's provider must differ from every other
        # suffixed group's (isolate).
        self.exclusive = [self.isolate and slot.group.suffixed
                          for slot in self.slots]
        self.interchangeable = [s.same_as_previous for s in self.slots]
        self.slot_resources = [s.resources for s in self.slots]
        # (suffix, slot index) of the suffixed groups, by suffix, and
        # what gives their providers from the slots' (a tuple).
        self.suffixed_slots = sorted((s.group.suffix, i)
                                     for i, s in enumerate(self.slots)
                                     if s.group.suffixed)
        indices = [i for _suffix, i in self.suffixed_slots]
        self.group_providers: Callable[[list[int]], tuple[int, ...]] = (
            operator.itemgetter(*indices) if len(indices) > 1
            else lambda chosen: tuple([chosen[i] for i in indices]))
        # What every slot asks, when it is the same (identical groups):
        # the allocations of distinct providers then depend only on
        # which they are, and are made once per set.
        self.uniform: Resources | None = (
            self.slot_resources[0]
            if self.slot_resources and self.slot_resources[0]
            and self.slot_resources.count(self.slot_resources[0])
            == len(self.slot_resources) else None)
        self._uniform_allocations: dict[tuple[int, ...], Allocations] = {}
        self._ancestors: dict[int, frozenset[int]] = {}
        self.steps = 0
        self.deadline = time.monotonic() + settings.budget_ms / 1000.0

    # -- what each slot may use ------------------------------------------

    def _tree_of(self, uuid: str | None) -> int | None:
        """Root id of the provider ``uuid``; -1 if it is not known."""
        if uuid is None:
            return None
        return self.roots_by_uuid.get(uuid, -1)

    def _member_aggregates(self, rp: Provider) -> set[str]:
        """Aggregates that count for the unsuffixed group: the
        provider's own, and unless it is a sharing provider its root's."""
        if rp.id in self.sharing_ids or rp.root_id == rp.id:
            return rp.aggregates
        return rp.aggregates | self.providers[rp.root_id].aggregates

    def _holds(self, group: RequestGroup, rp: Provider) -> bool:
        """Whether ``rp`` has what ``group`` asks besides resources:
        traits, aggregates (doc/allocation-candidates.md, section 2)."""
        if group.suffixed:
            return (traits_match(group.traits, rp.traits)
                    and aggregates_match(group.aggregates, rp.aggregates))
        if group.traits.none_of & rp.traits:
            return False
        root = self.providers[rp.root_id]
        if group.aggregates.none_of and group.aggregates.none_of & (
                rp.aggregates | root.aggregates):
            return False
        if not group.aggregates.any_of:
            return True
        member = self._member_aggregates(rp)
        return all(any_of & member for any_of in group.aggregates.any_of)

    def _eligible(self, group: RequestGroup) -> list[Provider] | None:
        """The providers that pass ``group``'s tests but resources: its
        tree, traits and aggregates (once for all the classes of the
        unsuffixed group); None when it has no such test. A suffixed
        group's are looked for among the holders of its first class."""
        tree = self._tree_of(group.in_tree)
        plain = (group.traits == _NO_TRAITS
                 and group.aggregates == _NO_AGGREGATES)
        if tree is None and plain:
            return None
        considered: Collection[Provider] = self.providers.values()
        if group.suffixed and group.resources:
            considered = self.with_class.get(min(group.resources), ())
        return [rp for rp in considered
                if (tree is None or rp.root_id == tree)
                and (plain or self._holds(group, rp))]

    def _slot(self, group: RequestGroup, resources: Resources,
              eligible: list[Provider] | None,
              previous: _Slot | None) -> _Slot:
        same = (previous is not None and previous.group.suffixed
                and group.suffixed and not self.show_mappings
                and previous.group[1:] == group[1:])
        # Groups that ask the same of one provider pass the same ones.
        key = (resources, group.traits, group.aggregates, group.in_tree,
               group.suffixed)
        found = self._passing.get(key)
        if found is None:
            found = self._passing[key] = self._pass(resources, eligible)
        return _Slot(group, resources, *found, same)

    def _pass(self, resources: Resources, eligible: list[Provider] | None
              ) -> tuple[list[int], tuple[int, ...]]:
        """(ids of the providers of ``eligible``, or of all, that can
        give ``resources``, and those of them that are sharing)."""
        considered: Collection[Provider]
        if eligible is not None:
            considered = eligible
        elif resources:
            # Only providers with inventory of the slot's first class
            # can pass.
            considered = self.with_class.get(resources[0][0], ())
        else:
            considered = self.providers.values()
        passing = []
        for rp in considered:
            inventories = rp.inventories
            for rc, amount in resources:
                inventory = inventories.get(rc)
                if inventory is None or not inventory.fits(amount):
                    break
            else:
                passing.append(rp.id)
        passing.sort()
        return passing, tuple(p for p in passing if p in self.sharing_ids)

    def _slots(self) -> list[_Slot]:
        slots: list[_Slot] = []
        in_subtree = [s for subtree in self.request.same_subtree
                      for s in subtree]
        suffixed = sorted(
            (g for g in self.request.groups if g.suffixed),
            key=lambda g: (g.suffix not in in_subtree,
                           in_subtree.index(g.suffix)
                           if g.suffix in in_subtree else 0,
                           sorted(g.resources.items()), g.suffix))
        if self.unsuffixed is not None:
            eligible = self._eligible(self.unsuffixed)
            for rc, amount in sorted(self.unsuffixed.resources.items()):
                slots.append(self._slot(self.unsuffixed, ((rc, amount),),
                                        eligible, None))
        for group in suffixed:
            slots.append(self._slot(group,
                                    tuple(sorted(group.resources.items())),
                                    self._eligible(group),
                                    slots[-1] if slots else None))
        return slots

    def _subtree_slots(self) -> None:
        """Per slot, for ``subtree_ok``: the earlier slots that share a
        ``same_subtree`` with it, and the slots of each ``same_subtree``
        whose last slot it is."""
        self.subtrees = bool(self.request.same_subtree)
        count = len(self.slots)
        self.subtree_peers: list[list[int]] = [[] for _ in range(count)]
        self.subtrees_ending: list[list[list[int]]] = [
            [] for _ in range(count)]
        for suffixes in self.request.same_subtree:
            members = [i for i, slot in enumerate(self.slots)
                       if slot.group.suffix in suffixes]
            for n, i in enumerate(members):
                self.subtree_peers[i].extend(members[:n])
            self.subtrees_ending[members[-1]].append(members)

    # -- anchors -----------------------------------------------------------

    def _anchor_ok(self, root_id: int) -> bool:
        root = self.providers[root_id]
        if self.request.root_traits != _NO_TRAITS and not traits_match(
                self.request.root_traits, root.traits):
            return False
        group = self.unsuffixed
        if group is None:
            return True
        if group.in_tree is not None and self._tree_of(
                group.in_tree) != root_id:
            return False
        return not (group.aggregates.none_of & root.aggregates)

    def _sharing_for(self, root_id: int) -> set[int]:
        """Sharing providers outside the tree that share an aggregate
        with one of its providers."""
        if not self.sharing_ids:
            return set()
        tree = self.trees[root_id]
        aggregates: set[str] = set().union(*(self.providers[p].aggregates
                                             for p in tree))
        return {s for s in self.sharing_ids
                if self.providers[s].root_id != root_id
                and self.providers[s].aggregates & aggregates}

    def _options(self, root_id: int) -> list[list[int]] | None:
        sharing = self._sharing_for(root_id)
        options = []
        if self._by_root is None:
            self._by_root = self._passing_by_root()
        for slot, by_root in zip(self.slots, self._by_root, strict=True):
            found = list(by_root.get(root_id, ()))
            if sharing:
                found += [s for s in slot.sharing if s in sharing]
            if not found:
                return None
            options.append(found)
        if self.isolate and not self._can_isolate(options):
            return None
        return options

    def _passing_by_root(self) -> list[dict[int, list[int]]]:
        providers = self.providers
        built: dict[int, dict[int, list[int]]] = {}
        for slot in self.slots:
            if id(slot.passing) in built:
                continue
            by_root: dict[int, list[int]] = {}
            for rp_id in slot.passing:
                root_id = providers[rp_id].root_id
                found = by_root.get(root_id)
                if found is None:
                    by_root[root_id] = [rp_id]
                else:
                    found.append(rp_id)
            built[id(slot.passing)] = by_root
        return [built[id(slot.passing)] for slot in self.slots]

    def _can_isolate(self, options: list[list[int]]) -> bool:
        """A matching of suffixed slots to distinct providers exists."""
        owner: dict[int, int] = {}

        def assign(i: int, seen: set[int]) -> bool:
            for p in options[i]:
                if p in seen:
                    continue
                seen.add(p)
                if p not in owner or assign(owner[p], seen):
                    owner[p] = i
                    return True
            return False

        return all(assign(i, set()) for i, slot in enumerate(self.slots)
                   if slot.group.suffixed)

    # -- the search --------------------------------------------------------

    def _tick(self) -> None:
        self.steps += 1
        if (not self.steps & _CLOCK_MASK
                and time.monotonic() > self.deadline):
            raise _BudgetSpent()

    def _ancestors_of(self, rp_id: int) -> frozenset[int]:
        found = self._ancestors.get(rp_id)
        if found is None:
            chain: list[int] = []
            current: int | None = rp_id
            while current is not None:
                chain.append(current)
                current = self.providers[current].parent_id
            found = self._ancestors[rp_id] = frozenset(chain)
        return found

    def subtree_ok(self, chosen: list[int], i: int) -> bool:
        """``same_subtree``, when slot ``i`` is placed after every slot
        before it: its provider is in the tree of the providers of the
        slots it shares a ``same_subtree`` with, and for each set whose
        last slot it is, one of the set's providers is an
        ancestor-or-self of all."""
        providers = self.providers
        root_id = providers[chosen[i]].root_id
        for j in self.subtree_peers[i]:
            if providers[chosen[j]].root_id != root_id:
                return False
        for members in self.subtrees_ending[i]:
            placed = {chosen[j] for j in members}
            common = frozenset.intersection(
                *(self._ancestors_of(p) for p in placed))
            if not common & placed:
                return False
        return True

    def unsuffixed_traits_ok(self, chosen: list[int]) -> bool:
        held: set[str] = set()
        for i in range(self.last_unsuffixed + 1):
            held |= self.providers[chosen[i]].traits
        return traits_match(self.unsuffixed_traits, held)

    def anchor(self, root_id: int) -> Iterator[Candidate]:
        """The candidates anchored at ``root_id`` (repeats included)."""
        self._tick()
        if self.lone_providers and len(self.trees[root_id]) == 1:
            lone = self._lone(root_id)
            if lone is not None:
                yield lone
            return
        if not self._anchor_ok(root_id):
            return
        options = self._options(root_id)
        if options is None:
            return
        if all(len(choices) == 1 for choices in options):
            # One provider per slot (a flat tree, no sharing): one
            # combination to check, no search to set up.
            combination = _Combination(self)
            if all(combination.place(i, choices[0])
                   for i, choices in enumerate(options)):
                yield self._candidate(combination.placed, combination.chosen)
            return
        yield from self._walk(options)

    def _lone(self, root_id: int) -> Candidate | None:
        """A tree of one provider, for a request of the unsuffixed group
        alone, with no sharing provider anywhere: the candidate is that
        provider with every class, if it passed every slot (each amount
        alone is all it must fit) and holds the group's traits."""
        if root_id not in self.lone_fit or (
                self.anchors_tested and not self._anchor_ok(root_id)):
            return None
        if self.traits_checked_at >= 0 and not traits_match(
                self.unsuffixed_traits, self.providers[root_id].traits):
            return None
        return _new(Candidate, (
            ((root_id, self.lone_items),),
            (root_id,) if self.show_mappings else (), ()))

    def _walk(self, options: list[list[int]]) -> Iterator[Candidate]:
        """Depth-first over the slots, one frame (no recursion): at each
        level the next option that keeps the combination valid, back up
        a level when none is left."""
        combination = _Combination(self)
        place, unplace = combination.place, combination.unplace
        isolated = combination.isolated
        interchangeable = self.interchangeable
        exclusive = self.exclusive
        last = len(options) - 1
        next_option = [0] * len(options)
        level = 0
        # ``_tick`` inlined: the steps of this loop are most of a search.
        deadline, steps = self.deadline, self.steps
        while level >= 0:
            choices = options[level]
            count = len(choices)
            index = next_option[level]
            while index < count:
                steps += 1
                if (not steps & _CLOCK_MASK
                        and time.monotonic() > deadline):
                    raise _BudgetSpent()
                p = choices[index]
                # The cheapest test first, without a call.
                if not (exclusive[level] and p in isolated) and place(
                        level, p):
                    break
                index += 1
            next_option[level] = index + 1
            if index == count:
                level -= 1
                if level >= 0:
                    unplace(level, combination.chosen[level])
            elif level == last:
                self.steps = steps
                yield self._candidate(combination.placed, combination.chosen)
                steps = self.steps
                unplace(level, choices[index])
            else:
                level += 1
                next_option[level] = (index if interchangeable[level]
                                      else 0)

    def _candidate(self, placed: dict[tuple[int, str], int],
                   chosen: list[int]) -> Candidate:
        allocations: Allocations
        if len(set(chosen)) != len(chosen):
            allocations = self._merged(placed)
        elif self.uniform is not None:
            key = tuple(sorted(chosen))
            found = self._uniform_allocations.get(key)
            if found is None:
                found = self._uniform_allocations[key] = tuple([
                    (p, self.uniform) for p in key])
            allocations = found
        else:
            # Each provider in one slot: its slot's resources are all it
            # gives (a resourceless group's provider gives nothing).
            allocations = tuple(sorted([
                (p, resources) for p, resources
                in zip(chosen, self.slot_resources, strict=True)
                if resources]))
        if not self.show_mappings:
            return _new(Candidate, (allocations, (), ()))
        unsuffixed: tuple[int, ...] = ()
        if self.unsuffixed is not None:
            unsuffixed = tuple(sorted({
                chosen[i] for i in range(self.last_unsuffixed + 1)}))
        return _new(Candidate, (allocations, unsuffixed,
                                self.group_providers(chosen)))

    def _merged(self, placed: dict[tuple[int, str], int]) -> Allocations:
        """The allocations of a combination where a provider serves
        several slots: the sums placed on each."""
        by_provider: dict[int, list[tuple[str, int]]] = {}
        for (p, rc), amount in sorted(placed.items()):
            found = by_provider.get(p)
            if found is None:
                by_provider[p] = [(rc, amount)]
            else:
                found.append((rc, amount))
        return tuple((p, tuple(resources))
                     for p, resources in by_provider.items())

    def _anchors(self) -> Iterator[Candidate]:
        roots = sorted(self.trees)
        if not self.settings.breadth_first:
            trees, lone = self.trees, self.lone_providers
            for root_id in roots:
                if lone and len(trees[root_id]) == 1:
                    # What ``anchor`` does, without a generator per tree.
                    self._tick()
                    found = self._lone(root_id)
                    if found is not None:
                        yield found
                else:
                    yield from self.anchor(root_id)
            return
        walking = [self.anchor(r) for r in roots]
        while walking:
            still = []
            for walker in walking:
                found = next(walker, None)
                if found is not None:
                    yield found
                    still.append(walker)
            walking = still

    def run(self) -> Result:
        settings, limit = self.settings, self.request.limit
        wanted = None
        if limit is not None and not settings.randomize:
            wanted = limit
        if settings.max_candidates >= 0:
            wanted = (settings.max_candidates if wanted is None
                      else min(wanted, settings.max_candidates))
        # NOTE: without sharing providers, candidates of different
        # anchors use different trees; from 1.34 the mappings tell every
        # slot's provider (a suffixed group's directly, an unsuffixed
        # class's as the one provider left holding it once the groups'
        # amounts are taken away), so two combinations never make one
        # candidate. Only otherwise are repeats looked for.
        seen: set[Candidate] | None = (
            set() if self.sharing_ids or not self.show_mappings else None)
        found: list[Candidate] = []
        cut = False
        if wanted != 0 and self.slots:
            try:
                for candidate in self._anchors():
                    if seen is not None:
                        if candidate in seen:
                            continue
                        seen.add(candidate)
                    found.append(candidate)
                    if wanted is not None and len(found) >= wanted:
                        break
            except _BudgetSpent:
                cut = True
        if limit is not None and limit < len(found):
            found = (random.sample(found, limit) if settings.randomize
                     else found[:limit])
        elif settings.randomize:
            random.shuffle(found)
        return Result(found, cut,
                      tuple(suffix for suffix, _i in self.suffixed_slots))


class _Combination:
    """A partial combination: what is placed where, checked and undone
    one slot at a time (doc/allocation-candidates.md, section 3)."""

    def __init__(self, search: _Search) -> None:
        self.search = search
        count = len(search.slots)
        # (provider, class) -> sum
        self.placed: dict[tuple[int, str], int] = {}
        self.isolated: set[int] = set()         # providers of suffixed
        # root -> [provider, uses]
        self.tree_users: dict[int, list[int]] = {}
        # The provider of each slot placed so far (-1: not placed yet).
        self.chosen: list[int] = [-1] * count
        self.exclusive = search.exclusive

    def _fits(self, rp: Provider, resources: Resources) -> bool:
        for rc, amount in resources:
            before = self.placed.get((rp.id, rc))
            if before:
                inventory = rp.inventories[rc]
                total = before + amount
                if (total > inventory.max_unit
                        or inventory.used + total > inventory.capacity):
                    return False
        return True

    def place(self, i: int, p: int) -> bool:
        """Put provider ``p`` in slot ``i`` if the combination stays
        valid; False (and nothing changed) if not."""
        search = self.search
        slot = search.slots[i]
        rp = search.providers[p]
        isolated = self.exclusive[i]
        if isolated and p in self.isolated:
            return False
        if not self._fits(rp, slot.resources):
            return False
        if search.one_per_tree:
            user = self.tree_users.get(rp.root_id)
            if user is not None and user[0] != p:
                return False
        self.chosen[i] = p
        if search.subtrees and not search.subtree_ok(self.chosen, i):
            return False
        if (i == search.traits_checked_at
                and not search.unsuffixed_traits_ok(self.chosen)):
            return False
        for rc, amount in slot.resources:
            self.placed[(p, rc)] = self.placed.get((p, rc), 0) + amount
        if isolated:
            self.isolated.add(p)
        if search.one_per_tree:
            self.tree_users.setdefault(rp.root_id, [p, 0])[1] += 1
        return True

    def unplace(self, i: int, p: int) -> None:
        search = self.search
        slot = search.slots[i]
        for rc, amount in slot.resources:
            left = self.placed[(p, rc)] - amount
            if left:
                self.placed[(p, rc)] = left
            else:
                del self.placed[(p, rc)]
        if self.exclusive[i]:
            self.isolated.discard(p)
        if search.one_per_tree:
            root_id = search.providers[p].root_id
            user = self.tree_users[root_id]
            user[1] -= 1
            if not user[1]:
                del self.tree_users[root_id]


def find(request: CandidateRequest, world: World, version: mv.Version,
         settings: Settings) -> Result:
    """The distinct candidates for ``request``, at most ``limit``."""
    return _Search(request, world, version, settings).run()
