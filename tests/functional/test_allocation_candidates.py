"""GET /allocation_candidates: parameters, errors, matching, limits and
response shapes (doc/api.md section 11 and doc/allocation-candidates.md;
the parameters by version are in etc/placement-min/openapi.json)."""

import logging
import uuid as uuidlib

import pytest

from placement_min.storage import aggregate as aggregate_storage
from placement_min.storage import trait as trait_storage

AC = '/allocation_candidates'
UNDEFINED = 'placement.undefined_code'
BAD_VALUE = 'placement.query.bad_value'
DUPLICATE_KEY = 'placement.query.duplicate_key'
MISSING_VALUE = 'placement.query.missing_value'
AGG_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'
AGG_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'
SHARES = 'MISC_SHARES_VIA_AGGREGATE'
AVX2 = 'HW_CPU_X86_AVX2'
SSD = 'STORAGE_DISK_SSD'


class Cloud:
    """Providers with inventory, traits and aggregates in one call."""

    def __init__(self, client, db):
        self.client = client
        self.db = db
        self.names = {}

    def rp(self, name, inventories=None, parent=None, traits=(), aggs=(),
           **fields):
        rp = self.client.create_provider(
            name, inventories, parent=self.names[parent]['uuid']
            if parent else None)
        for trait in traits:
            if trait.startswith('CUSTOM_'):
                trait_storage.ensure(self.db, trait)
        generation = rp['generation']
        if traits:
            generation = trait_storage.set_for_provider(
                self.db, rp['uuid'], list(traits), generation)[0]
        if aggs:
            generation = aggregate_storage.set_for_provider(
                self.db, rp['uuid'], list(aggs), generation)
        rp['generation'] = generation
        self.names[name] = rp
        return rp['uuid']

    def uuid(self, name):
        return self.names[name]['uuid']

    def name_of(self, uuid):
        return next(n for n, rp in self.names.items() if rp['uuid'] == uuid)

    def get(self, query, version='latest', status=200):
        return self.client.request('GET', f'{AC}?{query}', version=version,
                                   status=status)

    def candidates(self, query, version='latest'):
        """Each candidate as {provider name: {class: amount}}."""
        body = self.get(query, version).json
        return [{self.name_of(uuid): alloc['resources']
                 for uuid, alloc in request['allocations'].items()}
                for request in body['allocation_requests']]

    def mappings(self, query, version='latest'):
        body = self.get(query, version).json
        return [{suffix: sorted(self.name_of(u) for u in uuids)
                 for suffix, uuids in request['mappings'].items()}
                for request in body['allocation_requests']]

    def allocate(self, name, resources):
        consumer = str(uuidlib.uuid4())
        self.client.request('PUT', f'/allocations/{consumer}', {
            'allocations': {self.uuid(name): {'resources': resources}},
            'project_id': 'p', 'user_id': 'u', 'consumer_generation': None,
            'consumer_type': 'INSTANCE'}, status=204)


@pytest.fixture
def cloud(client, db):
    return Cloud(client, db)


def as_set(candidates):
    """The distinct allocations among ``candidates``."""
    return sorted({tuple(sorted((n, tuple(sorted(r.items())))
                                for n, r in c.items())) for c in candidates})


def error(response):
    """The error; its code is absent below 1.23, and taken as
    undefined there."""
    found = response.json['errors'][0]
    return {'code': UNDEFINED, **found}


# Parameters and errors ---------------------------------------------------

def test_below_1_10_the_path_does_not_exist(cloud):
    cloud.get('resources=VCPU:1', version='1.9', status=404)


