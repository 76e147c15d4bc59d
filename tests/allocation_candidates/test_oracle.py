"""The oracle itself, on small worlds whose answers are worked out by
hand: one or more examples per matching rule of GET
/allocation_candidates, so that the property test against the service
compares with something known to be right."""

import dataclasses
import time

import hypothesis
import pytest

from tests.allocation_candidates import oracle
from tests.allocation_candidates import strategies
from tests.allocation_candidates.oracle import Group
from tests.allocation_candidates.oracle import Inventory
from tests.allocation_candidates.oracle import Request

LATEST = (1, 39)
SHARES = oracle.SHARING_TRAIT
AGG_A = 'agg-a'
AGG_B = 'agg-b'


def rp(uuid, parent=None, inventories=None, usages=None, traits=(),
       aggregates=()) -> oracle.Provider:
    """A provider; an inventory given as an int is that total with
    every other field at its default."""
    inventories = {rc: Inventory(inv) if isinstance(inv, int) else inv
                   for rc, inv in (inventories or {}).items()}
    return oracle.Provider(uuid, parent, inventories, usages or {},
                           frozenset(traits), frozenset(aggregates))


def request(*, version=LATEST, **groups_and_fields) -> Request:
    """Groups by keyword (``g`` the unsuffixed one, ``g_X`` the group
    with suffix ``_X``, ``g1`` the group with suffix ``1``), other
    keywords as Request fields."""
    groups = {}
    fields = {}
    for key, value in groups_and_fields.items():
        if key == 'g':
            groups[''] = value
        elif key.startswith('g') and isinstance(value, Group):
            groups[key[1:]] = value
        else:
            fields[key] = value
    return Request(version, groups, **fields)


def result(allocations, mappings=None):
    """A canonical candidate from {provider: {class: n}} and
    {suffix: [providers]}."""
    return (frozenset((uuid, rc, n) for uuid, res in allocations.items()
                      for rc, n in res.items()),
            frozenset((suffix, tuple(sorted(uuids)))
                      for suffix, uuids in (mappings or {}).items()))


def answer(providers, req):
    return oracle.candidates(oracle.World(providers), req)


# A compute node whose VCPU is on a NUMA child and whose disk is on the
# root.
NESTED = [rp('cn', inventories={'DISK_GB': 10}, traits=['STORAGE_DISK_SSD']),
          rp('numa0', 'cn', inventories={'VCPU': 4},
             traits=['HW_CPU_X86_AVX2'])]


