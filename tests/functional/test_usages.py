"""Provider usages and /usages (doc/api.md section 8).

The sequence test keeps its own record of what each consumer holds and
checks every usage view against it after each write.
"""

import uuid as uuidlib

import pytest


def error(response) -> dict:
    return response.json['errors'][0]


def new_consumer() -> str:
    return str(uuidlib.uuid4())


def put(client, consumer, allocations, project='proj', user='user',
        consumer_type='INSTANCE', version='latest', generation=None,
        status=204):
    body = {'allocations': {rp: {'resources': resources}
                            for rp, resources in allocations.items()},
            'project_id': project, 'user_id': user}
    if version in ('1.37', 'latest'):
        body['consumer_generation'] = generation
    if version == 'latest':
        body['consumer_type'] = consumer_type
    return client.request('PUT', f'/allocations/{consumer}', body,
                          version=version, status=status)


def provider_usages(client, rp, version='latest') -> dict:
    return client.request('GET', f'/resource_providers/{rp["uuid"]}/usages',
                          version=version, status=200).json


def totals(client, query, version='latest') -> dict:
    return client.request('GET', f'/usages?{query}', version=version,
                          status=200).json['usages']


@pytest.fixture
def rp(client):
    return client.create_provider('rp', {
        'VCPU': {'total': 16}, 'MEMORY_MB': {'total': 8192},
        'DISK_GB': {'total': 100}})


@pytest.fixture
def rp2(client):
    return client.create_provider('rp2', {'VCPU': {'total': 8}})


# Provider usages ----------------------------------------------------------

@pytest.mark.parametrize('version', ['1.0', 'latest'])
def test_every_class_with_inventory_is_listed(client, rp, version):
    put(client, new_consumer(), {rp['uuid']: {'VCPU': 2}})
    assert provider_usages(client, rp, version) == {
        'resource_provider_generation': rp['generation'] + 1,
        'usages': {'VCPU': 2, 'MEMORY_MB': 0, 'DISK_GB': 0}}


def test_provider_without_inventory(client):
    rp = client.create_provider('bare')
    assert provider_usages(client, rp) == {
        'resource_provider_generation': 0, 'usages': {}}


@pytest.mark.parametrize('bad', [str(uuidlib.uuid4()), 'nope', 'x' * 300])
def test_unknown_provider_is_404(client, bad):
    client.request('GET', f'/resource_providers/{bad}/usages', status=404)


def test_provider_usages_refuse_query_parameters(client, rp):
    client.request('GET', f'/resource_providers/{rp["uuid"]}/usages?a=1',
                   status=400)


def test_cache_headers_from_1_15(client, rp):
    path = f'/resource_providers/{rp["uuid"]}/usages'
    old = client.request('GET', path, version='1.14', status=200)
    assert 'Cache-Control' not in old.headers
    new = client.request('GET', path, version='1.15', status=200)
    assert new.headers['Cache-Control'] == 'no-cache'
    assert 'Last-Modified' in new.headers


# Usages agree with allocations ----------------------------------------------

def _expected(held: dict, rp) -> dict:
    usages = {'VCPU': 0, 'MEMORY_MB': 0, 'DISK_GB': 0}
    for allocations in held.values():
        for rc, amount in allocations.get(rp['uuid'], {}).items():
            usages[rc] += amount
    return usages


def _check(client, held: dict, owners: dict, rp, rp2) -> None:
    assert provider_usages(client, rp)['usages'] == _expected(held, rp)
    assert provider_usages(client, rp2)['usages'] == {
        'VCPU': _expected(held, rp2)['VCPU']}
    listed = client.request(
        'GET', f'/resource_providers/{rp["uuid"]}/allocations',
        status=200).json['allocations']
    assert listed == {consumer: {'resources': allocations[rp['uuid']]}
                      for consumer, allocations in held.items()
                      if rp['uuid'] in allocations}
    for project in ('p1', 'p2'):
        expected = {}
        for consumer, allocations in held.items():
            if owners[consumer] != project:
                continue
            for resources in allocations.values():
                for rc, amount in resources.items():
                    expected[rc] = expected.get(rc, 0) + amount
        assert totals(client, f'project_id={project}', '1.9') == expected


def test_usages_follow_puts_replaces_and_deletes(client, rp, rp2):
    held, owners = {}, {}
    a, b, c = new_consumer(), new_consumer(), new_consumer()
    steps = [
        ('put', a, 'p1', {rp['uuid']: {'VCPU': 2, 'MEMORY_MB': 1024}}),
        ('put', b, 'p1', {rp['uuid']: {'VCPU': 4},
                          rp2['uuid']: {'VCPU': 3}}),
        ('put', c, 'p2', {rp2['uuid']: {'VCPU': 4}}),
        ('put', a, 'p1', {rp['uuid']: {'DISK_GB': 50},
                          rp2['uuid']: {'VCPU': 1}}),
        ('delete', b, None, None),
        ('put', c, 'p1', {rp['uuid']: {'VCPU': 16}}),
        ('put', b, 'p2', {rp2['uuid']: {'VCPU': 7}}),
        ('delete', a, None, None),
        ('put', c, 'p1', {}),
    ]
    generations = {}
    for action, consumer, project, allocations in steps:
        if action == 'delete':
            client.request('DELETE', f'/allocations/{consumer}',
                           status=204)
            held.pop(consumer)
        else:
            put(client, consumer, allocations, project=project,
                generation=generations.get(consumer))
            if allocations:
                held[consumer], owners[consumer] = allocations, project
            else:
                held.pop(consumer)
        generations[consumer] = client.request(
            'GET', f'/allocations/{consumer}',
            status=200).json.get('consumer_generation')
        _check(client, held, owners, rp, rp2)
    assert held == {b: {rp2['uuid']: {'VCPU': 7}}}