@pytest.mark.parametrize('version, query', [
    ('1.15', 'resources=VCPU:1&limit=1'),
    ('1.16', 'resources=VCPU:1&required=HW_CPU_X86_AVX2'),
    ('1.20', f'resources=VCPU:1&member_of={AGG_A}'),
    ('1.21', 'resources=VCPU:1&required=!HW_CPU_X86_AVX2'),
    ('1.23', f'resources=VCPU:1&member_of={AGG_A}&member_of={AGG_B}'),
    ('1.24', 'resources=VCPU:1&resources1=VCPU:1'),
    ('1.24', 'resources=VCPU:1&group_policy=none'),
    ('1.30', 'resources=VCPU:1&in_tree=' + AGG_A),
    ('1.31', f'resources=VCPU:1&member_of=!{AGG_A}'),
    ('1.32', 'resources_x=VCPU:1'),
    ('1.34', 'resources=VCPU:1&root_required=HW_CPU_X86_AVX2'),
    ('1.35', 'resources=VCPU:1&same_subtree=1'),
    ('1.38', 'resources=VCPU:1&required=in:HW_CPU_X86_AVX2'),
    ('1.38', 'resources=VCPU:1&required=HW_CPU_X86_AVX2&required=' + SSD),
    ('1.39', 'resources=VCPU:1&bogus=1'),
    ('1.39', 'resources=VCPU:1&resources_' + 'x' * 65 + '=VCPU:1'),
])
def test_a_parameter_not_valid_at_the_version_is_400(cloud, version, query):
    response = cloud.get(query, version=version, status=400)
    assert error(response)['code'] == UNDEFINED


@pytest.mark.parametrize('query', [
    'resources=', 'resources=VCPU', 'resources=VCPU:0', 'resources=VCPU:-1',
    'resources=VCPU:1,', 'resources=VCPU:1,,DISK_GB:1', 'resources=vcpu:1',
    'resources=VCPU:1,VCPU:2', 'resources=VCPU:99999999999',
    'resources=CUSTOM_NOPE:1',
    'resources=VCPU:1&limit=0', 'resources=VCPU:1&limit=-1',
    'resources=VCPU:1&limit=a', 'resources=VCPU:1&limit=1&limit=2',
    'resources=VCPU:1&resources=VCPU:2',
    'resources=VCPU:1&group_policy=all',
    'resources1=VCPU:1&resources2=VCPU:1&group_policy=none&'
    'group_policy=none',
    'resources=VCPU:1&member_of=', 'resources=VCPU:1&member_of=nope',
    f'resources=VCPU:1&member_of={AGG_A},{AGG_B}',
    f'resources=VCPU:1&member_of=in:{AGG_A},!{AGG_B}',
    f'resources=VCPU:1&member_of=in:{AGG_A},',
    'resources=VCPU:1&required=', 'resources=VCPU:1&required=,X',
    'resources=VCPU:1&required=!!HW_CPU_X86_AVX2',
    'resources=VCPU:1&required=in:', 'resources=VCPU:1&required=in:A,!B',
    'resources=VCPU:1&required=in:HW_CPU_X86_AVX2,',
    'resources=VCPU:1&required=CUSTOM_UNKNOWN',
    'resources=VCPU:1&required=!CUSTOM_UNKNOWN',
    'resources=VCPU:1&root_required=CUSTOM_UNKNOWN',
    'resources=VCPU:1&root_required=',
    'resources=VCPU:1&root_required=in:HW_CPU_X86_AVX2',
    'resources=VCPU:1&in_tree=nope',
    f'resources=VCPU:1&required={AVX2},!{AVX2}',
    f'resources=VCPU:1&required=in:{AVX2},{SSD}&required=!{AVX2},!{SSD}',
    'resources1=VCPU:1&resources2=VCPU:1',
    'resources1=VCPU:1&resources_b=DISK_GB:1',
])
def test_malformed_or_unknown_values_are_400(cloud, query):
    response = cloud.get(query, status=400)
    assert error(response)['code'] == UNDEFINED


def test_resources_is_required_before_1_25(cloud):
    response = cloud.get('limit=1', version='1.24', status=400)
    assert 'resources' in error(response)['detail']


@pytest.mark.parametrize('query', [
    'resources=VCPU:1&required1=HW_CPU_X86_AVX2',
    f'resources=VCPU:1&member_of1={AGG_A}',
    f'resources=VCPU:1&in_tree1={AGG_A}',
    f'resources1=VCPU:1&in_tree={AGG_A}',
    'limit=1',
])
def test_groups_without_resources_are_400_before_1_36(cloud, query):
    response = cloud.get(query, version='1.35', status=400)
    assert error(response)['code'] == UNDEFINED


