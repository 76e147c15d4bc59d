"""GET /resource_providers filters, as doc/api.md section 19, README and
openapi.json describe them: member_of (1.3), resources (1.4), in_tree
(1.14), required (1.18), with name and uuid; each tests the provider
alone, all AND."""

import uuid as uuidlib

import pytest

RPS = '/resource_providers'
AGG_A = 'aaaaaaaa-0000-4000-8000-000000000001'
AGG_B = 'bbbbbbbb-0000-4000-8000-000000000002'
AGG_C = 'cccccccc-0000-4000-8000-000000000003'
AVX2 = 'HW_CPU_X86_AVX2'
SSE = 'HW_CPU_X86_SSE'


@pytest.fixture
def seeded(client):
    """Five providers (cn1's child among them), their traits, aggregates
    and inventories, and one allocation; {name: uuid}."""
    inventories = {
        'cn1': {'VCPU': {'total': 8}, 'MEMORY_MB': {'total': 4096}},
        'cn2': {'VCPU': {'total': 4, 'max_unit': 2},
                'MEMORY_MB': {'total': 2048, 'reserved': 1024}},
        'cn3': {'VCPU': {'total': 16, 'step_size': 2, 'min_unit': 2}},
        'cn4': None,
    }
    names = {}
    for name, inventory in inventories.items():
        names[name] = client.create_provider(name, inventory)['uuid']
    names['child'] = client.create_provider(
        'child', {'VCPU': {'total': 2, 'allocation_ratio': 2.0}},
        parent=names['cn1'])['uuid']
    client.request('PUT', '/traits/CUSTOM_GOLD', status=201)
    traits = {'cn1': [AVX2], 'cn2': [AVX2, SSE], 'cn4': [SSE, 'CUSTOM_GOLD'],
              'child': ['CUSTOM_GOLD']}
    aggregates = {'cn1': [AGG_A], 'cn2': [AGG_A, AGG_B], 'cn3': [AGG_B],
                  'child': [AGG_C]}
    for name, uuid in names.items():
        path = f'{RPS}/{uuid}'
        generation = client.request('GET', path).json['generation']
        if name in traits:
            generation = client.request('PUT', f'{path}/traits', {
                'traits': traits[name],
                'resource_provider_generation': generation},
                status=200).json['resource_provider_generation']
        if name in aggregates:
            client.request('PUT', f'{path}/aggregates', {
                'aggregates': aggregates[name],
                'resource_provider_generation': generation}, status=200)
    # cn1 has 6 of its 8 VCPU in use.
    client.request('PUT', f'/allocations/{uuidlib.uuid4()}', {
        'allocations': {names['cn1']: {'resources': {'VCPU': 6}}},
        'project_id': 'p', 'user_id': 'u', 'consumer_generation': None,
        'consumer_type': 'INSTANCE'}, status=204)
    return names


def _names(client, query: str, version='latest') -> set:
    response = client.request('GET', f'{RPS}?{query}', version=version,
                              status=200)
    return {rp['name'] for rp in response.json['resource_providers']}