class TestUnsuffixedGroup:

    def test_classes_from_a_child_and_the_root(self):
        req = request(g=Group({'VCPU': 2, 'DISK_GB': 5}))
        assert answer(NESTED, req) == {result(
            {'numa0': {'VCPU': 2}, 'cn': {'DISK_GB': 5}},
            {'': ['cn', 'numa0']})}

    def test_each_class_from_any_provider_that_fits(self):
        providers = [rp('cn', inventories={'VCPU': 4}),
                     rp('numa0', 'cn', inventories={'VCPU': 4}),
                     rp('numa1', 'cn', inventories={'VCPU': 1})]
        req = request(g=Group({'VCPU': 2}))
        assert answer(providers, req) == {
            result({'cn': {'VCPU': 2}}, {'': ['cn']}),
            result({'numa0': {'VCPU': 2}}, {'': ['numa0']})}

    def test_two_trees_never_mix(self):
        providers = [rp('cn1', inventories={'VCPU': 4}),
                     rp('cn2', inventories={'DISK_GB': 10})]
        req = request(g=Group({'VCPU': 1, 'DISK_GB': 1}))
        assert answer(providers, req) == set()

    def test_required_traits_held_together_by_the_suppliers(self):
        req = request(g=Group({'VCPU': 1, 'DISK_GB': 1},
                              required=frozenset(['HW_CPU_X86_AVX2',
                                                  'STORAGE_DISK_SSD'])))
        assert answer(NESTED, req) == {result(
            {'numa0': {'VCPU': 1}, 'cn': {'DISK_GB': 1}},
            {'': ['cn', 'numa0']})}

    def test_a_trait_of_a_provider_that_supplies_nothing_does_not_count(
            self):
        req = request(g=Group({'VCPU': 1},
                              required=frozenset(['STORAGE_DISK_SSD'])))
        assert answer(NESTED, req) == set()
        req = request(g=Group({'VCPU': 1},
                              required=frozenset(['HW_CPU_X86_AVX2'])))
        assert answer(NESTED, req) == {
            result({'numa0': {'VCPU': 1}}, {'': ['numa0']})}

    def test_any_of_traits(self):
        both = frozenset(['CUSTOM_GOLD', 'STORAGE_DISK_SSD'])
        req = request(g=Group({'DISK_GB': 1}, required_any=(both,)))
        assert answer(NESTED, req) == {
            result({'cn': {'DISK_GB': 1}}, {'': ['cn']})}
        req = request(g=Group({'VCPU': 1}, required_any=(both,)))
        assert answer(NESTED, req) == set()

    def test_forbidden_trait_on_a_supplier_excludes(self):
        req = request(g=Group({'VCPU': 1, 'DISK_GB': 1},
                              forbidden=frozenset(['STORAGE_DISK_SSD'])))
        assert answer(NESTED, req) == set()

    def test_forbidden_trait_on_a_provider_that_supplies_nothing(self):
        req = request(g=Group({'VCPU': 1},
                              forbidden=frozenset(['STORAGE_DISK_SSD'])))
        assert answer(NESTED, req) == {
            result({'numa0': {'VCPU': 1}}, {'': ['numa0']})}

    def test_member_of_through_the_root(self):
        providers = [rp('cn', aggregates=[AGG_A]),
                     rp('numa0', 'cn', inventories={'VCPU': 4})]
        req = request(g=Group({'VCPU': 1},
                              member_of=(frozenset([AGG_A]),)))
        assert answer(providers, req) == {
            result({'numa0': {'VCPU': 1}}, {'': ['numa0']})}
        req = request(g=Group({'VCPU': 1},
                              forbidden_aggregates=frozenset([AGG_A])))
        assert answer(providers, req) == set()

    def test_member_of_sets_are_anded_and_each_is_any_of(self):
        providers = [rp('cn', aggregates=[AGG_A]),
                     rp('numa0', 'cn', inventories={'VCPU': 4},
                        aggregates=[AGG_B])]
        either = frozenset([AGG_A, 'agg-c'])
        req = request(g=Group({'VCPU': 1}, member_of=(
            either, frozenset([AGG_B]))))
        assert len(answer(providers, req)) == 1
        req = request(g=Group({'VCPU': 1}, member_of=(
            either, frozenset(['agg-c']))))
        assert answer(providers, req) == set()

    def test_member_of_tested_on_every_supplier(self):
        providers = [rp('cn', inventories={'DISK_GB': 10}),
                     rp('numa0', 'cn', inventories={'VCPU': 4},
                        aggregates=[AGG_A])]
        req = request(g=Group({'VCPU': 1, 'DISK_GB': 1},
                              member_of=(frozenset([AGG_A]),)))
        assert answer(providers, req) == set()

    def test_in_tree(self):
        providers = [rp('cn1', inventories={'VCPU': 4}),
                     rp('cn2', inventories={'VCPU': 4}),
                     rp('numa', 'cn2', inventories={'VCPU': 4})]
        req = request(g=Group({'VCPU': 1}, in_tree='numa'))
        assert answer(providers, req) == {
            result({'cn2': {'VCPU': 1}}, {'': ['cn2']}),
            result({'numa': {'VCPU': 1}}, {'': ['numa']})}
        req = request(g=Group({'VCPU': 1}, in_tree='unknown'))
        assert answer(providers, req) == set()


# A compute node and a sharing provider of disk, both in aggregate A.
SHARED = [rp('cn', inventories={'VCPU': 4}, aggregates=[AGG_A],
             traits=['CUSTOM_GOLD']),
          rp('ss', inventories={'DISK_GB': 100}, aggregates=[AGG_A],
             traits=[SHARES])]


