"""A walk over every route and method of the route table with malformed
input: no answer is a server error, and every error is a JSON document.

The table is walked, so routes added later are covered automatically.
"""

import json
import re
import uuid

import pytest

from placement_min import router

LONG_SEGMENT = 'a' * 10240
BAD_PATH_ITEMS = [
    'not-a-uuid', LONG_SEGMENT, '%00', '%ff%fe', '%E2%98%83', '..',
    '%2e%2e', '%25s', '%7B0%7D', '12345678-1234-1234-1234-1234567890123',
    'vcpu', 'CUSTOM_', '-1', '%20', 'null',
]
# The first eight are also tried one field at a time.
WRONG_VALUES = [2 ** 64, 10 ** 400, 'x' * 10000, None, True, [], {}, -1,
                -2 ** 64, 1e308, 0, '', [1, 2], {'a': {'b': 1}}, 'VCPU',
                '%s{0}']
# Field names that appear in the request bodies of this API.
FIELDS = ['name', 'uuid', 'parent_provider_uuid', 'resource_class', 'total',
          'reserved', 'min_unit', 'max_unit', 'step_size',
          'allocation_ratio', 'resource_provider_generation', 'inventories',
          'allocations', 'project_id', 'user_id', 'consumer_generation',
          'consumer_type', 'resources', 'mappings']
RAW_BODIES = [
    b'', b'{', b'[]', b'"x"', b'null', b'{"a": NaN}', b'{"a": 1e400}',
    b'{"a": 1, "a": 2}', b'\xef\xbb\xbf{}', b'\xff\xfe{\x00}\x00',
    bytes(range(256)) * 4, b'{"a": ' + b'[' * 5000 + b']' * 5000 + b'}',
    b'{"total": 1' + b'0' * 5000 + b'}',
]
CONTENT_TYPES = ['text/plain', 'application/xml', 'application/json; '
                 'charset=latin-1', 'multipart/form-data; boundary=x',
                 'application/x-www-form-urlencoded', '', '\x00']
VERSIONS = ['1.0', '1.2', '1.7', '1.14', '1.28', '1.38', 'latest', '1.a',
            '9.9', '0.9', '1.99999', 'latest latest', LONG_SEGMENT]
QUERIES = ['?%ff=1', '?name=%00', '?name=a&name=b', '?uuid=x',
           '?in_tree=' + LONG_SEGMENT, '?project_id=',
           '?' + '&'.join(f'k{i}=1' for i in range(50)), '?=', '?&&',
           '?name=' + 'x' * 10000, '?user_id=%ff']


def _operations():
    for route in router.ROUTES:
        for method in sorted(route.methods) + ['PATCH', 'OPTIONS']:
            yield method, route.template


OPERATIONS = list(_operations())


class Walker:
    """Sends requests and records every answer that breaks the rules."""

    def __init__(self, app):
        self.app = app
        self.failures = []

    def send(self, method, path, body=b'', version='latest',
             content_type='application/json', headers=None):
        all_headers = {'X-Auth-Token': 'admin',
                       'OpenStack-API-Version': f'placement {version}',
                       **(headers or {})}
        if content_type is not None:
            all_headers['Content-Type'] = content_type
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        try:
            response = self.app.request(path, method=method, body=body,
                                        headers=all_headers,
                                        expect_errors=True)
        except Exception as exc:  # noqa: BLE001 - recorded as a failure
            self.failures.append((method, path[:80], version,
                                  f'raised {exc!r}'[:200]))
            return
        problem = self._problem(response)
        if problem:
            self.failures.append((method, path[:80], body[:60], version,
                                  content_type, problem))

    @staticmethod
    def _problem(response) -> str | None:
        if response.status_int >= 500:
            return f'{response.status} {response.body[:200]!r}'
        if response.status_int >= 400:
            if response.content_type != 'application/json':
                return f'{response.status} not JSON: {response.body[:80]!r}'
            try:
                error = response.json['errors'][0]
            except (ValueError, KeyError, IndexError):
                return f'{response.status} bad error body'
            if error.get('status') != response.status_int:
                return f'{response.status} status field {error}'
        return None


@pytest.fixture
def valid_items(client):
    rp = client.create_provider('walk', {'VCPU': {'total': 8}})
    client.request('POST', '/resource_classes', {'name': 'CUSTOM_WALK'},
                   status=201)
    return {'uuid': rp['uuid'], 'resource_class': 'VCPU',
            'name': 'CUSTOM_WALK', 'consumer_uuid': str(uuid.uuid4())}


def fill(template: str, items: dict, bad: tuple | None = None) -> str:
    def item(match):
        if bad is not None and match[1] == bad[0]:
            return bad[1]
        return items.get(match[1], str(uuid.uuid4()))
    return re.sub(r'\{(\w+)\}', item, template)


def _bodies(method: str, template: str):
    """Every wrong value for the writes, the raw bodies for all."""
    if method in ('POST', 'PUT'):
        for value in WRONG_VALUES:
            yield {field: value for field in FIELDS}
        for field in FIELDS:
            for value in WRONG_VALUES[:8]:
                yield {field: value}
    yield from RAW_BODIES


@pytest.mark.parametrize('method, template', OPERATIONS,
                         ids=[f'{m} {t}' for m, t in OPERATIONS])
def test_no_server_error_for_malformed_input(app, valid_items, method,
                                             template):
    walker = Walker(app)
    path = fill(template, valid_items)
    for name in re.findall(r'\{(\w+)\}', template):
        for bad in BAD_PATH_ITEMS:
            walker.send(method, fill(template, valid_items, (name, bad)),
                        b'{}')
    for body in _bodies(method, template):
        walker.send(method, path, body)
    for content_type in CONTENT_TYPES:
        walker.send(method, path, b'{}', content_type=content_type)
    walker.send(method, path, b'{}', content_type=None)
    for version in VERSIONS:
        walker.send(method, path, b'{}', version=version)
    for query in QUERIES:
        walker.send(method, path + query)
    walker.send(method, path, b'{"name": "' + b'x' * 200000 + b'"}')
    walker.send(method, path + '/' + LONG_SEGMENT)
    walker.send(method, path, b'{}', headers={'Accept': 'text/html'})
    walker.send(method, path, b'{}', headers={'X-Auth-Token': ''})
    assert walker.failures == []
