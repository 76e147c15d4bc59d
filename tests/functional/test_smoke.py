"""The service's main path, end to end through the whole pipeline."""


def test_provider_inventory_round_trip(client):
    rp = client.create_provider('compute-1', {'VCPU': {'total': 8}})
    path = f'/resource_providers/{rp["uuid"]}/inventories'
    body = client.request('GET', path, status=200).json
    assert body['resource_provider_generation'] == 1
    assert body['inventories']['VCPU']['total'] == 8
    stale = client.request('PUT', path, {'resource_provider_generation': 0,
                                         'inventories': {}}, status=409)
    assert stale.json['errors'][0]['code'] == 'placement.concurrent_update'
    assert client.request('GET', path, status=200).json == body
