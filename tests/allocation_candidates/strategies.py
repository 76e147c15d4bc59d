"""Hypothesis strategies: small worlds and valid requests on them.

Worlds are small (1-8 providers in trees at most three levels deep) so
that the oracle's brute force stays in milliseconds, and dense (few
classes, few traits, few aggregates, small totals) so that requests
often match, often only just, and sometimes not at all.

Requests are valid at their version (the service must answer 200), so
each feature appears only from the version that brought it; most are
at 1.39.
"""

import uuid as uuidlib

from hypothesis import strategies as st

from tests.allocation_candidates import oracle

CUSTOM_CLASS = 'CUSTOM_FPGA'
CLASSES = ('VCPU', 'MEMORY_MB', 'DISK_GB', CUSTOM_CLASS)
# What a sharing provider typically offers.
SHARED_CLASSES = ('DISK_GB', CUSTOM_CLASS)
# Real os-traits names and custom ones; the sharing trait is given to
# sharing providers only and never asked for.
TRAITS = ('HW_CPU_X86_AVX2', 'STORAGE_DISK_SSD', 'HW_NIC_SRIOV',
          'CUSTOM_GOLD', 'CUSTOM_SILVER')
# A trait that exists (the seeding creates it) but no provider has.
UNKNOWN_TRAIT = 'CUSTOM_NOBODY'
CUSTOM_TRAITS = tuple(t for t in TRAITS if t.startswith('CUSTOM_')) + (
    UNKNOWN_TRAIT,)
AGGREGATES = tuple(str(uuidlib.UUID(int=0xa99 << 64 | i)) for i in (1, 2, 3))
# An aggregate no provider is ever in.
UNKNOWN_AGGREGATE = str(uuidlib.UUID(int=0xa99 << 64 | 0xfff))
PROVIDERS = tuple(str(uuidlib.UUID(int=0x5e0 << 64 | i)) for i in range(1, 9))
# A provider uuid no world has.
UNKNOWN_PROVIDER = str(uuidlib.UUID(int=0x5e0 << 64 | 0xfff))
MAX_DEPTH = 3
RATIOS = (1.0, 1.0, 1.0, 0.5, 1.5, 2.0, 4.0)  # exact in binary

LATEST = (1, 39)
OLDER_VERSIONS = ((1, 10), (1, 12), (1, 17), (1, 21), (1, 22), (1, 24),
                  (1, 25), (1, 26), (1, 27), (1, 28), (1, 29), (1, 31),
                  (1, 32), (1, 33), (1, 34), (1, 35), (1, 36), (1, 38))
SUFFIXES_NUMERIC = ('1', '2', '3')
SUFFIXES_ANY = ('1', '2', '_A', '_NIC', 'disk-1')


@st.composite
def inventories(draw) -> tuple[oracle.Inventory, int]:
    """One inventory and its current usage."""
    total = draw(st.integers(1, 12))
    ratio = draw(st.sampled_from(RATIOS))
    min_unit = draw(st.integers(2, 3)) if _rarely(draw) else 1
    step_size = draw(st.integers(2, 3)) if _rarely(draw) else 1
    max_unit = (draw(st.integers(min_unit, total + 2)) if _rarely(draw)
                else oracle.MAX_INT)
    reserved = draw(st.integers(0, total)) if _rarely(draw) else 0
    inventory = oracle.Inventory(total, reserved, min_unit, max_unit,
                                 step_size, ratio)
    # Usage as allowed before reserved was raised; it may exceed the
    # capacity that reserved leaves.
    ceiling = oracle.Inventory(total, 0, allocation_ratio=ratio).capacity
    used = draw(st.integers(0, ceiling)) if _sometimes(draw) else 0
    return inventory, used


def _usually(draw) -> bool:
    """True three times in four: the plain case, so that most
    requests find something."""
    return draw(st.integers(0, 3)) < 3


def _sometimes(draw) -> bool:
    """True one time in four."""
    return not _usually(draw)


def _rarely(draw) -> bool:
    """True one time in eight."""
    return draw(st.integers(0, 7)) == 7


