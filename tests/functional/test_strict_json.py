"""The strict JSON reader on every kind of write: each refusal is a clear
400 (415 for the media type) and writes nothing."""

import json

import pytest
import webtest
from oslo_middleware import sizelimit

from placement_min import deploy
from tests.conftest import Client


def _inventories_state(client, rp):
    return client.request(
        'GET', f'/resource_providers/{rp["uuid"]}/inventories').json


def _providers_state(client, rp):
    return client.request('GET', '/resource_providers').json


def _classes_state(client, rp):
    return client.request('GET', '/resource_classes').json


# name: (method, path, a valid body, what the write would change)
TARGETS = {
    'put-inventories': (
        'PUT', '/resource_providers/{rp}/inventories',
        {'resource_provider_generation': 1,
         'inventories': {'VCPU': {'total': 16}}}, _inventories_state),
    'put-inventory': (
        'PUT', '/resource_providers/{rp}/inventories/VCPU',
        {'resource_provider_generation': 1, 'total': 16},
        _inventories_state),
    'post-inventory': (
        'POST', '/resource_providers/{rp}/inventories',
        {'resource_class': 'DISK_GB', 'total': 16}, _inventories_state),
    'post-provider': (
        'POST', '/resource_providers', {'name': 'new'}, _providers_state),
    'put-provider': (
        'PUT', '/resource_providers/{rp}', {'name': 'renamed'},
        _providers_state),
    'post-class': (
        'POST', '/resource_classes', {'name': 'CUSTOM_NEW'},
        _classes_state),
}


def _with_member(member: str):
    """The valid body with one more raw member spliced in."""
    def build(valid: dict) -> bytes:
        return (json.dumps(valid)[:-1] + ', ' + member + '}').encode()
    return build


def _duplicate_first_key(valid: dict) -> bytes:
    key, value = next(iter(valid.items()))
    text = json.dumps(valid)
    return ('{' + json.dumps(key) + ': ' + json.dumps(value) + ', '
            + text[1:]).encode()


def _deep(levels: int):
    return _with_member('"deep": ' + '[' * levels + ']' * levels)


# name: (body from a valid body, status, words the detail must contain)
CASES = {
    'utf-16': (lambda v: json.dumps(v).encode('utf-16'), 400, 'UTF-8'),
    'latin-1-byte': (lambda v: json.dumps(v).encode()[:-1]
                     + b', "\xe9": 1}', 400, 'UTF-8'),
    'utf-8-bom': (lambda v: b'\xef\xbb\xbf' + json.dumps(v).encode(),
                  400, 'BOM'),
    'array': (lambda v: json.dumps([v]).encode(), 400, 'JSON object'),
    'string': (lambda v: b'"text"', 400, 'JSON object'),
    'number': (lambda v: b'42', 400, 'JSON object'),
    'null': (lambda v: b'null', 400, 'JSON object'),
    'duplicate-key': (_duplicate_first_key, 400, 'duplicate key'),
    'nan': (_with_member('"x": NaN'), 400, 'NaN'),
    'infinity': (_with_member('"x": Infinity'), 400, 'Infinity'),
    'minus-infinity': (_with_member('"x": -Infinity'), 400, 'Infinity'),
    'overflowing-float': (_with_member('"x": 1e400'), 400, 'out of range'),
    'deeper-than-bound': (_deep(8), 400, 'deeper than 8'),
    '5000-digits': (_with_member('"x": 1' + '0' * 5000), 400, 'too long'),
    'empty': (lambda v: b'', 400, 'empty'),
    'whitespace': (lambda v: b'  \n', 400, 'Malformed JSON'),
    'truncated': (lambda v: json.dumps(v).encode()[:-1], 400,
                  'Malformed JSON'),
    'trailing-garbage': (lambda v: json.dumps(v).encode() + b'x', 400,
                         'Malformed JSON'),
    'single-quotes': (lambda v: str(v).encode(), 400, 'Malformed JSON'),
    'extra-property': (_with_member('"bogus": 1'), 400, 'bogus'),
}

