"""Property-based fuzzing of the whole pipeline from its own description.

schemathesis reads GET /openapi.json from the in-process WSGI app and
generates requests for every operation: valid ones and, in negative
mode, wrong types, missing and extra fields, and bad header values; on
top of that each example may swap in other microversions, tokens, and
Content-Type or Accept headers. Path items are mostly the uuids and
classes of a seeded provider tree, so requests reach the handlers'
logic rather than stopping at 404. Some valid bodies get strings ending
in half a UTF-16 surrogate pair. A second test sends raw requests that no
description-driven generator would: any method, percent-encoded junk in
path items and query strings, bodies that are not (strict) JSON.

Every response must be documented for its operation (status, headers,
body schema; error bodies the error schema), carry the security
headers, and never be a 5xx. Hypothesis is derandomized, so a run is
repeatable; PLACEMENT_MIN_FUZZ_EXAMPLES sets the examples per operation
and mode (``tox -e fuzz`` runs a long profile and prints its figures).
"""

import collections
import json
import os
import re
import urllib.parse

import hypothesis
import jsonschema
import pytest
import schemathesis
import webtest
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi import checks

from placement_min import deploy
from placement_min import errors
from placement_min import microversion
from placement_min import openapi
from placement_min import patterns
from placement_min import router
from placement_min.schemas import response_bodies
from tests.conftest import SECURITY_HEADERS
from tests.conftest import Client

EXAMPLES = int(os.environ.get('PLACEMENT_MIN_FUZZ_EXAMPLES', '12'))


# No 5xx and the security headers are checked first, on every response.
CHECKS = [checks.status_code_conformance, checks.content_type_conformance,
          checks.response_headers_conformance,
          checks.response_schema_conformance]

DOCUMENT = openapi.build()

# Negative mode for the operations that have something to get wrong
# (headers are covered by the bad values below).
CASES = sorted(
    (path, method.upper(), mode)
    for path, methods in DOCUMENT['paths'].items()
    for method, operation in methods.items()
    for mode in ('positive', 'negative')
    if mode == 'positive' or 'requestBody' in operation
    or any(p.get('in') in ('path', 'query') for p in operation['parameters']))

# The latest version most often, and each version where a body, a query
# parameter or a route changes.
VERSIONS = ('latest', 'latest', 'latest', '1.0', '1.2', '1.5', '1.7',
            '1.8', '1.9', '1.12', '1.14', '1.20', '1.23', '1.26', '1.28',
            '1.37', '1.38', '1.39')

# Header values a client may get wrong: each must be refused (400, 406).
BAD_VERSIONS = ('placement 1.40', 'placement 0.9', 'placement 1.a',
                'placement 01.5', 'placement 1', 'placement', 'placement -1.5',
                'placement 1.5.1', 'placement \u00b9.5')
TOKENS = ('admin', 'admin', 'admin', 'admin', 'alice:project-a', None)
CONTENT_TYPES = ('text/plain', 'application/json; charset=latin-1',
                 'application/x-www-form-urlencoded')
ACCEPTS = ('text/html', 'application/xml', '*/*', 'application/json')

ERROR = jsonschema.Draft202012Validator(
    openapi.json_schema(response_bodies.ERROR))

STATUSES = collections.Counter()


@pytest.fixture(scope='module', autouse=True)
def report():
    """Print the figures of the run (shown with pytest -s)."""
    yield
    total = sum(STATUSES.values())
    histogram = ', '.join(f'{status}: {count}'
                          for status, count in sorted(STATUSES.items()))
    print(f'\nfuzz: {total} requests; statuses {histogram}')


