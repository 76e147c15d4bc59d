"""Claims of seeds/002_dc292041f0fafd68.txt, checked against the service
and the source tree."""

import logging
import os
import pathlib
import re
import uuid

import pytest
from oslo_log import formatters

from placement_min import errors
from tests import personas
from tests.claims import scenarios

INVENTORY = scenarios.INVENTORY
ROOT = pathlib.Path(__file__).resolve().parents[2]
TOKEN = 'tok-5ecret-9d1f:proj'
BODY_MARKER = 'body-marker-77c1'


class _Lines(logging.Handler):
    """Formats each record as oslo.log would, while its request runs."""

    def __init__(self, conf):
        super().__init__(logging.DEBUG)
        self.setFormatter(formatters.ContextFormatter(config=conf))
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines(conf):
    handler = _Lines(conf)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(old_level)


# R002-1 -------------------------------------------------------------------

@pytest.mark.parametrize('kind', ['server-error', 'database-unavailable'])
def test_r002_1_failure_bodies_are_generic(client, monkeypatch, log_lines,
                                           kind):
    """The client gets a fixed text and the request id; the exception and
    its text go to the log only, under that request id."""
    response = scenarios.provoke(kind, client, monkeypatch)
    error = scenarios.error_of(response)
    assert error['detail'] in (errors.GENERIC_500_DETAIL,
                               errors.GENERIC_503_DETAIL)
    scenarios.assert_no_internals(response.text)
    if kind == 'server-error':
        logged = [line for line in log_lines if scenarios.SECRET in line]
        assert logged and 'Traceback' in logged[0]
        assert error['request_id'] in logged[0]


def test_r002_1_logs_carry_no_token_or_body(client, log_lines):
    """No line holds the X-Auth-Token value or any part of a body (with
    noauth2 the token's user part is the user id, logged as such)."""
    client.request('GET', '/', token=TOKEN, status=200)
    client.request('GET', '/resource_providers', token=TOKEN, status=403)
    client.request('POST', '/resource_providers',
                   {'name': BODY_MARKER}, token=TOKEN, status=403)
    rp = client.create_provider(BODY_MARKER, INVENTORY)
    client.request('POST', '/resource_providers', {'name': BODY_MARKER},
                   status=409)
    client.request('PUT', f'/allocations/{uuid.uuid4()}', {
        'allocations': {rp['uuid']: {'resources': {'VCPU': 99}}},
        'project_id': BODY_MARKER, 'user_id': BODY_MARKER,
        'consumer_generation': None, 'consumer_type': 'INSTANCE'},
        status=409)
    assert len(log_lines) >= 6
    for line in log_lines:
        assert TOKEN not in line, line
        assert BODY_MARKER not in line, line


def test_r002_1_failed_new_consumer_leaves_nothing_behind(client):
    """A refused PUT for a new consumer creates no consumer that would
    need deleting (and could fail to be deleted) afterwards."""
    rp = client.create_provider('rp', INVENTORY)
    consumer = str(uuid.uuid4())
    before = scenarios.snapshot(client)
    response = client.request('PUT', f'/allocations/{consumer}', {
        'allocations': {rp['uuid']: {'resources': {'VCPU': 9}}},
        'project_id': 'p', 'user_id': 'u', 'consumer_generation': None,
        'consumer_type': 'INSTANCE'}, status=409)
    detail = scenarios.error_of(response)['detail']
    assert rp['uuid'] in detail and 'VCPU' in detail
    assert set(scenarios.UUID_TEXT.findall(detail)) == {rp['uuid']}
    assert client.request('GET', f'/allocations/{consumer}',
                          status=200).json == {'allocations': {}}
    client.request('DELETE', f'/allocations/{consumer}', status=404)
    assert client.request('GET', '/usages?project_id=p',
                          status=200).json['usages'] == {}
    assert scenarios.snapshot(client) == before


def test_r002_1_details_name_only_what_the_client_sent(client):
    parent = client.create_provider('parent', INVENTORY)
    child = client.create_provider('child', parent=parent['uuid'])
    missing = str(uuid.uuid4())
    cases = [
        ('GET', f'/resource_providers/{missing}', None, {missing}),
        ('DELETE', f'/resource_providers/{parent["uuid"]}', None,
         {parent['uuid']}),
        ('POST', '/resource_providers',
         {'name': 'x', 'parent_provider_uuid': missing}, {missing}),
        ('PUT', f'/resource_providers/{child["uuid"]}/inventories',
         {'resource_provider_generation': 0,
          'inventories': {'CUSTOM_NONE': {'total': 1}}}, set()),
        ('PUT', f'/allocations/{uuid.uuid4()}',
         {'allocations': {missing: {'resources': {'VCPU': 1}}},
          'project_id': 'p', 'user_id': 'u', 'consumer_generation': None,
          'consumer_type': 'INSTANCE'}, {missing}),
    ]
    for method, path, body, named in cases:
        response = client.request(method, path, body)
        assert 400 <= response.status_int < 500, response.body
        detail = scenarios.error_of(response)['detail']
        scenarios.assert_no_internals(detail)
        assert set(scenarios.UUID_TEXT.findall(detail)) == named, detail


# R002-2 -------------------------------------------------------------------