def test_granular_groups_need_group_policy_at_every_version(cloud):
    for version in ('1.25', '1.36', '1.39'):
        response = cloud.get('resources1=VCPU:1&resources2=DISK_GB:1',
                             version=version, status=400)
        assert 'group_policy' in error(response)['detail']
    # A resourceless group counts.
    cloud.get('resources1=VCPU:1&required2=HW_CPU_X86_AVX2&'
              'same_subtree=1,2', status=400)


def test_no_resources_at_1_36_is_missing_value(cloud):
    response = cloud.get('required=HW_CPU_X86_AVX2', status=400)
    assert error(response)['code'] == MISSING_VALUE
    response = cloud.get('limit=3', status=400)
    assert error(response)['code'] == MISSING_VALUE


@pytest.mark.parametrize('query', [
    'resources1=VCPU:1&required2=HW_CPU_X86_AVX2&group_policy=none',
    'resources1=VCPU:1&required=HW_CPU_X86_AVX2',
    'resources1=VCPU:1&resources2=VCPU:1&group_policy=none&'
    'same_subtree=1,3',
    'resources1=VCPU:1&resources2=VCPU:1&group_policy=none&'
    'same_subtree=1,',
    'resources1=VCPU:1&same_subtree=',
    'resources=VCPU:1&root_required=HW_CPU_X86_AVX2,!HW_CPU_X86_AVX2',
])
def test_resourceless_and_same_subtree_problems_are_bad_value(cloud, query):
    response = cloud.get(query, status=400)
    assert error(response)['code'] == BAD_VALUE


def test_root_required_twice_is_duplicate_key(cloud):
    response = cloud.get('resources=VCPU:1&root_required=HW_CPU_X86_AVX2&'
                         'root_required=STORAGE_DISK_SSD', status=400)
    assert error(response)['code'] == DUPLICATE_KEY


def test_root_required_any_of_is_refused_even_at_1_39(cloud):
    response = cloud.get('resources=VCPU:1&root_required=in:'
                         'HW_CPU_X86_AVX2', version='1.39', status=400)
    assert error(response)['code'] == UNDEFINED


def test_nothing_matching_is_200_and_empty(cloud):
    cloud.rp('cn', {'VCPU': {'total': 4}})
    empty = {'allocation_requests': [], 'provider_summaries': {}}
    assert cloud.get('resources=VCPU:8').json == empty
    assert cloud.get(f'resources=VCPU:1&member_of={AGG_A}').json == empty
    assert cloud.get(f'resources=VCPU:1&in_tree={AGG_A}').json == empty


def test_repeated_member_of_and_required_combine(cloud):
    cloud.rp('both', {'VCPU': {'total': 4}}, traits=[AVX2, SSD],
             aggs=[AGG_A, AGG_B])
    cloud.rp('a_only', {'VCPU': {'total': 4}}, traits=[AVX2],
             aggs=[AGG_A])
    found = cloud.candidates(f'resources=VCPU:1&member_of={AGG_A}&'
                             f'member_of={AGG_B}')
    assert [list(c) for c in found] == [['both']]
    found = cloud.candidates(f'resources=VCPU:1&required=in:{AVX2},{SSD}&'
                             f'required={SSD}')
    assert [list(c) for c in found] == [['both']]
    found = cloud.candidates(f'resources=VCPU:1&member_of=in:{AGG_A},'
                             f'{AGG_B}&member_of=!{AGG_B}')
    assert [list(c) for c in found] == [['a_only']]


# Matching -----------------------------------------------------------------

def test_each_amount_comes_whole_from_one_provider(cloud):
    cloud.rp('a', {'VCPU': {'total': 4}})
    cloud.rp('b', {'VCPU': {'total': 4}})
    assert cloud.candidates('resources=VCPU:6') == []
    assert as_set(cloud.candidates('resources=VCPU:4')) == as_set(
        [{'a': {'VCPU': 4}}, {'b': {'VCPU': 4}}])