def _seed(client: Client) -> dict:
    """A provider tree with inventory and an allocation; the path items
    that name what it holds."""
    client.request('PUT', '/resource_classes/CUSTOM_FUZZ', status=201)
    parent = client.create_provider('fuzz-parent', {
        'VCPU': {'total': 16}, 'MEMORY_MB': {'total': 8192},
        'CUSTOM_FUZZ': {'total': 10}})
    child = client.create_provider('fuzz-child', {'VCPU': {'total': 4}},
                                   parent=parent['uuid'])
    leaf = client.create_provider('fuzz-leaf')
    consumer = '5b0c4a46-8e2d-4f6c-9d3e-0a1b2c3d4e5f'
    client.request('PUT', f'/allocations/{consumer}', {
        'allocations': {child['uuid']: {'resources': {'VCPU': 1}}},
        'project_id': 'project-a', 'user_id': 'alice',
        'consumer_generation': None, 'consumer_type': 'INSTANCE'},
        status=204)
    return {
        'uuid': (parent['uuid'], child['uuid'], leaf['uuid']),
        'consumer_uuid': (consumer,),
        'resource_class': ('VCPU', 'MEMORY_MB', 'CUSTOM_FUZZ'),
        'name': ('CUSTOM_FUZZ', 'CUSTOM_NEW', 'VCPU'),
    }


def _headers(data, generated: dict, has_body: bool) -> dict:
    """Token, microversion and content headers for one example."""
    headers = dict(generated)
    token = data.draw(st.sampled_from(TOKENS), label='token')
    if token:
        headers['X-Auth-Token'] = token
    if data.draw(st.integers(0, 9), label='version kind') < 8:
        version = data.draw(st.sampled_from(VERSIONS), label='version')
        headers['OpenStack-API-Version'] = f'placement {version}'
    elif data.draw(st.booleans(), label='bad version'):
        headers['OpenStack-API-Version'] = data.draw(
            st.sampled_from(BAD_VERSIONS), label='bad version value')
    if data.draw(st.integers(0, 9), label='accept kind') == 9:
        headers['Accept'] = data.draw(st.sampled_from(ACCEPTS),
                                      label='accept')
    if has_body and data.draw(st.integers(0, 9), label='type kind') == 9:
        headers['Content-Type'] = data.draw(st.sampled_from(CONTENT_TYPES),
                                            label='content type')
    return headers


def _seeded(value, known: dict, data, key=None):
    """``value`` with the provider uuids and resource classes it names
    swapped for seeded ones, so that writes meet real inventory."""
    if isinstance(value, dict):
        seeded = {}
        for name, item in value.items():
            if patterns.is_uuid(name):
                name = data.draw(st.sampled_from(known['uuid']))
            elif key in ('resources', 'inventories'):
                name = data.draw(st.sampled_from(known['resource_class']))
            seeded[name] = _seeded(item, known, data, name)
        return seeded
    if isinstance(value, list):
        return [_seeded(item, known, data, key) for item in value]
    if key in ('uuid', 'parent_provider_uuid') and isinstance(value, str):
        return data.draw(st.sampled_from(known['uuid']))
    return value