class TestSharingProviders:

    def test_disk_from_the_sharing_provider(self):
        req = request(g=Group({'VCPU': 1, 'DISK_GB': 10}))
        assert answer(SHARED, req) == {result(
            {'cn': {'VCPU': 1}, 'ss': {'DISK_GB': 10}},
            {'': ['cn', 'ss']})}

    def test_not_without_the_trait_or_a_common_aggregate(self):
        req = request(g=Group({'VCPU': 1, 'DISK_GB': 10}))
        unshared = [SHARED[0], rp('ss', inventories={'DISK_GB': 100},
                                  aggregates=[AGG_A])]
        assert answer(unshared, req) == set()
        apart = [SHARED[0], rp('ss', inventories={'DISK_GB': 100},
                               aggregates=[AGG_B], traits=[SHARES])]
        assert answer(apart, req) == set()

    def test_aggregated_with_a_child_of_the_tree(self):
        providers = [rp('cn'),
                     rp('numa', 'cn', inventories={'VCPU': 4},
                        aggregates=[AGG_A]),
                     SHARED[1]]
        req = request(g=Group({'VCPU': 1, 'DISK_GB': 10}))
        assert answer(providers, req) == {result(
            {'numa': {'VCPU': 1}, 'ss': {'DISK_GB': 10}},
            {'': ['numa', 'ss']})}

    def test_sharing_provider_alone_is_one_result(self):
        # Anchored at cn and at ss itself: the same result, merged.
        req = request(g=Group({'DISK_GB': 10}))
        assert answer(SHARED, req) == {
            result({'ss': {'DISK_GB': 10}}, {'': ['ss']})}

    def test_suffixed_group_on_the_sharing_provider(self):
        req = request(g1=Group({'VCPU': 1}), g2=Group({'DISK_GB': 10}),
                      group_policy='isolate')
        assert answer(SHARED, req) == {result(
            {'cn': {'VCPU': 1}, 'ss': {'DISK_GB': 10}},
            {'1': ['cn'], '2': ['ss']})}

    def test_in_tree_keeps_outside_sharing_providers_out(self):
        req = request(g=Group({'VCPU': 1, 'DISK_GB': 10}, in_tree='cn'))
        assert answer(SHARED, req) == set()

    def test_in_tree_of_a_suffixed_group_pins_it_to_the_sharing_provider(
            self):
        providers = SHARED + [rp('ss2', inventories={'DISK_GB': 100},
                                 aggregates=[AGG_A], traits=[SHARES])]
        req = request(g1=Group({'VCPU': 1}),
                      g2=Group({'DISK_GB': 10}, in_tree='ss2'),
                      group_policy='none')
        assert answer(providers, req) == {result(
            {'cn': {'VCPU': 1}, 'ss2': {'DISK_GB': 10}},
            {'1': ['cn'], '2': ['ss2']})}

    def test_in_tree_of_the_unsuffixed_group_is_the_only_anchor(self):
        # Its suppliers lie in that tree, and no other tree anchors the
        # result (README, the choices of allocation candidates).
        req = request(g=Group({'DISK_GB': 10}, in_tree='ss'),
                      g1=Group({'VCPU': 1}))
        assert answer(SHARED, req) == set()
        req = request(g=Group({'DISK_GB': 10}, in_tree='ss'))
        assert answer(SHARED, req) == {
            result({'ss': {'DISK_GB': 10}}, {'': ['ss']})}

    def test_forbidden_aggregate_of_the_unsuffixed_group_on_the_anchor(
            self):
        # The sharing provider is outside it, but the anchor is in it.
        providers = [rp('cn', inventories={'VCPU': 4},
                        aggregates=[AGG_A, AGG_B]),
                     SHARED[1]]
        req = request(g=Group({'DISK_GB': 10},
                              forbidden_aggregates=frozenset([AGG_B])),
                      g1=Group({'VCPU': 1}))
        assert answer(providers, req) == set()
        req = request(g=Group({'DISK_GB': 10},
                              forbidden_aggregates=frozenset([AGG_B])))
        assert answer(providers, req) == {
            result({'ss': {'DISK_GB': 10}}, {'': ['ss']})}

    def test_two_sharing_providers_serve_each_other(self):
        providers = [SHARED[1],
                     rp('ip', inventories={'CUSTOM_FPGA': 2},
                        aggregates=[AGG_A], traits=[SHARES])]
        req = request(g=Group({'DISK_GB': 1, 'CUSTOM_FPGA': 1}))
        assert answer(providers, req) == {result(
            {'ss': {'DISK_GB': 1}, 'ip': {'CUSTOM_FPGA': 1}},
            {'': ['ip', 'ss']})}

    def test_member_of_on_the_sharing_provider_itself(self):
        providers = [rp('cn', inventories={'VCPU': 4},
                        aggregates=[AGG_A, AGG_B]),
                     rp('ss', inventories={'DISK_GB': 100},
                        aggregates=[AGG_A], traits=[SHARES])]
        req = request(g=Group({'VCPU': 1, 'DISK_GB': 10},
                              member_of=(frozenset([AGG_B]),)))
        assert answer(providers, req) == set()
        req = request(g=Group({'VCPU': 1, 'DISK_GB': 10},
                              member_of=(frozenset([AGG_A]),)))
        assert len(answer(providers, req)) == 1

    def test_a_sharing_provider_with_a_parent_is_not_modelled(self):
        with pytest.raises(ValueError):
            oracle.World([rp('cn'), rp('ss', 'cn', traits=[SHARES])])


