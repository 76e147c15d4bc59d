"""What real clients read in error responses besides status and code.

Nova's scheduler report client decides what to do from a few phrases in
409 details, and osc-placement shows the last line of every 4xx detail
and negotiates its microversion from a 406. Each test here names the
client behaviour its phrase protects: change a phrase and that client
does the wrong thing against this service.
"""

import re
import uuid as uuidlib

import pytest

from placement_min import errors
from placement_min.storage import allocation as allocation_storage

CONFLICT = 'placement.concurrent_update'
# Nova: "consumer generation conflict" in a concurrent_update detail
# means give up (AllocationUpdateFailed, AllocationMoveFailed, ...);
# any other concurrent_update means retry the write.
CONSUMER_CONFLICT = 'consumer generation conflict'
# Nova before error codes (microversion < 1.23) retried an allocation
# write whose detail said this.
CONCURRENTLY_UPDATED = 'concurrently updated'
# Nova's _create_resource_provider: this phrase means a name clash
# (ResourceProviderCreationFailed); without it, a 409 is taken for a
# concurrent create of the same uuid and the provider is fetched.
NAME_CONFLICT = 'Conflicting resource provider name:'
# Nova before error codes found an inventory removal refused for
# allocations with this pattern (InventoryInUse, not a retry).
INVENTORY_IN_USE = re.compile(
    'Inventory for (.+) on resource provider (.+) in use')


def detail(response) -> str:
    return response.json['errors'][0]['detail']


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def allocations_body(rp_uuid: str, amount: int, generation) -> dict:
    return {'allocations': {rp_uuid: {'resources': {'VCPU': amount}}},
            'project_id': 'p', 'user_id': 'u',
            'consumer_generation': generation, 'consumer_type': 'INSTANCE'}


@pytest.fixture
def rp(client):
    return client.create_provider('compute', {'VCPU': {'total': 8}})


def _put(client, consumer, body, status, version='latest'):
    return client.request('PUT', f'/allocations/{consumer}', body,
                          version=version, status=status)


def _losing_every_provider_race(monkeypatch) -> None:
    def bump(conn, rp_id, generation, uuid):
        raise errors.ConcurrentUpdate(uuid=uuid)
    monkeypatch.setattr(allocation_storage, 'bump_generation', bump)


# Nova: put_allocations / claim_resources (PUT /allocations/{consumer}) --

@pytest.mark.parametrize('stored, sent', [(None, 0), (1, None), (1, 3)])
def test_nova_put_allocations_gives_up_on_a_consumer_generation_conflict(
        client, rp, stored, sent):
    consumer = new_uuid()
    if stored is not None:
        _put(client, consumer, allocations_body(rp['uuid'], 1, None), 204)
    response = _put(client, consumer,
                    allocations_body(rp['uuid'], 2, sent), 409)
    assert response.json['errors'][0]['code'] == CONFLICT
    assert CONSUMER_CONFLICT in detail(response)


def test_nova_put_allocations_gives_up_when_its_consumer_race_is_lost(
        client, rp, monkeypatch):
    """The consumer's own compare-and-set lost, with a generation sent."""
    consumer = new_uuid()
    _put(client, consumer, allocations_body(rp['uuid'], 1, None), 204)

    def update(conn, pairs, now):
        raise allocation_storage._lost_race([row for _c, row in pairs])
    monkeypatch.setattr(allocation_storage, '_update_consumers', update)
    response = _put(client, consumer, allocations_body(rp['uuid'], 2, 1),
                    409)
    assert CONSUMER_CONFLICT in detail(response)


def test_nova_put_allocations_retries_a_provider_race(client, rp,
                                                      monkeypatch):
    """A provider changed under every try: concurrent_update without the
    consumer phrase, so Nova retries."""
    _losing_every_provider_race(monkeypatch)
    response = _put(client, new_uuid(),
                    allocations_body(rp['uuid'], 1, None), 409)
    assert response.json['errors'][0]['code'] == CONFLICT
    assert CONSUMER_CONFLICT not in detail(response)