def test_capacity_units_and_usage(cloud):
    cloud.rp('cn', {'VCPU': {'total': 8, 'reserved': 2, 'min_unit': 2,
                             'max_unit': 4, 'step_size': 2,
                             'allocation_ratio': 1.5}})
    assert cloud.candidates('resources=VCPU:1') == []      # min_unit
    assert cloud.candidates('resources=VCPU:3') == []      # step
    assert cloud.candidates('resources=VCPU:6') == []      # max_unit
    assert cloud.candidates('resources=VCPU:4') == [{'cn': {'VCPU': 4}}]
    cloud.allocate('cn', {'VCPU': 4})
    cloud.allocate('cn', {'VCPU': 4})
    # capacity = (8 - 2) * 1.5 = 9, used 8
    assert cloud.candidates('resources=VCPU:2') == []
    summary = cloud.get('resources=VCPU:2&limit=1').json
    assert summary['provider_summaries'] == {}


def test_unsuffixed_classes_may_come_from_a_tree_and_sharing(cloud):
    cloud.rp('cn', {'VCPU': {'total': 8}}, aggs=[AGG_A])
    cloud.rp('pf', {'SRIOV_NET_VF': {'total': 8}}, parent='cn')
    cloud.rp('ss', {'DISK_GB': {'total': 100}}, traits=[SHARES],
             aggs=[AGG_A])
    cloud.rp('far', {'DISK_GB': {'total': 100}}, traits=[SHARES],
             aggs=[AGG_B])
    found = cloud.candidates('resources=VCPU:1,SRIOV_NET_VF:1,DISK_GB:10')
    assert found == [{'cn': {'VCPU': 1}, 'pf': {'SRIOV_NET_VF': 1},
                      'ss': {'DISK_GB': 10}}]
    # A sharing provider also serves alone.
    assert as_set(cloud.candidates('resources=DISK_GB:10')) == as_set(
        [{'ss': {'DISK_GB': 10}}, {'far': {'DISK_GB': 10}}])


def test_below_1_29_a_nested_tree_gives_one_provider(cloud):
    cloud.rp('cn', {'VCPU': {'total': 8}})
    cloud.rp('pf', {'SRIOV_NET_VF': {'total': 8}}, parent='cn')
    assert cloud.candidates('resources=VCPU:1,SRIOV_NET_VF:1',
                            version='1.28') == []
    assert len(cloud.candidates('resources=VCPU:1,SRIOV_NET_VF:1',
                                version='1.29')) == 1
    assert cloud.candidates('resources=SRIOV_NET_VF:1', version='1.28') == [
        {'pf': {'SRIOV_NET_VF': 1}}]


def test_unsuffixed_required_traits_are_held_together(cloud):
    cloud.rp('cn', {'VCPU': {'total': 8}}, traits=[AVX2], aggs=[AGG_A])
    cloud.rp('ss', {'DISK_GB': {'total': 100}}, traits=[SHARES, SSD],
             aggs=[AGG_A])
    assert cloud.candidates(f'resources=VCPU:1,DISK_GB:1&required={AVX2},'
                            f'{SSD}') == [{'cn': {'VCPU': 1},
                                           'ss': {'DISK_GB': 1}}]
    assert cloud.candidates(f'resources=VCPU:1&required={AVX2},{SSD}') == []
    # A forbidden trait on any supplier excludes it.
    assert cloud.candidates(f'resources=VCPU:1,DISK_GB:1&required=!{SSD}'
                            ) == []
    assert cloud.candidates(f'resources=VCPU:1&required=!{SSD}') == [
        {'cn': {'VCPU': 1}}]


def test_unsuffixed_member_of_counts_the_root(cloud):
    cloud.rp('cn', {'VCPU': {'total': 8}}, aggs=[AGG_A])
    cloud.rp('pf', {'SRIOV_NET_VF': {'total': 8}}, parent='cn')
    cloud.rp('other', {'SRIOV_NET_VF': {'total': 8}}, aggs=[AGG_B])
    assert cloud.candidates(f'resources=SRIOV_NET_VF:1&member_of={AGG_A}'
                            ) == [{'pf': {'SRIOV_NET_VF': 1}}]
    assert cloud.candidates(f'resources=SRIOV_NET_VF:1&member_of=!{AGG_A}'
                            ) == [{'other': {'SRIOV_NET_VF': 1}}]
    # Suffixed groups need direct membership.
    assert cloud.candidates(f'resources1=SRIOV_NET_VF:1&member_of1={AGG_A}'
                            ) == []