class TestSuffixedGroups:

    def test_one_provider_supplies_all_classes(self):
        req = request(g1=Group({'VCPU': 1, 'DISK_GB': 1}))
        assert answer(NESTED, req) == set()
        providers = [rp('cn', inventories={'VCPU': 4, 'DISK_GB': 10})]
        assert answer(providers, req) == {result(
            {'cn': {'VCPU': 1, 'DISK_GB': 1}}, {'1': ['cn']})}

    def test_traits_on_the_provider_itself(self):
        req = request(g1=Group({'VCPU': 1},
                               required=frozenset(['STORAGE_DISK_SSD'])))
        assert answer(NESTED, req) == set()
        req = request(g1=Group({'VCPU': 1},
                               required=frozenset(['HW_CPU_X86_AVX2'])))
        assert len(answer(NESTED, req)) == 1

    def test_member_of_direct_only(self):
        providers = [rp('cn', aggregates=[AGG_A]),
                     rp('numa0', 'cn', inventories={'VCPU': 4})]
        req = request(g1=Group({'VCPU': 1},
                               member_of=(frozenset([AGG_A]),)))
        assert answer(providers, req) == set()
        req = request(g1=Group({'VCPU': 1},
                               forbidden_aggregates=frozenset([AGG_A])))
        assert len(answer(providers, req)) == 1


# A compute node with two NUMA nodes, each with a device below it.
NUMA_TREE = [rp('cn'),
             rp('numa0', 'cn', inventories={'VCPU': 4}),
             rp('numa1', 'cn', inventories={'VCPU': 4}),
             rp('dev0', 'numa0', inventories={'CUSTOM_FPGA': 1}),
             rp('dev1', 'numa1', inventories={'CUSTOM_FPGA': 1})]