def test_nova_before_error_codes_retries_concurrently_updated(
        client, rp, monkeypatch):
    _losing_every_provider_race(monkeypatch)
    body = {'allocations': {rp['uuid']: {'resources': {'VCPU': 1}}},
            'project_id': 'p', 'user_id': 'u'}
    response = _put(client, new_uuid(), body, 409, version='1.17')
    assert 'code' not in response.json['errors'][0]
    assert CONCURRENTLY_UPDATED in detail(response)


def test_nova_before_error_codes_retries_a_database_conflict():
    """Deadlocks that outlast every try end the same way."""
    assert CONCURRENTLY_UPDATED in errors.TransactionConflict().detail
    assert CONSUMER_CONFLICT not in errors.TransactionConflict().detail


# Nova: move_allocations (POST /allocations, migrations and resizes) -------

def test_nova_move_allocations_gives_up_on_a_consumer_generation_conflict(
        client, rp):
    instance, migration = new_uuid(), new_uuid()
    _put(client, instance, allocations_body(rp['uuid'], 1, None), 204)
    response = client.request('POST', '/allocations', {
        migration: allocations_body(rp['uuid'], 1, None),
        instance: allocations_body(rp['uuid'], 1, 0)}, status=409)
    assert response.json['errors'][0]['code'] == CONFLICT
    assert CONSUMER_CONFLICT in detail(response)


def test_nova_move_allocations_retries_a_provider_race(client, rp,
                                                       monkeypatch):
    _losing_every_provider_race(monkeypatch)
    response = client.request('POST', '/allocations', {
        new_uuid(): allocations_body(rp['uuid'], 1, None)}, status=409)
    assert response.json['errors'][0]['code'] == CONFLICT
    assert CONSUMER_CONFLICT not in detail(response)


# Nova: _create_resource_provider ------------------------------------------

def test_nova_create_provider_fails_on_a_name_clash(client, rp):
    response = client.request('POST', '/resource_providers', {
        'name': 'compute', 'uuid': new_uuid()}, status=409)
    assert f'{NAME_CONFLICT} compute' in detail(response)


def test_nova_create_provider_fetches_the_provider_on_a_uuid_clash(
        client, rp):
    """Nova creating the same provider twice (same uuid and name) must
    not read a name clash: it then fetches the existing provider."""
    for name in ('compute', 'another'):
        response = client.request('POST', '/resource_providers', {
            'name': name, 'uuid': rp['uuid']}, status=409)
        assert NAME_CONFLICT not in detail(response)
        assert rp['uuid'] in detail(response)


def test_renaming_onto_a_name_in_use_says_so(client, rp):
    other = client.create_provider('other')
    response = client.request('PUT', f'/resource_providers/{other["uuid"]}',
                              {'name': 'compute'}, status=409)
    assert f'{NAME_CONFLICT} compute' in detail(response)


# Nova before error codes: _update_inventory_attempt -----------------------

@pytest.mark.parametrize('method', ['PUT', 'DELETE'])
def test_nova_before_error_codes_finds_inventory_in_use(client, rp, method):
    _put(client, new_uuid(), allocations_body(rp['uuid'], 1, None), 204)
    path = f'/resource_providers/{rp["uuid"]}/inventories'
    body = None
    if method == 'PUT':
        body = {'resource_provider_generation': rp['generation'] + 1,
                'inventories': {}}
    response = client.request(method, path + ('/VCPU' if body is None
                                              else ''),
                              body, version='1.22', status=409)
    match = INVENTORY_IN_USE.search(response.text)
    assert match is not None, detail(response)
    assert match[1] == 'VCPU'
    assert rp['uuid'] in match[2]


# osc-placement ---------------------------------------------------------------