def test_in_tree_limits_the_tree_and_excludes_outside_sharing(cloud):
    cloud.rp('cn1', {'VCPU': {'total': 8}}, aggs=[AGG_A])
    cloud.rp('cn2', {'VCPU': {'total': 8}, 'DISK_GB': {'total': 10}},
             aggs=[AGG_A])
    cloud.rp('ss', {'DISK_GB': {'total': 100}}, traits=[SHARES],
             aggs=[AGG_A])
    found = cloud.candidates(f'resources=VCPU:1,DISK_GB:1&'
                             f'in_tree={cloud.uuid("cn1")}')
    assert found == []
    found = cloud.candidates(f'resources=VCPU:1,DISK_GB:1&'
                             f'in_tree={cloud.uuid("cn2").upper()}')
    assert found == [{'cn2': {'VCPU': 1, 'DISK_GB': 1}}]
    # A suffixed group pinned to the sharing provider, for any anchor.
    found = cloud.candidates(f'resources=VCPU:1&resources1=DISK_GB:1&'
                             f'in_tree1={cloud.uuid("ss")}')
    assert as_set(found) == as_set([
        {'cn1': {'VCPU': 1}, 'ss': {'DISK_GB': 1}},
        {'cn2': {'VCPU': 1}, 'ss': {'DISK_GB': 1}}])


def test_suffixed_group_is_one_provider_with_its_own_traits(cloud):
    cloud.rp('cn', {'VCPU': {'total': 8}}, traits=[AVX2])
    cloud.rp('gpu', {'VGPU': {'total': 4}}, parent='cn')
    cloud.rp('mem', {'MEMORY_MB': {'total': 1024}}, parent='cn')
    assert cloud.candidates('resources1=VGPU:1,MEMORY_MB:1') == []
    assert cloud.candidates(f'resources1=VGPU:1&required1={AVX2}') == []
    assert cloud.candidates(f'resources=VGPU:1&required={AVX2}') == []
    assert cloud.candidates('resources=VCPU:1&resources1=VGPU:1') == [
        {'cn': {'VCPU': 1}, 'gpu': {'VGPU': 1}}]


def test_group_policy_isolate_and_summed_capacity(cloud):
    cloud.rp('cn', {'VCPU': {'total': 8}})
    cloud.rp('pf0', {'SRIOV_NET_VF': {'total': 8, 'max_unit': 6}},
             parent='cn')
    cloud.rp('pf1', {'SRIOV_NET_VF': {'total': 8}}, parent='cn')
    base = 'resources1=SRIOV_NET_VF:4&resources2=SRIOV_NET_VF:4'
    none = cloud.candidates(base + '&group_policy=none')
    # pf0 cannot take 8 (max_unit 6); pf1 can; and the two mixes.
    assert as_set(none) == as_set([
        {'pf0': {'SRIOV_NET_VF': 4}, 'pf1': {'SRIOV_NET_VF': 4}},
        {'pf1': {'SRIOV_NET_VF': 8}}])
    assert len(cloud.mappings(base + '&group_policy=none')) == 3
    isolate = cloud.candidates(base + '&group_policy=isolate')
    assert as_set(isolate) == as_set([
        {'pf0': {'SRIOV_NET_VF': 4}, 'pf1': {'SRIOV_NET_VF': 4}}])
    # Below 1.34 candidates that differ only in mappings are one.
    assert len(cloud.get(base + '&group_policy=isolate', version='1.33')
               .json['allocation_requests']) == 1
    assert len(cloud.get(base + '&group_policy=isolate')
               .json['allocation_requests']) == 2
    cloud.allocate('pf1', {'SRIOV_NET_VF': 1})
    assert as_set(cloud.candidates(base + '&group_policy=none')) == as_set([
        {'pf0': {'SRIOV_NET_VF': 4}, 'pf1': {'SRIOV_NET_VF': 4}}])