def _with_lone_surrogate(value):
    """``value`` with half a surrogate pair ending each string in it."""
    if isinstance(value, dict):
        return {key: _with_lone_surrogate(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_with_lone_surrogate(item) for item in value]
    return value + '\ud800' if isinstance(value, str) else value


def _send_with_lone_surrogate(client: Client, case) -> None:
    """Send ``case`` with each string of its body ending in half a
    surrogate pair; schemathesis cannot encode such a body itself."""
    response = client.app.request(
        case.formatted_path, method=case.method,
        body=json.dumps(_with_lone_surrogate(case.body)).encode('ascii'),
        headers={'Content-Type': 'application/json', **case.headers},
        expect_errors=True)
    _check_always(response.status_int, response.headers, response.body)
    operation = DOCUMENT['paths'][case.path][case.method.lower()]
    assert str(response.status_int) in operation['responses']


def _current_generation(client: Client, uuid: str) -> int:
    response = client.request('GET', f'/resource_providers/{uuid}')
    return response.json['generation'] if response.status_int == 200 else 0


def _reads_body(case) -> bool:
    """Whether the handler serving ``case`` reads a body (PUT on a
    resource class does only before 1.7), so that a bad one is refused."""
    environ = {'HTTP_OPENSTACK_API_VERSION':
               case.headers.get('OpenStack-API-Version', '')}
    try:
        version = microversion.parse(environ)
        handler, _items = router.Router().match(
            case.method, case.formatted_path, version)
    except (ValueError, errors.HTTPError):
        return True
    return bool(handler.operation.bodies)


def _check_always(status: int, headers, body: bytes) -> None:
    """What every response must do, whatever the request."""
    STATUSES[status] += 1
    assert status < 500, body
    present = {name.lower() for name in headers}
    for name in SECURITY_HEADERS:
        assert name.lower() in present, f'{name} missing'
    if status >= 400 and body:
        ERROR.validate(json.loads(body))


@pytest.fixture
def fuzz_app(conf, db):
    conf.set_override('serve_openapi', True, 'api')
    app = deploy.loadapp(conf, db)
    client = Client(webtest.TestApp(app))
    return app, client, _seed(client)


@pytest.mark.parametrize(('path', 'method', 'mode'), CASES)
def test_fuzz(fuzz_app, path, method, mode):
    app, client, known = fuzz_app
    schema = schemathesis.openapi.from_wsgi('/openapi.json', app)
    operation = schema[path][method]
    generation_mode = schemathesis.GenerationMode(mode)

    @hypothesis.settings(
        max_examples=EXAMPLES, derandomize=True, database=None,
        deadline=None, print_blob=False,
        suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(case=operation.as_strategy(generation_mode),
                      data=st.data())
    def run(case, data):
        for name in case.path_parameters:
            if data.draw(st.integers(0, 9), label=f'{name} kind') < 8:
                case.path_parameters[name] = data.draw(
                    st.sampled_from(known[name]), label=name)
        # Only valid bodies are steered: a negative one must stay so.
        if (not generation_mode.is_negative and isinstance(case.body, dict)
                and data.draw(st.booleans(), label='steer body')):
            case.body = _seeded(case.body, known, data)
            if 'resource_provider_generation' in case.body:
                # A generation that matches gets past the conflict check.
                case.body['resource_provider_generation'] = (
                    _current_generation(client,
                                        case.path_parameters['uuid']))
        surrogate = (not generation_mode.is_negative
                     and isinstance(case.body, dict)
                     and data.draw(st.integers(0, 4), label='surrogate') == 4)
        case.headers = _headers(data, case.headers or {},
                                case.body is not None)
        if surrogate:
            _send_with_lone_surrogate(client, case)
            return
        response = case.call()
        _check_always(response.status_code, response.headers,
                      response.content)
        if case.headers.get('OpenStack-API-Version') in BAD_VERSIONS:
            assert response.status_code in (400, 406)
        negative = [checks.negative_data_rejection] if (
            generation_mode.is_negative and _reads_body(case)) else []
        case.validate_response(response, checks=CHECKS + negative)

    run()


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)

# Bodies no JSON encoder writes, and bodies that are not JSON at all.
_RAW_BODIES = (b'{"total": 1, "total": 2}', b'{"total": NaN}',
               b'{"total": 1e400}', b'{"total": ' + b'9' * 5000 + b'}',
               b'[' * 5000, b'{"name": "\\ud800"}', b'\xff\xfe{}',
               b'{"name": "a"} trailing', b'')


def _raw_request(known: dict):
    """Any method on any documented path, with path items, query string,
    headers and body drawn from well beyond what the description
    allows."""
    path_item = (st.sampled_from([v for values in known.values()
                                  for v in values])
                 | st.text(min_size=1, max_size=40).map(
                     lambda text: urllib.parse.quote(text, safe=''))
                 | st.sampled_from(['%00', '%2F', '..', '%ff', 'a' * 300]))
    query_pair = st.tuples(
        st.sampled_from(['name', 'uuid', 'in_tree', 'project_id',
                         'user_id', 'consumer_type', 'limit']),
        st.text(max_size=20) | st.sampled_from(known['uuid']))
    query_string = (st.lists(query_pair, max_size=3).map(
        urllib.parse.urlencode)
        | st.sampled_from(['%zz', 'name=%ff', '&&', 'name', 'a=1;b=2']))
    body = (st.sampled_from(_RAW_BODIES)
            | _JSON_VALUES.map(lambda v: json.dumps(v).encode('utf-8')))
    operations = sorted((path, method.upper())
                        for path, methods in DOCUMENT['paths'].items()
                        for method in methods)
    return st.fixed_dictionaries({
        'operation': st.sampled_from(operations) | st.tuples(
            st.sampled_from(sorted(DOCUMENT['paths'])),
            st.sampled_from(['PATCH', 'HEAD', 'OPTIONS', 'GET', 'DELETE'])),
        'items': st.lists(path_item, min_size=3, max_size=3),
        'query': query_string,
        'body': body,
        'content_type': st.sampled_from(['application/json'] * 3 + [
            'text/plain', 'application/json; charset=utf-16']),
        'token': st.sampled_from(TOKENS),
        'version': st.sampled_from(
            [f'placement {v}' for v in VERSIONS] + list(BAD_VERSIONS)),
    })


def test_raw_requests(fuzz_app):
    """Requests no description-driven generator would send."""
    app, _client, known = fuzz_app
    testapp = webtest.TestApp(app)

    @hypothesis.settings(
        max_examples=EXAMPLES * 20, derandomize=True, database=None,
        deadline=None, print_blob=False,
        suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(request=_raw_request(known))
    def run(request):
        template, method = request['operation']
        items = iter(request['items'])
        path = re.sub(r'\{\w+\}', lambda _m: next(items), template)
        headers = {'Content-Type': request['content_type'],
                   'OpenStack-API-Version': request['version']}
        if request['token']:
            headers['X-Auth-Token'] = request['token']
        response = testapp.request(
            f'{path}?{request["query"]}', method=method,
            body=request['body'], headers=headers, expect_errors=True)
        _check_always(response.status_int, response.headers, response.body)
        operation = DOCUMENT['paths'][template].get(method.lower())
        documented = set(operation['responses']) if operation else set()
        assert str(response.status_int) in documented | {
            '400', '401', '404', '405', '406'}

    run()


@pytest.mark.parametrize(('method', 'path', 'body'), [
    ('POST', '/resource_providers', '{"name": "rp-\\ud800"}'),
    ('PUT', '/resource_providers/{uuid}', '{"name": "\\udfff"}'),
    ('PUT', '/allocations/{consumer_uuid}',
     '{"allocations": {}, "project_id": "p\\udc00", "user_id": "u", '
     '"consumer_generation": 1, "consumer_type": "INSTANCE"}'),
])
def test_lone_surrogate_in_a_string_is_400(fuzz_app, method, path, body):
    """Such an escape used to parse into a string that storage could not
    encode: a 500."""
    _app, client, known = fuzz_app
    path = path.format(uuid=known['uuid'][2],
                       consumer_uuid=known['consumer_uuid'][0])
    response = client.app.request(
        path, method=method, body=body.encode('ascii'),
        content_type='application/json', expect_errors=True,
        headers={'X-Auth-Token': 'admin',
                 'OpenStack-API-Version': 'placement latest'})
    assert response.status_int == 400
    assert 'surrogate' in response.json['errors'][0]['detail']


def test_surrogate_pair_is_a_character(client):
    response = client.request(
        'POST', '/resource_providers', {'name': 'rp-\U0001f600'}, status=200)
    assert response.json['name'] == 'rp-\U0001f600'


@pytest.mark.parametrize('mangle', ['drop 401', 'error schema'])
def test_checks_refuse_what_is_not_documented(fuzz_app, mangle):
    """The checks the fuzzing relies on do fail on an undocumented
    status or an error body that does not match its schema."""
    app, _client, _known = fuzz_app
    document = openapi.build()
    if mangle == 'drop 401':
        del document['paths']['/resource_providers']['get']['responses'][
            '401']
    else:
        document['components']['schemas']['Error']['required'] = ['absent']
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app
    case = schema['/resource_providers']['GET'].Case()
    response = case.call()
    assert response.status_code == 401
    with pytest.raises(FailureGroup):
        case.validate_response(response, checks=CHECKS)
