"""The wire side of the oracle: a request rendered as a query string,
a response read back into canonical candidates, and a world seeded
through the API coming out as drawn."""

import urllib.parse

from tests.allocation_candidates import oracle
from tests.allocation_candidates import seeding
from tests.allocation_candidates.oracle import Group
from tests.allocation_candidates.oracle import Inventory

CN = '00000000-0000-0000-0000-00000000c0de'
NUMA = '00000000-0000-0000-0000-0000000000a1'
AGG_A = '00000000-0000-0000-0000-00000000a99a'
AGG_B = '00000000-0000-0000-0000-00000000a99b'


def test_query_pairs_of_every_parameter():
    request = oracle.Request((1, 39), {
        '': Group({'VCPU': 2, 'DISK_GB': 10},
                  required=frozenset(['HW_CPU_X86_AVX2', 'CUSTOM_GOLD']),
                  forbidden=frozenset(['STORAGE_DISK_SSD']),
                  required_any=(frozenset(['CUSTOM_A', 'CUSTOM_B']),),
                  member_of=(frozenset([AGG_A]),
                             frozenset([AGG_A, AGG_B])),
                  forbidden_aggregates=frozenset([AGG_B]),
                  in_tree=CN),
        '_NIC': Group(required=frozenset(['HW_NIC_SRIOV'])),
        '1': Group({'CUSTOM_FPGA': 1},
                   forbidden_aggregates=frozenset([AGG_A, AGG_B]))},
        group_policy='isolate', root_required=frozenset(['CUSTOM_GOLD']),
        root_forbidden=frozenset(['CUSTOM_SILVER']),
        same_subtree=(('1', '_NIC'),))
    assert seeding.query_pairs(request) == [
        ('resources', 'DISK_GB:10,VCPU:2'),
        ('required', 'CUSTOM_GOLD,HW_CPU_X86_AVX2,!STORAGE_DISK_SSD'),
        ('required', 'in:CUSTOM_A,CUSTOM_B'),
        ('member_of', AGG_A),
        ('member_of', f'in:{AGG_A},{AGG_B}'),
        ('member_of', f'!{AGG_B}'),
        ('in_tree', CN),
        ('resources1', 'CUSTOM_FPGA:1'),
        ('member_of1', f'!in:{AGG_A},{AGG_B}'),
        ('required_NIC', 'HW_NIC_SRIOV'),
        ('group_policy', 'isolate'),
        ('root_required', 'CUSTOM_GOLD,!CUSTOM_SILVER'),
        ('same_subtree', '1,_NIC')]
    query = seeding.query_string(request)
    assert urllib.parse.parse_qsl(query) == seeding.query_pairs(request)
    assert 'required=in:CUSTOM_A,CUSTOM_B' in query


def test_headers_name_the_version():
    assert seeding.headers((1, 10)) == {
        'X-Auth-Token': 'admin', 'OpenStack-API-Version': 'placement 1.10'}


def test_parse_candidates_with_mappings():
    body = {'allocation_requests': [
        {'allocations': {CN: {'resources': {'VCPU': 2}},
                         NUMA: {'resources': {'DISK_GB': 1, 'VCPU': 1}}},
         'mappings': {'': [NUMA, CN], '1': [NUMA]}}],
        'provider_summaries': {}}
    assert seeding.parse_candidates((1, 39), body) == [(
        frozenset([(CN, 'VCPU', 2), (NUMA, 'DISK_GB', 1),
                   (NUMA, 'VCPU', 1)]),
        frozenset([('', tuple(sorted([CN, NUMA]))), ('1', (NUMA,))]))]


def test_parse_candidates_in_the_list_form_before_1_12():
    body = {'allocation_requests': [
        {'allocations': [{'resource_provider': {'uuid': CN},
                          'resources': {'VCPU': 2}}]},
        {'allocations': [{'resource_provider': {'uuid': CN},
                          'resources': {'VCPU': 2}}]}],
        'provider_summaries': {}}
    # A repeated result stays visible.
    assert seeding.parse_candidates((1, 10), body) == 2 * [
        (frozenset([(CN, 'VCPU', 2)]), frozenset())]


def test_parse_summaries_sorts_traits():
    body = {'allocation_requests': [], 'provider_summaries': {
        CN: {'resources': {}, 'traits': ['CUSTOM_B', 'CUSTOM_A']}}}
    assert seeding.parse_summaries(body) == {
        CN: {'resources': {}, 'traits': ['CUSTOM_A', 'CUSTOM_B']}}


def test_seed_inventories_and_usage(app):
    """Usage that the final fields would refuse (above capacity, off
    the step, below min_unit) is in place, and so are the fields."""
    world = oracle.World([
        oracle.Provider(NUMA, CN, {'VCPU': Inventory(
            8, reserved=6, min_unit=2, max_unit=4, step_size=2,
            allocation_ratio=1.5)}, {'VCPU': 5}),
        oracle.Provider(CN, None, {'DISK_GB': Inventory(10),
                                   'CUSTOM_FPGA': Inventory(2)},
                        {'CUSTOM_FPGA': 1})])
    seeding.seed(app, world, classes=('CUSTOM_OTHER',))
    headers = seeding.headers()
    numa = app.get(f'/resource_providers/{NUMA}', headers=headers).json
    assert (numa['parent_provider_uuid'], numa['root_provider_uuid']) == (
        CN, CN)
    for uuid, provider in world.providers.items():
        inventories = app.get(f'/resource_providers/{uuid}/inventories',
                              headers=headers).json['inventories']
        assert inventories == {
            rc: inventory_fields(inv)
            for rc, inv in provider.inventories.items()}
        usages = app.get(f'/resource_providers/{uuid}/usages',
                         headers=headers).json['usages']
        assert usages == {rc: provider.used(rc)
                          for rc in provider.inventories}
    app.get('/resource_classes/CUSTOM_OTHER', headers=headers, status=200)


def inventory_fields(inventory: Inventory) -> dict:
    return {'total': inventory.total, 'reserved': inventory.reserved,
            'min_unit': inventory.min_unit, 'max_unit': inventory.max_unit,
            'step_size': inventory.step_size,
            'allocation_ratio': inventory.allocation_ratio}