@pytest.mark.parametrize('query, expected', [
    # member_of (1.3): one aggregate, or any of a list.
    (f'member_of={AGG_A}', {'cn1', 'cn2'}),
    (f'member_of=in:{AGG_A},{AGG_C}', {'cn1', 'cn2', 'child'}),
    (f'member_of=in:{AGG_A.upper()}', {'cn1', 'cn2'}),
    (f'member_of={uuidlib.UUID(AGG_B).hex}', {'cn2', 'cn3'}),
    (f'member_of={uuidlib.uuid4()}', set()),
    # Repeated: each must match (1.24).
    (f'member_of={AGG_A}&member_of={AGG_B}', {'cn2'}),
    (f'member_of=in:{AGG_A},{AGG_B}&member_of=in:{AGG_B},{AGG_C}',
     {'cn2', 'cn3'}),
    # Forbidden (1.32).
    (f'member_of=!{AGG_A}', {'cn3', 'cn4', 'child'}),
    (f'member_of=!in:{AGG_A},{AGG_C}', {'cn3', 'cn4'}),
    (f'member_of={AGG_B}&member_of=!{AGG_A}', {'cn3'}),
    (f'member_of={AGG_A}&member_of=!{AGG_A}', set()),
    # resources (1.4): min/max unit, step size, capacity left.
    ('resources=VCPU:2', {'cn1', 'cn2', 'cn3', 'child'}),
    ('resources=VCPU:3', {'child'}),
    ('resources=VCPU:4', {'cn3', 'child'}),
    ('resources=VCPU:5', set()),
    ('resources=VCPU:1', {'cn1', 'cn2', 'child'}),
    ('resources=VCPU:16', {'cn3'}),
    ('resources=MEMORY_MB:1024', {'cn1', 'cn2'}),
    ('resources=MEMORY_MB:1025', {'cn1'}),
    ('resources=VCPU:1,MEMORY_MB:1024', {'cn1', 'cn2'}),
    ('resources=DISK_GB:1', set()),
    # required (1.18): all of; forbidden (1.22); any of and repeats
    # (1.39).
    (f'required={AVX2}', {'cn1', 'cn2'}),
    (f'required={AVX2},{SSE}', {'cn2'}),
    (f'required=!{AVX2}', {'cn3', 'cn4', 'child'}),
    (f'required={SSE},!{AVX2}', {'cn4'}),
    (f'required={AVX2},!{AVX2}', set()),
    (f'required=in:{AVX2},CUSTOM_GOLD', {'cn1', 'cn2', 'cn4', 'child'}),
    (f'required=in:{AVX2},CUSTOM_GOLD&required=!{SSE}', {'cn1', 'child'}),
    (f'required=in:{AVX2},{SSE}&required=in:CUSTOM_GOLD,{SSE}',
     {'cn2', 'cn4'}),
    # Combined with each other and with name, uuid, in_tree.
    (f'resources=VCPU:1&required={AVX2}&member_of={AGG_A}', {'cn1', 'cn2'}),
    (f'resources=VCPU:2&required=!{SSE}&member_of=!{AGG_C}', {'cn1', 'cn3'}),
    ('name=cn2&resources=VCPU:2', {'cn2'}),
    ('name=cn2&resources=VCPU:3', set()),
    ('name=', {'cn1', 'cn2', 'cn3', 'cn4', 'child'}),
    ('name=&required=CUSTOM_GOLD', {'cn4', 'child'}),
    (f'in_tree={uuidlib.uuid4()}', set()),
])
def test_filters(client, seeded, query, expected):
    assert _names(client, query) == expected


def test_in_tree_and_uuid_combine_with_the_others(client, seeded):
    tree = f'in_tree={seeded["child"]}'
    assert _names(client, tree) == {'cn1', 'child'}
    assert _names(client, f'{tree}&required=CUSTOM_GOLD') == {'child'}
    assert _names(client, f'{tree}&member_of={AGG_A}') == {'cn1'}
    assert _names(client, f'uuid={seeded["cn2"]}&required={SSE}') == {'cn2'}
    assert _names(client, f'uuid={seeded["cn2"]}&required=CUSTOM_GOLD') == (
        set())


def test_capacity_follows_allocations(client, seeded):
    """Freed capacity counts at once; the rule is the allocations' one."""
    assert 'cn1' not in _names(client, 'resources=VCPU:3')
    consumer = uuidlib.uuid4()
    client.request('PUT', f'/allocations/{consumer}', {
        'allocations': {seeded['cn1']: {'resources': {'VCPU': 2}}},
        'project_id': 'p', 'user_id': 'u', 'consumer_generation': None,
        'consumer_type': 'INSTANCE'}, status=204)
    assert 'cn1' not in _names(client, 'resources=VCPU:1')
    client.request('DELETE', f'/allocations/{consumer}', status=204)
    assert 'cn1' in _names(client, 'resources=VCPU:2')


def test_each_version_sees_its_filters(client, seeded):
    assert _names(client, f'member_of={AGG_B}', version='1.3') == {
        'cn2', 'cn3'}
    assert _names(client, 'resources=VCPU:16', version='1.4') == {'cn3'}
    assert _names(client, f'required={AVX2}', version='1.18') == {
        'cn1', 'cn2'}
    assert _names(client, f'required=!{AVX2}', version='1.22') == {
        'cn3', 'cn4', 'child'}
    assert _names(client, f'member_of={AGG_A}&member_of={AGG_B}',
                  version='1.24') == {'cn2'}
    assert _names(client, f'member_of=!{AGG_B}', version='1.32') == {
        'cn1', 'cn4', 'child'}


U = '8a3fd7a8-5b3d-4c4e-9d36-33c8a1c3e0f1'