def test_isolate_lets_the_unsuffixed_group_overlap(cloud):
    cloud.rp('cn', {'VCPU': {'total': 8}})
    found = cloud.candidates('resources=VCPU:1&resources1=VCPU:1&'
                             'resources2=VCPU:1&group_policy=isolate')
    assert found == []
    found = cloud.candidates('resources=VCPU:1&resources1=VCPU:1&'
                             'group_policy=isolate')
    assert found == [{'cn': {'VCPU': 2}}]


def test_root_required_tests_the_anchor_root(cloud):
    cloud.rp('cn1', {'VCPU': {'total': 8}}, traits=[AVX2])
    cloud.rp('cn2', {'VCPU': {'total': 8}})
    cloud.rp('pf', {'SRIOV_NET_VF': {'total': 8}}, parent='cn2',
             traits=[AVX2])
    assert cloud.candidates(f'resources=VCPU:1&root_required={AVX2}') == [
        {'cn1': {'VCPU': 1}}]
    assert cloud.candidates(f'resources=SRIOV_NET_VF:1&root_required={AVX2}'
                            ) == []
    assert cloud.candidates(f'resources=VCPU:1&root_required=!{AVX2}') == [
        {'cn2': {'VCPU': 1}}]


def nic_tree(cloud):
    cloud.rp('cn', {'VCPU': {'total': 8}})
    for n in (0, 1):
        cloud.rp(f'numa{n}', {'MEMORY_MB': {'total': 1024}}, parent='cn',
                 traits=['CUSTOM_NUMA'])
        cloud.rp(f'pf{n}', {'SRIOV_NET_VF': {'total': 8}},
                 parent=f'numa{n}', traits=['CUSTOM_PHYSNET'])


def test_same_subtree_and_resourceless_groups(cloud):
    nic_tree(cloud)
    query = ('resources_mem=MEMORY_MB:128&resources_vf=SRIOV_NET_VF:1&'
             'group_policy=none')
    assert len(cloud.candidates(query)) == 4
    together = cloud.candidates(query + '&same_subtree=_mem,_vf')
    assert as_set(together) == as_set([
        {'numa0': {'MEMORY_MB': 128}, 'pf0': {'SRIOV_NET_VF': 1}},
        {'numa1': {'MEMORY_MB': 128}, 'pf1': {'SRIOV_NET_VF': 1}}])
    found = cloud.mappings('resources_vf1=SRIOV_NET_VF:1&resources_vf2='
                           'SRIOV_NET_VF:1&required_numa=CUSTOM_NUMA&'
                           'group_policy=isolate&'
                           'same_subtree=_vf1,_vf2,_numa')
    assert found == []
    found = cloud.mappings('resources_vf=SRIOV_NET_VF:1&required_numa='
                           'CUSTOM_NUMA&group_policy=isolate&'
                           'same_subtree=_vf,_numa')
    assert sorted(map(sorted, (m.items() for m in found))) == [
        [('_numa', ['numa0']), ('_vf', ['pf0'])],
        [('_numa', ['numa1']), ('_vf', ['pf1'])]]
    # The resourceless group's provider appears in mappings only.
    body = cloud.get('resources_vf=SRIOV_NET_VF:1&required_numa='
                     'CUSTOM_NUMA&group_policy=isolate&'
                     'same_subtree=_vf,_numa').json
    for request in body['allocation_requests']:
        assert list(request['allocations']) == request['mappings']['_vf']


def test_resourceless_groups_may_map_to_a_sharing_provider_of_nothing(
        cloud):
    # A resourceless group matches a provider by its traits and
    # aggregates; a sharing provider aggregated with the anchor tree
    # qualifies even when it has none of the requested classes.
    cloud.rp('cn', {'VCPU': {'total': 8}}, aggs=[AGG_A])
    cloud.rp('ss', {'DISK_GB': {'total': 100}},
             traits=[SHARES, 'CUSTOM_FAST'], aggs=[AGG_A])
    found = cloud.mappings('resources1=VCPU:1&required_a=CUSTOM_FAST&'
                           'required_b=CUSTOM_FAST&group_policy=none&'
                           'same_subtree=_a,_b')
    assert found == [{'1': ['cn'], '_a': ['ss'], '_b': ['ss']}]