MEDIA_TYPES = {
    'latin-1-charset': 'application/json; charset=latin-1',
    'text-plain': 'text/plain',
    'form': 'application/x-www-form-urlencoded',
    'json-suffix': 'application/jsonx',
    'missing': None,
}


@pytest.fixture
def rp(client):
    return client.create_provider('rp', {'VCPU': {'total': 8}})


def send(client, rp, target, body: bytes, content_type):
    method, path, _valid, _state = TARGETS[target]
    headers = {'X-Auth-Token': 'admin',
               'OpenStack-API-Version': 'placement latest'}
    if content_type:
        headers['Content-Type'] = content_type
    return client.app.request(path.replace('{rp}', rp['uuid']),
                              method=method, body=body, headers=headers,
                              expect_errors=True)


@pytest.mark.parametrize('case', CASES)
def test_refused_body_writes_nothing(client, rp, case):
    build, status, words = CASES[case]
    for target, (_method, _path, valid, state) in TARGETS.items():
        before = state(client, rp)
        response = send(client, rp, target, build(valid), 'application/json')
        assert response.status_int == status, (target, response.body)
        detail = response.json['errors'][0]['detail']
        assert words.lower() in detail.lower(), target
        assert state(client, rp) == before, target


@pytest.mark.parametrize('media_type', MEDIA_TYPES)
def test_wrong_media_type_is_415(client, rp, media_type):
    for target, (_method, _path, valid, state) in TARGETS.items():
        before = state(client, rp)
        response = send(client, rp, target, json.dumps(valid).encode(),
                        MEDIA_TYPES[media_type])
        assert response.status_int == 415, (target, response.body)
        detail = response.json['errors'][0]['detail']
        assert 'application/json' in detail or 'UTF-8' in detail, target
        assert state(client, rp) == before, target


@pytest.mark.parametrize('target', TARGETS)
@pytest.mark.parametrize('content_type', [
    'application/json', 'application/json; charset=utf-8',
    'application/json; charset="UTF-8"', 'Application/JSON'])
def test_valid_body_is_accepted(client, rp, target, content_type):
    _method, _path, valid, state = TARGETS[target]
    before = state(client, rp)
    response = send(client, rp, target, json.dumps(valid).encode(),
                    content_type)
    assert response.status_int in (200, 201), response.body
    assert state(client, rp) != before


@pytest.mark.parametrize('build', [
    lambda v: b'[' * 100000 + b']' * 100000,
    _deep(100000),
], ids=['whole-body', 'inside-the-object'])
def test_100000_levels_is_400_not_500(conf, db, build):
    """Deeper than the parser can recurse, under a raised size limit."""
    conf.register_opts(sizelimit.OPTS, 'oslo_middleware')
    conf.set_override('max_request_body_size', 10 ** 6, 'oslo_middleware')
    client = Client(webtest.TestApp(deploy.loadapp(conf, db)))
    rp = client.create_provider('rp', {'VCPU': {'total': 8}})
    for target, (_method, _path, valid, state) in TARGETS.items():
        before = state(client, rp)
        response = send(client, rp, target, build(valid), 'application/json')
        assert response.status_int == 400, (target, response.body)
        assert 'too deep' in response.json['errors'][0]['detail'], target
        assert state(client, rp) == before, target


def test_nesting_at_the_bound_reaches_the_schema(client, rp):
    """Depth 8 passes the reader; the schema then names the field."""
    build = _deep(7)
    response = send(client, rp, 'post-provider',
                    build({'name': 'n'}), 'application/json')
    assert response.status_int == 400
    assert 'deep' in response.json['errors'][0]['detail']
    assert 'deeper' not in response.json['errors'][0]['detail']


def test_detail_does_not_echo_raw_bytes(client, rp):
    response = send(client, rp, 'post-provider',
                    b'{"name": "<script>\xff</script>"}', 'application/json')
    assert response.status_int == 400
    assert b'<script>' not in response.body
    assert b'\xff' not in response.body