@pytest.mark.parametrize('version, query, words', [
    # A parameter not valid at the version.
    ('1.2', f'member_of={U}', "Unknown query parameter 'member_of'"),
    ('1.3', 'resources=VCPU:1', "Unknown query parameter 'resources'"),
    ('1.13', f'in_tree={U}', "Unknown query parameter 'in_tree'"),
    ('1.17', f'required={AVX2}', "Unknown query parameter 'required'"),
    # uuid and in_tree: a dashed uuid.
    ('1.39', 'uuid=', "'uuid'"),
    ('1.39', 'uuid=nope', "'uuid'"),
    ('1.39', f'uuid={U.replace("-", "")}', "'uuid'"),
    ('1.39', 'in_tree=', "'in_tree'"),
    ('1.39', 'in_tree=nope', "'in_tree'"),
    # resources
    ('1.39', 'resources=', "'resources'"),
    ('1.39', 'resources=VCPU', "'resources'"),
    ('1.39', 'resources=VCPU:', "'resources'"),
    ('1.39', 'resources=:1', "'resources'"),
    ('1.39', 'resources=VCPU:0', "'resources'"),
    ('1.39', 'resources=VCPU:-1', "'resources'"),
    ('1.39', 'resources=VCPU:1.5', "'resources'"),
    ('1.39', 'resources=VCPU:01', "'resources'"),
    ('1.39', 'resources=VCPU:x', "'resources'"),
    ('1.39', 'resources=VCPU:2147483648', "'resources'"),
    ('1.39', 'resources=VCPU:' + '9' * 5000, "'resources'"),
    ('1.39', 'resources=VCPU:1,', "'resources'"),
    ('1.39', 'resources=VCPU:1,,MEMORY_MB:1', "'resources'"),
    ('1.39', 'resources=VCPU:1:2', "'resources'"),
    ('1.39', 'resources=VCPU:1,VCPU:2', "'resources'"),
    ('1.39', 'resources=vcpu:1', "'resources'"),
    ('1.39', 'resources=CUSTOM_NOPE:1', 'CUSTOM_NOPE'),
    ('1.4', 'resources=VCPU:1&resources=VCPU:2', 'more than once'),
    # member_of
    ('1.39', 'member_of=', "'member_of'"),
    ('1.39', 'member_of=nope', "'member_of'"),
    ('1.39', 'member_of=in:', "'member_of'"),
    ('1.39', f'member_of=in:{U},', "'member_of'"),
    ('1.39', f'member_of={U},{U}', "'member_of'"),
    ('1.39', f'member_of=in:{U},!{U}', "'member_of'"),
    ('1.39', f'member_of=!!{U}', "'member_of'"),
    ('1.39', 'member_of=!', "'member_of'"),
    ('1.39', f'member_of=in:!{U}', "'member_of'"),
    ('1.23', f'member_of={U}&member_of={U}', 'more than once'),
    ('1.31', f'member_of=!{U}', '1.32'),
    ('1.31', f'member_of=!in:{U}', '1.32'),
    # required
    ('1.39', 'required=', "'required'"),
    ('1.39', f'required={AVX2},', "'required'"),
    ('1.39', f'required=,{AVX2}', "'required'"),
    ('1.39', 'required=!', "'required'"),
    ('1.39', f'required=!!{AVX2}', "'required'"),
    ('1.39', 'required=in:', "'required'"),
    ('1.39', f'required=in:{AVX2},', "'required'"),
    ('1.39', f'required=in:{AVX2},!{SSE}', "'required'"),
    ('1.39', f'required=in:!{AVX2}', "'required'"),
    ('1.39', 'required=hw_cpu_x86_avx2', "'required'"),
    ('1.21', f'required=!{AVX2}', '1.22'),
    ('1.38', f'required=in:{AVX2},{SSE}', '1.39'),
    ('1.38', f'required={AVX2}&required={SSE}', 'more than once'),
    ('1.39', 'required=CUSTOM_NOPE', 'CUSTOM_NOPE'),
    ('1.39', f'required={AVX2},!CUSTOM_NOPE', 'CUSTOM_NOPE'),
    ('1.39', f'required=in:{AVX2},CUSTOM_NOPE', 'CUSTOM_NOPE'),
    ('1.39', f'required={AVX2}&required=!CUSTOM_NOPE', 'CUSTOM_NOPE'),
    ('1.39', 'junk=1', "'junk'"),
])
def test_bad_filters_are_a_400_naming_the_problem(client, seeded, version,
                                                  query, words):
    response = client.request('GET', f'{RPS}?{query}', version=version,
                              status=400)
    error = response.json['errors'][0]
    assert words in error['detail']
    if tuple(map(int, version.split('.'))) >= (1, 23):
        assert error['code'] == 'placement.undefined_code'


def test_unknown_names_are_all_named(client, seeded):
    response = client.request(
        'GET', f'{RPS}?required=CUSTOM_ONE,!CUSTOM_TWO,{AVX2}', status=400)
    detail = response.json['errors'][0]['detail']
    assert 'CUSTOM_ONE' in detail and 'CUSTOM_TWO' in detail
    assert AVX2 not in detail