@st.composite
def providers(draw, uuid: str, parent: str | None, sharing: bool,
              aggregates: tuple[str, ...]) -> oracle.Provider:
    offered = [rc for rc in (SHARED_CLASSES if sharing else CLASSES)
               if draw(st.integers(0, 2)) < 2]
    inventory = {}
    usages = {}
    for rc in sorted(offered):
        inventory[rc], used = draw(inventories())
        if used:
            usages[rc] = used
    traits = draw(st.frozensets(st.sampled_from(TRAITS), max_size=3))
    if sharing:
        traits |= {oracle.SHARING_TRAIT}
    member = draw(st.frozensets(st.sampled_from(aggregates))
                  if aggregates else st.just(frozenset()))
    return oracle.Provider(uuid, parent, inventory, usages, traits, member)


@st.composite
def worlds(draw) -> oracle.World:
    """1-8 providers: trees up to three levels, and sharing providers
    (each a tree of one, with MISC_SHARES_VIA_AGGREGATE)."""
    count = draw(st.integers(1, len(PROVIDERS)))
    aggregates = AGGREGATES[:draw(st.integers(0, len(AGGREGATES)))]
    depth = {}
    made = []
    for uuid in PROVIDERS[:count]:
        sharing = _sometimes(draw)
        parents = [p.uuid for p in made
                   if oracle.SHARING_TRAIT not in p.traits
                   and depth[p.uuid] < MAX_DEPTH]
        parent = None
        if not sharing and parents and draw(st.booleans()):
            parent = draw(st.sampled_from(parents))
        depth[uuid] = 1 if parent is None else depth[parent] + 1
        made.append(draw(providers(uuid, parent, sharing, aggregates)))
    return oracle.World(made)


def _features(version: tuple[int, int]) -> dict:
    return {
        'suffixes': version >= (1, 25),
        'required': version >= (1, 17),
        'forbidden': version >= (1, 22),
        'member_of': version >= (1, 21),
        'member_of_repeat': version >= (1, 24),
        'forbidden_aggregates': version >= (1, 32),
        'in_tree': version >= (1, 31),
        'root_required': version >= (1, 35),
        'resourceless': version >= (1, 36),
        'any_of': version >= (1, 39),
    }


@st.composite
def resources(draw, world: oracle.World) -> dict:
    """Mostly classes and amounts that one provider of the world could
    supply alone, so that requests often match; sometimes anything."""
    stocked = sorted(u for u, p in world.providers.items() if p.inventories)
    if not stocked or _rarely(draw):
        classes = draw(st.sets(st.sampled_from(CLASSES), min_size=1,
                               max_size=3))
        return {rc: draw(st.integers(1, 8)) for rc in sorted(classes)}
    uuid = draw(st.sampled_from(stocked))
    offered = sorted(world.providers[uuid].inventories)
    classes = draw(st.sets(st.sampled_from(offered), min_size=1,
                           max_size=3))
    if _rarely(draw):
        classes.add(draw(st.sampled_from(CLASSES)))
    amounts = {}
    for rc in sorted(classes):
        fitting = [n for n in range(1, 9)
                   if oracle.fits_alone(world, uuid, rc, n)]
        amounts[rc] = draw(st.sampled_from(fitting) if fitting
                           else st.integers(1, 8))
    return amounts


@st.composite
def groups(draw, world: oracle.World, features: dict,
           with_resources: bool) -> oracle.Group:
    """A group valid on its own: nothing it requires is also forbidden,
    and a resourceless one has some trait or aggregate to match. The
    traits and aggregates it asks for are mostly ones the world has."""
    fields = {}
    if with_resources:
        fields['resources'] = draw(resources(world))
    forbidden = set()
    if features['forbidden'] and _sometimes(draw):
        forbidden = {draw(st.sampled_from(TRAITS))}
        fields['forbidden'] = frozenset(forbidden)
    held = set().union(*(p.traits for p in world.providers.values()))
    pool = sorted((set(TRAITS) if _rarely(draw) else held & set(TRAITS))
                  - forbidden)
    if pool and features['required'] and _sometimes(draw):
        fields['required'] = draw(st.frozensets(
            st.sampled_from(pool), min_size=1, max_size=2))
    if pool and features['any_of'] and _sometimes(draw):
        fields['required_any'] = (draw(st.frozensets(
            st.sampled_from(pool + [UNKNOWN_TRAIT]), min_size=2,
            max_size=3)),)
    if features['member_of'] and _sometimes(draw):
        fields.update(draw(_member_of(world, features)))
    if features['in_tree'] and _sometimes(draw) and _sometimes(draw):
        fields['in_tree'] = draw(st.sampled_from(
            sorted(world.providers) + [UNKNOWN_PROVIDER]))
    if not with_resources and not (
            {'required', 'required_any', 'forbidden', 'member_of',
             'forbidden_aggregates'} & set(fields)):
        fields['required'] = frozenset(
            [draw(st.sampled_from(pool or TRAITS))])
    return oracle.Group(**fields)


