"""Location headers name the created or confirmed object under the
service's mount point (SCRIPT_NAME), as the links in bodies do."""

from urllib.parse import urlsplit

import pytest

MOUNT = {'SCRIPT_NAME': '/placement'}


def _location(response) -> str:
    """The path of the Location header (WSGI makes it absolute)."""
    return urlsplit(response.headers['Location']).path


def _headers(version: str) -> dict[str, str]:
    return {'X-Auth-Token': 'admin',
            'OpenStack-API-Version': f'placement {version}'}


def test_created_provider(client):
    for version in ('1.0', '1.20'):
        response = client.app.post_json(
            '/resource_providers', {'name': f'cn-{version}'},
            headers=_headers(version), extra_environ=MOUNT)
        uuid = (response.json['uuid'] if response.body else
                _location(response).rsplit('/', 1)[1])
        assert _location(response) == (
            f'/placement/resource_providers/{uuid}')


def test_created_inventory(client):
    rp = client.create_provider('cn')
    response = client.app.post_json(
        f'/resource_providers/{rp["uuid"]}/inventories',
        {'resource_class': 'VCPU', 'total': 8},
        headers=_headers('1.39'), extra_environ=MOUNT)
    assert response.status_int == 201
    assert _location(response) == (
        f'/placement/resource_providers/{rp["uuid"]}/inventories/VCPU')


@pytest.mark.parametrize('method, version', [('post', '1.2'),
                                             ('put', '1.7')])
def test_created_resource_class(client, method, version):
    if method == 'post':
        response = client.app.post_json(
            '/resource_classes', {'name': 'CUSTOM_GPU'},
            headers=_headers(version), extra_environ=MOUNT)
    else:
        response = client.app.put('/resource_classes/CUSTOM_GPU',
                                  headers=_headers(version),
                                  extra_environ=MOUNT)
    assert response.status_int == 201
    assert _location(response) == (
        '/placement/resource_classes/CUSTOM_GPU')


def test_created_trait(client):
    response = client.app.put('/traits/CUSTOM_GOLD',
                              headers=_headers('1.6'), extra_environ=MOUNT)
    assert response.status_int == 201
    assert _location(response) == '/placement/traits/CUSTOM_GOLD'