class TestCombining:

    def test_group_policy_none_and_isolate(self):
        providers = [rp('cn', inventories={'VCPU': 4})]
        none = request(g1=Group({'VCPU': 1}), g2=Group({'VCPU': 1}),
                       group_policy='none')
        assert answer(providers, none) == {result(
            {'cn': {'VCPU': 2}}, {'1': ['cn'], '2': ['cn']})}
        isolate = request(g1=Group({'VCPU': 1}), g2=Group({'VCPU': 1}),
                          group_policy='isolate')
        assert answer(providers, isolate) == set()

    def test_isolate_leaves_the_unsuffixed_group_free(self):
        providers = [rp('cn', inventories={'VCPU': 4})]
        req = request(g=Group({'VCPU': 1}), g1=Group({'VCPU': 1}),
                      group_policy='isolate')
        assert answer(providers, req) == {result(
            {'cn': {'VCPU': 2}}, {'': ['cn'], '1': ['cn']})}

    def test_results_differing_only_in_mappings(self):
        req = request(g1=Group({'VCPU': 1}), g2=Group({'VCPU': 1}),
                      group_policy='isolate')
        both = {'numa0': {'VCPU': 1}, 'numa1': {'VCPU': 1}}
        assert answer(NUMA_TREE, req) == {
            result(both, {'1': ['numa0'], '2': ['numa1']}),
            result(both, {'1': ['numa1'], '2': ['numa0']})}
        # Without mappings in the response (before 1.34), one result.
        older = request(version=(1, 33), g1=Group({'VCPU': 1}),
                        g2=Group({'VCPU': 1}), group_policy='isolate')
        assert answer(NUMA_TREE, older) == {result(both)}

    def test_same_subtree(self):
        req = request(g_CPU=Group({'VCPU': 1}),
                      g_DEV=Group({'CUSTOM_FPGA': 1}),
                      group_policy='isolate',
                      same_subtree=(('_CPU', '_DEV'),))
        assert answer(NUMA_TREE, req) == {
            result({'numa0': {'VCPU': 1}, 'dev0': {'CUSTOM_FPGA': 1}},
                   {'_CPU': ['numa0'], '_DEV': ['dev0']}),
            result({'numa1': {'VCPU': 1}, 'dev1': {'CUSTOM_FPGA': 1}},
                   {'_CPU': ['numa1'], '_DEV': ['dev1']})}
        free = request(g_CPU=Group({'VCPU': 1}),
                       g_DEV=Group({'CUSTOM_FPGA': 1}),
                       group_policy='isolate')
        assert len(answer(NUMA_TREE, free)) == 4

    def test_same_subtree_siblings_have_no_common_member(self):
        req = request(g_D0=Group({'CUSTOM_FPGA': 1}),
                      g_D1=Group({'CUSTOM_FPGA': 1}),
                      group_policy='isolate',
                      same_subtree=(('_D0', '_D1'),))
        assert answer(NUMA_TREE, req) == set()

    def test_resourceless_group_appears_in_mappings_only(self):
        providers = [rp('cn', traits=['HW_CPU_X86_AVX2']),
                     rp('numa0', 'cn', inventories={'VCPU': 4})]
        req = request(g_CPU=Group({'VCPU': 1}),
                      g_ROOT=Group(required=frozenset(['HW_CPU_X86_AVX2'])),
                      group_policy='none',
                      same_subtree=(('_ROOT', '_CPU'),))
        assert answer(providers, req) == {result(
            {'numa0': {'VCPU': 1}},
            {'_CPU': ['numa0'], '_ROOT': ['cn']})}
        # The trait on a sibling of the supplier: no provider of the two
        # is above the other.
        sibling = [rp('cn'),
                   rp('numa0', 'cn', inventories={'VCPU': 4}),
                   rp('numa1', 'cn', traits=['HW_CPU_X86_AVX2'])]
        assert answer(sibling, req) == set()
        # same_subtree only asks that one be above the other: the
        # resourceless group's provider may sit below the supplier.
        below = [rp('cn', inventories={'VCPU': 4}),
                 rp('numa0', 'cn', traits=['HW_CPU_X86_AVX2'])]
        assert answer(below, req) == {result(
            {'cn': {'VCPU': 1}}, {'_CPU': ['cn'], '_ROOT': ['numa0']})}

    def test_resourceless_group_needs_a_same_subtree(self):
        req = request(g1=Group({'VCPU': 1}),
                      g2=Group(required=frozenset(['HW_CPU_X86_AVX2'])),
                      group_policy='none')
        with pytest.raises(ValueError):
            answer(NESTED, req)

    def test_capacity_summed_across_groups(self):
        providers = [rp('cn', inventories={'VCPU': 4}, usages={'VCPU': 1})]
        fits = request(g=Group({'VCPU': 1}), g1=Group({'VCPU': 2}))
        assert answer(providers, fits) == {result(
            {'cn': {'VCPU': 3}}, {'': ['cn'], '1': ['cn']})}
        too_much = request(g=Group({'VCPU': 2}), g1=Group({'VCPU': 2}))
        assert answer(providers, too_much) == set()

    def test_max_unit_on_the_sum(self):
        providers = [rp('cn', inventories={'VCPU': Inventory(8,
                                                             max_unit=3)})]
        alone = request(g1=Group({'VCPU': 3}))
        assert len(answer(providers, alone)) == 1
        summed = request(g1=Group({'VCPU': 2}), g2=Group({'VCPU': 2}),
                         group_policy='none')
        assert answer(providers, summed) == set()

    def test_min_unit_and_step_size_per_group_amount(self):
        inventory = Inventory(8, min_unit=2, step_size=2)
        providers = [rp('cn', inventories={'VCPU': inventory})]
        even = request(g1=Group({'VCPU': 2}), g2=Group({'VCPU': 2}),
                       group_policy='none')
        assert answer(providers, even) == {result(
            {'cn': {'VCPU': 4}}, {'1': ['cn'], '2': ['cn']})}
        odd = request(g1=Group({'VCPU': 2}), g2=Group({'VCPU': 3}),
                      group_policy='none')
        assert answer(providers, odd) == set()
        # 1 + 1 would make a valid 2, but each amount is checked alone.
        ones = request(g1=Group({'VCPU': 1}), g2=Group({'VCPU': 1}),
                       group_policy='none')
        assert answer(providers, ones) == set()