@st.composite
def _member_of(draw, world: oracle.World, features: dict) -> dict:
    fields = {}
    if features['forbidden_aggregates'] and _sometimes(draw):
        fields['forbidden_aggregates'] = draw(st.frozensets(
            st.sampled_from(AGGREGATES + (UNKNOWN_AGGREGATE,)),
            min_size=1, max_size=2))
    held = set().union(*(p.aggregates for p in world.providers.values()))
    pool = sorted((set(AGGREGATES) | {UNKNOWN_AGGREGATE} if _rarely(draw)
                   else held) - fields.get('forbidden_aggregates', set()))
    if pool:
        count = draw(st.integers(1, 2 if features['member_of_repeat']
                                 else 1))
        fields['member_of'] = tuple(
            draw(st.frozensets(st.sampled_from(pool), min_size=1,
                               max_size=2))
            for _ in range(count))
    return fields


@st.composite
def requests(draw, world: oracle.World) -> oracle.Request:
    """A request the service must answer with 200 at its version."""
    version = draw(st.one_of(st.just(LATEST), st.just(LATEST),
                             st.sampled_from(OLDER_VERSIONS)))
    features = _features(version)
    request_groups = {}
    suffixed = []
    if features['suffixes']:
        pool = SUFFIXES_ANY if version >= (1, 33) else SUFFIXES_NUMERIC
        suffixed = draw(st.lists(st.sampled_from(pool), max_size=3,
                                 unique=True))
    if not suffixed or draw(st.booleans()):
        request_groups[oracle.UNSUFFIXED] = draw(
            groups(world, features, with_resources=True))
    # A resourceless group must share a same_subtree with some group
    # that has resources; the first suffixed group always has them.
    resourceless = set()
    if features['resourceless'] and len(suffixed) >= 2:
        resourceless = set(draw(st.lists(st.sampled_from(suffixed[1:]),
                                         unique=True)))
    for suffix in suffixed:
        request_groups[suffix] = draw(groups(
            world, features, with_resources=suffix not in resourceless))
    fields = {}
    if features['resourceless']:
        fields['same_subtree'] = draw(_same_subtree(suffixed, resourceless))
    if len(suffixed) >= 2:
        fields['group_policy'] = draw(st.sampled_from(('none', 'isolate')))
    elif features['suffixes']:
        fields['group_policy'] = draw(st.sampled_from(
            (None, None, 'none', 'isolate')))
    if features['root_required'] and _sometimes(draw):
        chosen = draw(st.lists(st.sampled_from(TRAITS), min_size=1,
                               max_size=2, unique=True))
        forbid = draw(st.lists(st.booleans(), min_size=len(chosen),
                               max_size=len(chosen)))
        fields['root_required'] = frozenset(
            t for t, f in zip(chosen, forbid, strict=True) if not f)
        fields['root_forbidden'] = frozenset(
            t for t, f in zip(chosen, forbid, strict=True) if f)
    return oracle.Request(version, request_groups, **fields)


@st.composite
def _same_subtree(draw, suffixed: list[str],
                  resourceless: set[str]) -> tuple[tuple[str, ...], ...]:
    """One same_subtree with every resourceless group and the first
    group (which has resources), sometimes more groups, or, with two
    resourceless groups, sometimes those two alone (valid: each is in a
    same_subtree); sometimes one more same_subtree over two groups,
    each checked on its own."""
    lists = []
    if resourceless:
        others = [s for s in suffixed[1:] if s not in resourceless]
        extra = draw(st.lists(st.sampled_from(others), unique=True)
                     if others else st.just([]))
        first = [suffixed[0], *sorted(resourceless), *extra]
        if len(resourceless) >= 2 and _sometimes(draw):
            first = sorted(resourceless)
        lists.append(tuple(draw(st.permutations(first))))
    if len(suffixed) >= 2 and _sometimes(draw):
        lists.append(tuple(draw(st.lists(st.sampled_from(suffixed),
                                         min_size=2, max_size=2,
                                         unique=True))))
    return tuple(lists)


@st.composite
def scenarios(draw) -> tuple[oracle.World, oracle.Request]:
    world = draw(worlds())
    return world, draw(requests(world))