# Limits and order ---------------------------------------------------------

def flat(cloud, count):
    for n in range(count):
        cloud.rp(f'cn{n}', {'VCPU': {'total': 8}})


def test_limit_keeps_the_first_and_their_summaries(cloud):
    flat(cloud, 5)
    body = cloud.get('resources=VCPU:1&limit=2').json
    assert len(body['allocation_requests']) == 2
    used = {u for r in body['allocation_requests'] for u in r['allocations']}
    assert set(body['provider_summaries']) == used


@pytest.mark.parametrize('strategy', ['depth-first', 'breadth-first'])
def test_max_allocation_candidates_caps_before_limit(cloud, conf, strategy):
    flat(cloud, 5)
    conf.set_override('allocation_candidates_generation_strategy', strategy,
                      'placement')
    conf.set_override('max_allocation_candidates', 3, 'placement')
    assert len(cloud.candidates('resources=VCPU:1')) == 3
    assert len(cloud.candidates('resources=VCPU:1&limit=2')) == 2
    conf.set_override('max_allocation_candidates', -1, 'placement')
    assert len(cloud.candidates('resources=VCPU:1')) == 5


def test_breadth_first_spreads_over_trees(cloud, conf):
    for n in range(3):
        cloud.rp(f'cn{n}', {'VCPU': {'total': 8}})
        cloud.rp(f'pf{n}a', {'SRIOV_NET_VF': {'total': 8}}, parent=f'cn{n}')
        cloud.rp(f'pf{n}b', {'SRIOV_NET_VF': {'total': 8}}, parent=f'cn{n}')
    query = 'resources=VCPU:1&resources1=SRIOV_NET_VF:1&limit=3'
    depth = cloud.candidates(query)
    assert len({n for c in depth for n in c if n.startswith('cn')}) == 2
    conf.set_override('allocation_candidates_generation_strategy',
                      'breadth-first', 'placement')
    breadth = cloud.candidates(query)
    assert {n for c in breadth for n in c if n.startswith('cn')} == {
        'cn0', 'cn1', 'cn2'}


def test_randomize_samples_the_limit_from_all(cloud, conf):
    flat(cloud, 6)
    conf.set_override('randomize_allocation_candidates', True, 'placement')
    seen = set()
    for _ in range(12):
        found = cloud.candidates('resources=VCPU:1&limit=2')
        assert len(found) == 2
        seen.update(n for c in found for n in c)
    assert len(seen) > 2
    assert len(cloud.candidates('resources=VCPU:1')) == 6


def test_the_budget_cuts_the_search_and_says_so(cloud, conf, caplog):
    cloud.rp('root', {'VCPU': {'total': 8}})
    for n in range(12):
        cloud.rp(f'c{n}', {'SRIOV_NET_VF': {'total': 16}}, parent='root')
    conf.set_override('allocation_candidates_budget_ms', 50, 'placement')
    groups = '&'.join(f'resources{g}=SRIOV_NET_VF:1' for g in range(1, 9))
    with caplog.at_level(logging.WARNING):
        response = cloud.get(groups + '&group_policy=none')
    assert 0 < len(response.json['allocation_requests']) < 12 ** 8
    assert 'work budget' in caplog.text


# Response shapes ----------------------------------------------------------

def test_shape_before_1_12_is_a_list(cloud):
    cloud.rp('cn', {'VCPU': {'total': 8}, 'DISK_GB': {'total': 10}})
    body = cloud.get('resources=VCPU:1', version='1.10').json
    assert body == {
        'allocation_requests': [{'allocations': [{
            'resource_provider': {'uuid': cloud.uuid('cn')},
            'resources': {'VCPU': 1}}]}],
        'provider_summaries': {cloud.uuid('cn'): {'resources': {
            'VCPU': {'capacity': 8, 'used': 0}}}}}