class TestRootRequired:

    def test_the_anchor_root_has_the_traits(self):
        providers = [rp('cn1', traits=['CUSTOM_GOLD']),
                     rp('numa1', 'cn1', inventories={'VCPU': 4}),
                     rp('cn2', inventories={'VCPU': 4})]
        req = request(g=Group({'VCPU': 1}),
                      root_required=frozenset(['CUSTOM_GOLD']))
        assert answer(providers, req) == {
            result({'numa1': {'VCPU': 1}}, {'': ['numa1']})}
        req = request(g=Group({'VCPU': 1}),
                      root_forbidden=frozenset(['CUSTOM_GOLD']))
        assert answer(providers, req) == {
            result({'cn2': {'VCPU': 1}}, {'': ['cn2']})}

    def test_a_sharing_provider_serving_another_tree_is_not_the_root(self):
        # cn has the trait, ss has not: ss serves the tree of cn.
        req = request(g=Group({'DISK_GB': 10}),
                      root_required=frozenset(['CUSTOM_GOLD']))
        assert answer(SHARED, req) == {
            result({'ss': {'DISK_GB': 10}}, {'': ['ss']})}
        req = request(g=Group({'VCPU': 1, 'DISK_GB': 10}),
                      root_forbidden=frozenset(['CUSTOM_GOLD']))
        assert answer(SHARED, req) == set()


class TestCapacity:

    @pytest.mark.parametrize(('amount', 'fits'), [(7, True), (8, False)])
    def test_reserved_ratio_and_usage(self, amount, fits):
        inventory = Inventory(10, reserved=2, allocation_ratio=1.5)
        providers = [rp('cn', inventories={'VCPU': inventory},
                        usages={'VCPU': 5})]
        req = request(g=Group({'VCPU': amount}))
        assert bool(answer(providers, req)) is fits

    def test_capacity_rounds_down(self):
        assert Inventory(3, allocation_ratio=0.5).capacity == 1

    def test_usage_above_capacity(self):
        inventory = Inventory(4, reserved=3)
        providers = [rp('cn', inventories={'VCPU': inventory},
                        usages={'VCPU': 2})]
        assert answer(providers, request(g=Group({'VCPU': 1}))) == set()


class TestBefore129:

    def test_results_with_two_providers_of_a_tree_dropped(self):
        req = request(version=(1, 28), g=Group({'VCPU': 2, 'DISK_GB': 5}))
        assert answer(NESTED, req) == set()

    def test_one_provider_of_a_tree_kept(self):
        req = request(version=(1, 28), g=Group({'VCPU': 2}))
        assert answer(NESTED, req) == {result({'numa0': {'VCPU': 2}})}

    def test_sharing_provider_and_a_tree_kept_beside_nesting(self):
        providers = SHARED + [rp('child', 'cn')]
        req = request(version=(1, 28), g=Group({'VCPU': 1, 'DISK_GB': 10}))
        assert answer(providers, req) == {
            result({'cn': {'VCPU': 1}, 'ss': {'DISK_GB': 10}})}

    def test_two_providers_of_a_tree_kept_without_nesting(self):
        providers = [rp('cn', inventories={'VCPU': 4})]
        req = request(version=(1, 28), g=Group({'VCPU': 1}),
                      g1=Group({'VCPU': 1}))
        assert answer(providers, req) == {result({'cn': {'VCPU': 2}})}