def test_r002_2_uuids_are_validated_wherever_they_appear(client):
    rp = client.create_provider('rp', INVENTORY)
    bad = '12345678-1234-1234-1234-1234567890zz'
    for method, path, body, status, field in (
            ('POST', '/resource_providers', {'name': 'a', 'uuid': bad},
             400, 'uuid'),
            ('POST', '/resource_providers',
             {'name': 'a', 'parent_provider_uuid': bad}, 400,
             'parent_provider_uuid'),
            ('PUT', f'/resource_providers/{rp["uuid"]}',
             {'name': 'a', 'parent_provider_uuid': bad}, 400,
             'parent_provider_uuid'),
            ('PUT', f'/allocations/{uuid.uuid4()}',
             {'allocations': {bad: {'resources': {'VCPU': 1}}},
              'project_id': 'p', 'user_id': 'u',
              'consumer_generation': None, 'consumer_type': 'INSTANCE'},
             400, bad),
            ('PUT', f'/allocations/{bad}',
             {'allocations': {}, 'project_id': 'p', 'user_id': 'u',
              'consumer_generation': None, 'consumer_type': 'INSTANCE'},
             400, bad),
            ('GET', f'/resource_providers?uuid={bad}', None, 400, 'uuid'),
            ('GET', f'/resource_providers?in_tree={bad}', None, 400,
             'in_tree'),
            ('GET', f'/resource_providers/{bad}', None, 404, bad),
            ('GET', f'/allocations/{bad}', None, 400, bad)):
        response = client.request(method, path, body, status=status)
        assert field in scenarios.error_of(response)['detail']
    upper = str(uuid.uuid4()).upper()
    created = client.request('POST', '/resource_providers',
                             {'name': 'upper', 'uuid': upper},
                             status=200).json
    assert created['uuid'] == upper.lower()


# R002-3 -------------------------------------------------------------------

# Callers the default rules refuse every write: a user with no role, a
# project's member and reader, and a system-scoped admin.
DENIED_WRITERS = ({'X-Auth-Token': 'alice:project-a'},
                  personas.PERSONAS['project_member'],
                  personas.PERSONAS['project_reader'],
                  personas.PERSONAS['system_admin'])

def test_r002_3_forbidden_writes_change_nothing(client):
    targets = scenarios.write_targets(client)
    rp_uuid = targets[1][1].rsplit('/', 1)[-1]
    consumer = scenarios.allocate(client, rp_uuid, 1)
    targets += [
        ('DELETE', f'/resource_providers/{rp_uuid}/inventories/VCPU',
         'latest', None),
        ('DELETE', f'/resource_providers/{rp_uuid}/inventories', 'latest',
         None),
        ('DELETE', f'/resource_providers/{rp_uuid}', 'latest', None),
        ('DELETE', '/resource_classes/CUSTOM_OLD', 'latest', None),
        ('PUT', '/resource_classes/CUSTOM_ANOTHER', 'latest', None),
        ('DELETE', f'/allocations/{consumer}', 'latest', None),
    ]
    before = scenarios.snapshot(client)
    for headers in DENIED_WRITERS:
        for method, path, version, body in targets:
            response = client.request(method, path, body, version=version,
                                      token=None, headers=headers,
                                      status=403)
            assert 'placement:' in scenarios.error_of(response)['detail']
    assert scenarios.snapshot(client) == before


BAD_BODIES = [
    (b'{"no": "schema"}', 'application/json'),
    (b'{"x": NaN', 'application/json'),
    (b'x=1', 'text/plain'),
]


def test_r002_3_policy_is_checked_before_body_and_object(client):
    """A denied caller learns nothing: not whether the object exists, nor
    what is wrong with the body, for every write that takes a body."""
    targets = scenarios.write_targets(client)
    missing = str(uuid.uuid4())
    targets += [('PUT', f'/resource_providers/{missing}', 'latest', None),
                ('PUT', f'/resource_providers/{missing}/inventories',
                 'latest', None)]
    before = scenarios.snapshot(client)
    for headers in DENIED_WRITERS:
        for method, path, version, _body in targets:
            for body, content_type in BAD_BODIES:
                response = scenarios.raw(
                    client, method, path, body, content_type=content_type,
                    token=headers['X-Auth-Token'], version=version,
                    headers=headers)
                assert response.status_int == 403, (
                    headers, method, path, body, response.body)
        for path in (targets[1][1], f'/resource_providers/{missing}'):
            client.request('GET', path, token=None, headers=headers,
                           status=403)
    assert scenarios.snapshot(client) == before


# R002-4 -------------------------------------------------------------------

# Written so that this file does not match its own pattern.
_CLEARTEXT_URL = re.compile('http' + r'://(?!(127\.0\.0\.1|localhost|'
                            r'\[::1\])[:/])[^\s\'"`<>)]+')
# Verbatim texts the project quotes but does not author.
_QUOTED = {'LICENSE', 'seeds'}
_SKIPPED_DIRS = {'.git', '.tox', '.venv', 'build', 'dist', '__pycache__',
                 '.pytest_cache', '.ruff_cache'}


def _project_files():
    for top, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS
                         and not d.endswith('.egg-info')
                         and not (top == str(ROOT) and d in _QUOTED))
        for name in sorted(files):
            if not (top == str(ROOT) and name in _QUOTED):
                yield pathlib.Path(top, name)


def test_r002_4_no_cleartext_urls_in_project_source():
    """Links in the project's own files use https; only loopback
    addresses of a locally started service are plain http."""
    checked = 0
    for path in _project_files():
        try:
            text = path.read_text('utf-8')
        except UnicodeDecodeError:
            continue
        checked += 1
        found = [m.group(0) for m in _CLEARTEXT_URL.finditer(text)]
        assert not found, (str(path.relative_to(ROOT)), found)
    assert checked > 50
    assert _CLEARTEXT_URL.search('see ' + 'http' + '://example.org/x')
    assert not _CLEARTEXT_URL.search('http' + '://127.0.0.1:8778/')