@pytest.mark.parametrize('method, path, body, status', [
    ('PUT', '/allocations/{consumer}', {'allocations': 1}, 400),
    ('GET', '/resource_providers/{missing}', None, 404),
    ('PUT', '/resource_providers/{rp}/inventories/CUSTOM_NOPE',
     {'resource_provider_generation': 1, 'total': 1}, 404),
    ('POST', '/resource_providers', {'name': 'compute'}, 409),
    ('PUT', '/allocations/{consumer}', {
        'allocations': {}, 'project_id': 'p', 'user_id': 'u',
        'consumer_generation': 4, 'consumer_type': 'INSTANCE'}, 409),
])
def test_osc_placement_shows_the_whole_detail(client, rp, method, path,
                                              body, status):
    """osc-placement prints only the last line of a 4xx detail: every
    detail is one line, so the user sees all of it."""
    response = client.request(method, path.format(
        consumer=new_uuid(), missing=new_uuid(), rp=rp['uuid']), body,
        status=status)
    text = detail(response)
    assert '\n' not in text
    assert text.split('\n')[-1].strip() == text


def test_osc_placement_negotiates_its_microversion(client):
    """Without --os-placement-api-version, osc-placement asks for the
    newest version it knows with GET / and falls back to the
    max_version of the 406 it gets."""
    response = client.request('GET', '/', version='1.99', token=None,
                              status=406)
    assert response.json['errors'][0]['max_version'] == '1.39'


@pytest.mark.parametrize('version', ['1.12', '1.28', '1.39'])
def test_osc_placement_unset_sends_back_what_it_got(client, rp, version):
    """"resource provider allocation unset --provider" GETs the
    allocations, drops a provider and PUTs the rest back, per-provider
    generations and all."""
    other = client.create_provider('other', {'VCPU': {'total': 8}})
    consumer = new_uuid()
    body = allocations_body(rp['uuid'], 1, None)
    body['allocations'][other['uuid']] = {'resources': {'VCPU': 2}}
    _put(client, consumer, body, 204)
    shown = client.request('GET', f'/allocations/{consumer}',
                           version=version, status=200).json
    shown['allocations'].pop(rp['uuid'])
    client.request('PUT', f'/allocations/{consumer}', shown,
                   version=version, status=204)
    left = client.request('GET', f'/allocations/{consumer}',
                          status=200).json['allocations']
    assert {uuid: target['resources'] for uuid, target in left.items()} == {
        other['uuid']: {'VCPU': 2}}


def test_osc_placement_unset_of_a_consumer_without_a_type(client, rp):
    """GET shows "unknown" for a consumer written below 1.38; unset sends
    it back, and the consumer stays without a type."""
    other = client.create_provider('other', {'VCPU': {'total': 8}})
    consumer = new_uuid()
    client.request('PUT', f'/allocations/{consumer}', {
        'allocations': {rp['uuid']: {'resources': {'VCPU': 1}},
                        other['uuid']: {'resources': {'VCPU': 1}}},
        'project_id': 'p', 'user_id': 'u'}, version='1.20', status=204)
    shown = client.request('GET', f'/allocations/{consumer}',
                           status=200).json
    assert shown['consumer_type'] == 'unknown'
    shown['allocations'].pop(rp['uuid'])
    client.request('PUT', f'/allocations/{consumer}', shown, status=204)
    left = client.request('GET', f'/allocations/{consumer}',
                          status=200).json
    assert (set(left['allocations']), left['consumer_type']) == (
        {other['uuid']}, 'unknown')
    usages = client.request('GET', '/usages?project_id=p', status=200).json
    assert set(usages['usages']) == {'unknown'}
    # A typed consumer keeps its type when "unknown" is sent.
    left['consumer_type'] = 'INSTANCE'
    client.request('PUT', f'/allocations/{consumer}', left, status=204)
    typed = client.request('GET', f'/allocations/{consumer}',
                           status=200).json
    typed['consumer_type'] = 'unknown'
    client.request('PUT', f'/allocations/{consumer}', typed, status=204)
    assert client.request('GET', f'/allocations/{consumer}', status=200
                          ).json['consumer_type'] == 'INSTANCE'
