"""Requests the claim tests share: one of every kind of response.

Several claims are about every response the service gives (security
headers, content type, no cookies, no internals in errors), so the
tests provoke each status doc/api.md section 3 lists, from each layer that can
answer, and check them all alike.
"""

import re
import uuid

from placement_min import errors
from placement_min.storage import resource_provider as rp_storage

UUID_TEXT = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
                       r'[0-9a-f]{12}', re.IGNORECASE)


# What an error detail must never show (doc/api.md section 3).
INTERNALS = ('Traceback', 'File "', '.py', 'sqlalchemy', 'sqlite',
             'SELECT ', 'INSERT ', 'UPDATE ', 'Exception', 'Error:',
             'RuntimeError', 'KeyError', 'placement_min.')

SECRET = 'internal-secret-3f9a'

# What a server or framework below the security headers layer might add
# to a response; the last header is a witness that they were added.
ADVERTISING = (('Server', 'leaky-server/1.0'),
               ('X-Powered-By', 'leaky-framework/2.0'))
WITNESS = ('X-Added-Below', 'security-headers')

INVENTORY = {'VCPU': {'total': 8}}


def raw(client, method, path, body: bytes, content_type='application/json',
        token='admin', version='latest', headers=None):
    """A request with exactly ``body`` and ``content_type``."""
    all_headers = {'X-Auth-Token': token,
                   'OpenStack-API-Version': f'placement {version}',
                   **(headers or {})}
    return client.app.request(path, method=method, body=body,
                              headers=all_headers,
                              content_type=content_type, expect_errors=True)


def advertising(layer):
    """A factory like ``layer``'s whose responses also carry
    ADVERTISING and WITNESS; to put it in place of ``layer``."""
    def build(application):
        inner = layer(application)

        def call(environ, start_response):
            def start(status, headers, exc_info=None):
                return start_response(
                    status, [*headers, *ADVERTISING, WITNESS], exc_info)
            return inner(environ, start)
        return call
    return build


def _fail_listing(monkeypatch, exc):
    def fail(*_args, **_kwargs):
        raise exc
    monkeypatch.setattr(rp_storage, 'list_providers', fail)


def _created(client, _monkeypatch):
    return client.request('PUT', '/resource_classes/CUSTOM_NEW')


def _no_content(client, _monkeypatch):
    client.request('PUT', '/resource_classes/CUSTOM_NEW', status=201)
    return client.request('PUT', '/resource_classes/CUSTOM_NEW')


def _server_error(client, monkeypatch):
    _fail_listing(monkeypatch, RuntimeError(
        f'{SECRET} at /etc/placement-min/placement-min.conf'))
    return client.request('GET', '/resource_providers')


def _unavailable(client, monkeypatch):
    _fail_listing(monkeypatch, errors.DatabaseUnavailable(SECRET))
    return client.request('GET', '/resource_providers')


# name -> (expected status, how to provoke it)
RESPONSES = {
    'version-document': (200, lambda c, m: c.request(
        'GET', '/', version=None, token=None)),
    'list': (200, lambda c, m: c.request('GET', '/resource_providers')),
    'list-1.0': (200, lambda c, m: c.request('GET', '/resource_providers',
                                             version='1.0')),
    'created': (201, _created),
    'no-content': (204, _no_content),
    'bad-body': (400, lambda c, m: c.request(
        'POST', '/resource_providers', {'name': 'x', 'bogus': 1})),
    'bad-microversion': (400, lambda c, m: c.request(
        'GET', '/resource_providers', version='1.a')),
    'no-token': (401, lambda c, m: c.request(
        'GET', '/resource_providers', token=None)),
    'forbidden': (403, lambda c, m: c.request(
        'GET', '/resource_providers', token='alice')),
    'unknown-path': (404, lambda c, m: c.request('GET', '/nowhere')),
    'unknown-provider': (404, lambda c, m: c.request(
        'GET', '/resource_providers/not-a-uuid')),
    'method-not-allowed': (405, lambda c, m: c.request(
        'PATCH', '/resource_providers')),
    'unsupported-microversion': (406, lambda c, m: c.request(
        'GET', '/resource_providers', version='2.0')),
    'not-acceptable': (406, lambda c, m: c.request(
        'GET', '/resource_providers', headers={'Accept': 'text/html'})),
    'too-large': (413, lambda c, m: raw(
        c, 'POST', '/resource_providers', b'{"name": "' + b'x' * 200000
        + b'"}')),
    'not-json': (415, lambda c, m: raw(
        c, 'POST', '/resource_providers', b'name=x',
        content_type='application/x-www-form-urlencoded')),
    'server-error': (500, _server_error),
    'database-unavailable': (503, _unavailable),
}