class TestProviderSummaries:

    def test_whole_trees_from_1_29(self):
        providers = SHARED + [rp('numa', 'cn', inventories={'VCPU': 2}),
                              rp('cn2', inventories={'VCPU': 8})]
        req = request(g1=Group({'VCPU': 1}, in_tree='cn'),
                      g2=Group({'DISK_GB': 10}, in_tree='ss'),
                      group_policy='none')
        world = oracle.World(providers)
        results = oracle.candidates(world, req)
        assert len(results) == 2
        summaries = oracle.provider_summaries(world, req, results)
        assert summaries == {
            'cn': {'resources': {'VCPU': {'capacity': 4, 'used': 0}},
                   'traits': ['CUSTOM_GOLD'], 'parent_provider_uuid': None,
                   'root_provider_uuid': 'cn'},
            'numa': {'resources': {'VCPU': {'capacity': 2, 'used': 0}},
                     'traits': [], 'parent_provider_uuid': 'cn',
                     'root_provider_uuid': 'cn'},
            'ss': {'resources': {'DISK_GB': {'capacity': 100, 'used': 0}},
                   'traits': [SHARES], 'parent_provider_uuid': None,
                   'root_provider_uuid': 'ss'}}

    def test_requested_classes_only_before_1_27(self):
        providers = [rp('cn', inventories={'VCPU': 4, 'DISK_GB': 10},
                        usages={'VCPU': 1}, traits=['CUSTOM_GOLD'])]
        world = oracle.World(providers)
        for version, expected in [
                ((1, 26), {'cn': {'resources': {
                    'VCPU': {'capacity': 4, 'used': 1}},
                    'traits': ['CUSTOM_GOLD']}}),
                ((1, 16), {'cn': {'resources': {
                    'VCPU': {'capacity': 4, 'used': 1}}}}),
                ((1, 27), {'cn': {'resources': {
                    'VCPU': {'capacity': 4, 'used': 1},
                    'DISK_GB': {'capacity': 10, 'used': 0}},
                    'traits': ['CUSTOM_GOLD']}})]:
            req = request(version=version, g=Group({'VCPU': 1}))
            results = oracle.candidates(world, req)
            assert oracle.provider_summaries(world, req, results) == expected

    def test_used_providers_only_before_1_29(self):
        req = request(version=(1, 28), g=Group({'VCPU': 2}))
        world = oracle.World(NESTED)
        summaries = oracle.provider_summaries(
            world, req, oracle.candidates(world, req))
        assert set(summaries) == {'numa0'}

    def test_nothing_found(self):
        world = oracle.World(NESTED)
        req = request(g=Group({'CUSTOM_FPGA': 1}))
        assert oracle.provider_summaries(world, req, set()) == {}


@hypothesis.settings(max_examples=60, deadline=None, derandomize=True,
                     database=None)
@hypothesis.given(scenario=strategies.scenarios())
def test_drawn_scenarios_are_modelled_quickly(scenario):
    """Every drawn world and request is one the oracle models (no
    ValueError), the brute force stays small enough for the property
    test against the service, and every candidate could be allocated
    as it stands."""
    world, req = scenario
    start = time.perf_counter()
    results = oracle.candidates(world, req)
    oracle.provider_summaries(world, req, results)
    assert time.perf_counter() - start < 1.0
    for allocations, _ in results:
        for uuid, rc, n in allocations:
            provider = world.providers[uuid]
            inventory = provider.inventories[rc]
            assert provider.used(rc) + n <= inventory.capacity
            assert n <= inventory.max_unit


@hypothesis.settings(max_examples=60, deadline=None, derandomize=True,
                     database=None)
@hypothesis.given(scenario=strategies.scenarios())
def test_isolate_only_removes_candidates(scenario):
    world, req = scenario
    if len(req.groups) < 2:
        return
    isolate = dataclasses.replace(req, group_policy='isolate')
    none = dataclasses.replace(req, group_policy='none')
    assert (oracle.candidates(world, isolate)
            <= oracle.candidates(world, none))