def test_summary_fields_by_version(cloud):
    cloud.rp('cn', {'VCPU': {'total': 8, 'allocation_ratio': 1.5},
                    'DISK_GB': {'total': 10, 'reserved': 1}},
             traits=[AVX2])
    cloud.rp('pf', {'SRIOV_NET_VF': {'total': 8}}, parent='cn')
    cloud.allocate('cn', {'VCPU': 2})
    cn = cloud.uuid('cn')
    at = {v: cloud.get('resources=VCPU:1', version=v).json
          for v in ('1.12', '1.17', '1.27', '1.29', '1.34')}
    assert at['1.12']['allocation_requests'] == [
        {'allocations': {cn: {'resources': {'VCPU': 1}}}}]
    assert at['1.12']['provider_summaries'] == {cn: {'resources': {
        'VCPU': {'capacity': 12, 'used': 2}}}}
    assert at['1.17']['provider_summaries'][cn]['traits'] == [AVX2]
    assert at['1.27']['provider_summaries'][cn]['resources'] == {
        'VCPU': {'capacity': 12, 'used': 2},
        'DISK_GB': {'capacity': 9, 'used': 0}}
    summaries = at['1.29']['provider_summaries']
    assert set(summaries) == {cn, cloud.uuid('pf')}
    assert summaries[cloud.uuid('pf')] == {
        'resources': {'SRIOV_NET_VF': {'capacity': 8, 'used': 0}},
        'traits': [], 'parent_provider_uuid': cn, 'root_provider_uuid': cn}
    assert at['1.34']['allocation_requests'] == [
        {'allocations': {cn: {'resources': {'VCPU': 1}}},
         'mappings': {'': [cn]}}]


def test_cache_headers_from_1_15(cloud):
    cloud.rp('cn', {'VCPU': {'total': 8}})
    old = cloud.get('resources=VCPU:1', version='1.14')
    assert 'Cache-Control' not in old.headers
    assert 'Last-Modified' not in old.headers
    new = cloud.get('resources=VCPU:1', version='1.15')
    assert new.headers['Cache-Control'] == 'no-cache'
    assert new.headers['Last-Modified']


def test_policy_is_admin_only(cloud):
    response = cloud.client.request('GET', f'{AC}?resources=VCPU:1',
                                    token='alice:project-a')
    assert response.status_int == 403


@pytest.mark.parametrize('policy, before_1_34, from_1_34', [
    ('none', 20, 64),       # multisets of 3 among 4; 4 ** 3 mappings
    ('isolate', 4, 24),     # subsets of 3 among 4; 4 * 3 * 2 mappings
])
def test_identical_groups_count_once_per_allocation_below_1_34(
        cloud, policy, before_1_34, from_1_34):
    """Below 1.34 the search tries identical groups' providers in one
    order only (doc/allocation-candidates.md); the candidates are the
    same distinct allocations as the full enumeration gives."""
    cloud.rp('root', {'VCPU': {'total': 8}})
    for n in range(4):
        cloud.rp(f'c{n}', {'SRIOV_NET_VF': {'total': 3}}, parent='root')
    groups = ('resources1=SRIOV_NET_VF:1&resources2=SRIOV_NET_VF:1&'
              f'resources3=SRIOV_NET_VF:1&group_policy={policy}')
    old = cloud.candidates(groups, version='1.33')
    new = cloud.candidates(groups, version='1.34')
    assert len(old) == len(as_set(old)) == before_1_34
    assert len(new) == from_1_34
    assert as_set(old) == as_set(new)


def test_isolate_without_enough_providers_is_empty_at_once(cloud, conf):
    """No matching of groups to distinct providers: the anchor is
    skipped before its permutations are tried."""
    cloud.rp('root', {'VCPU': {'total': 8}})
    for n in range(11):
        cloud.rp(f'c{n}', {'SRIOV_NET_VF': {'total': 1}}, parent='root')
    conf.set_override('allocation_candidates_budget_ms', 60000, 'placement')
    groups = '&'.join(f'resources{g}=SRIOV_NET_VF:1' for g in range(1, 13))
    assert cloud.candidates(groups + '&group_policy=isolate') == []