def provoke(name, client, monkeypatch):
    """The response of kind ``name``, its status checked."""
    status, make = RESPONSES[name]
    response = make(client, monkeypatch)
    assert response.status_int == status, (name, response.status,
                                           response.body)
    return response


def error_of(response) -> dict:
    """The one error of a JSON error document, its request id checked."""
    assert response.content_type == 'application/json'
    (error,) = response.json['errors']
    assert error['status'] == response.status_int
    assert error['request_id'] == response.headers['x-openstack-request-id']
    return error


def assert_no_internals(text: str) -> None:
    for marker in (*INTERNALS, SECRET):
        assert marker not in text, (marker, text)


def allocate(client, rp_uuid, amount, consumer=None, status=204):
    consumer = consumer or str(uuid.uuid4())
    client.request('PUT', f'/allocations/{consumer}', {
        'allocations': {rp_uuid: {'resources': {'VCPU': amount}}},
        'project_id': 'p', 'user_id': 'u', 'consumer_generation': None,
        'consumer_type': 'INSTANCE'}, status=status)
    return consumer


def snapshot(client):
    """Everything a write could change, as the admin sees it."""
    providers = client.request('GET', '/resource_providers',
                               status=200).json['resource_providers']
    state = {'classes': client.request('GET', '/resource_classes',
                                       status=200).json}
    for rp in providers:
        path = f'/resource_providers/{rp["uuid"]}'
        state[rp['uuid']] = (
            rp, client.request('GET', path + '/inventories', status=200).json,
            client.request('GET', path + '/allocations', status=200).json)
    return state


def write_targets(client):
    """(method, path, version, a valid body) of every write with a body."""
    rp, all_of, one_of = (client.create_provider(name, INVENTORY)
                          for name in ('rp', 'all-of', 'one-of'))
    client.request('POST', '/resource_classes', {'name': 'CUSTOM_OLD'},
                   status=201)
    base = f'/resource_providers/{rp["uuid"]}'
    return [
        ('POST', '/resource_providers', 'latest', {'name': 'new'}),
        ('PUT', base, 'latest', {'name': 'renamed'}),
        ('POST', base + '/inventories', 'latest',
         {'resource_class': 'DISK_GB', 'total': 1}),
        ('PUT', f'/resource_providers/{all_of["uuid"]}/inventories',
         'latest', {'resource_provider_generation': all_of['generation'],
                    'inventories': {'VCPU': {'total': 4}}}),
        ('PUT', f'/resource_providers/{one_of["uuid"]}/inventories/VCPU',
         'latest', {'resource_provider_generation': one_of['generation'],
                    'total': 4}),
        ('POST', '/resource_classes', 'latest', {'name': 'CUSTOM_NEW'}),
        ('PUT', '/resource_classes/CUSTOM_OLD', '1.6',
         {'name': 'CUSTOM_RENAMED'}),
        ('PUT', f'/allocations/{uuid.uuid4()}', 'latest',
         {'allocations': {rp['uuid']: {'resources': {'VCPU': 1}}},
          'project_id': 'p', 'user_id': 'u', 'consumer_generation': None,
          'consumer_type': 'INSTANCE'}),
        ('PUT', f'/allocations/{uuid.uuid4()}', '1.0',
         {'allocations': [{'resource_provider': {'uuid': rp['uuid']},
                           'resources': {'VCPU': 1}}]}),
    ]