def test_refused_write_leaves_usages_unchanged(client, rp, rp2):
    put(client, new_consumer(), {rp2['uuid']: {'VCPU': 6}})
    before = (provider_usages(client, rp), provider_usages(client, rp2))
    put(client, new_consumer(), {rp['uuid']: {'VCPU': 2},
                                 rp2['uuid']: {'VCPU': 3}}, status=409)
    assert (provider_usages(client, rp),
            provider_usages(client, rp2)) == before


# /usages --------------------------------------------------------------------

@pytest.mark.parametrize('version, status', [('1.8', 404), ('1.9', 200)])
def test_usages_exist_from_1_9(client, version, status):
    client.request('GET', '/usages?project_id=p', version=version,
                   status=status)


@pytest.mark.parametrize('query, name', [
    ('', 'project_id'),
    ('user_id=u', 'project_id'),
    ('project_id=p&host=x', 'host'),
    ('project_id=p&project_id=q', 'project_id'),
    ('project_id=', 'project_id'),
    ('project_id=' + 'p' * 256, 'project_id'),
    ('project_id=p&consumer_type=instance', 'consumer_type'),
    ('project_id=p&consumer_type=', 'consumer_type'),
])
def test_bad_query_is_400(client, query, name):
    response = client.request('GET', f'/usages?{query}', status=400)
    assert name in error(response)['detail']


def test_consumer_type_parameter_is_refused_before_1_38(client):
    client.request('GET', '/usages?project_id=p&consumer_type=all',
                   version='1.37', status=400)


def test_totals_by_project_and_user(client, rp, rp2):
    put(client, new_consumer(), {rp['uuid']: {'VCPU': 1, 'DISK_GB': 10}},
        project='p1', user='u1')
    put(client, new_consumer(), {rp2['uuid']: {'VCPU': 2}},
        project='p1', user='u2')
    put(client, new_consumer(), {rp['uuid']: {'VCPU': 4}},
        project='p2', user='u1')
    assert totals(client, 'project_id=p1', '1.37') == {'VCPU': 3,
                                                       'DISK_GB': 10}
    assert totals(client, 'project_id=p1&user_id=u2', '1.37') == {'VCPU': 2}
    assert totals(client, 'project_id=p2&user_id=u2', '1.37') == {}
    assert totals(client, 'project_id=nobody', '1.9') == {}


def test_grouped_by_consumer_type_from_1_38(client, rp, rp2):
    put(client, new_consumer(), {rp['uuid']: {'VCPU': 1, 'DISK_GB': 10}})
    put(client, new_consumer(), {rp2['uuid']: {'VCPU': 2}})
    put(client, new_consumer(), {rp['uuid']: {'MEMORY_MB': 512}},
        consumer_type='MIGRATION')
    # Written before consumer types existed: no type, shown as unknown.
    put(client, new_consumer(), {rp['uuid']: {'VCPU': 3}}, version='1.37')
    put(client, new_consumer(), {rp['uuid']: {'VCPU': 8}}, project='other')
    assert totals(client, 'project_id=proj') == {
        'INSTANCE': {'consumer_count': 2, 'VCPU': 3, 'DISK_GB': 10},
        'MIGRATION': {'consumer_count': 1, 'MEMORY_MB': 512},
        'unknown': {'consumer_count': 1, 'VCPU': 3},
    }
    assert totals(client, 'project_id=proj&consumer_type=all') == {
        'all': {'consumer_count': 4, 'VCPU': 6, 'DISK_GB': 10,
                'MEMORY_MB': 512}}
    assert totals(client, 'project_id=proj&consumer_type=unknown') == {
        'unknown': {'consumer_count': 1, 'VCPU': 3}}
    assert totals(client, 'project_id=proj&consumer_type=MIGRATION') == {
        'MIGRATION': {'consumer_count': 1, 'MEMORY_MB': 512}}
    assert totals(client, 'project_id=proj&consumer_type=NONE_SUCH') == {}
    assert totals(client, 'project_id=nobody&consumer_type=all') == {}
    assert totals(client, 'project_id=proj', '1.37') == {
        'VCPU': 6, 'DISK_GB': 10, 'MEMORY_MB': 512}


# Policy ----------------------------------------------------------------------

@pytest.mark.parametrize('path', ['/resource_providers/{rp}/usages',
                                  '/usages?project_id=p'])
def test_non_admin_is_forbidden(client, rp, path):
    response = client.request('GET', path.format(rp=rp['uuid']),
                              token='alice', status=403)
    assert 'placement:' in error(response)['detail']
