"""Property-based fuzzing of the whole pipeline from its own description.

schemathesis reads GET /openapi.json from the in-process WSGI app and
generates requests for every operation: valid ones and, in negative
mode, wrong types, missing and extra fields, and bad header values; on
top of that each example may swap in other microversions, tokens, and
Content-Type or Accept headers. Path items are mostly the uuids and
classes of a seeded provider tree, so requests reach the handlers'
logic rather than stopping at 404.

Every response must be documented for its operation (status, headers,
body schema; error bodies the error schema), carry the security
headers, and never be a 5xx. Hypothesis is derandomized, so a run is
repeatable; PLACEMENT_MIN_FUZZ_EXAMPLES sets the examples per operation
and mode (``tox -e fuzz`` runs a long profile and prints its figures).
"""

import collections
import os

import hypothesis
import jsonschema
import pytest
import schemathesis
import webtest
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi import checks

from placement_min import deploy
from placement_min import errors
from placement_min import microversion
from placement_min import openapi
from placement_min import router
from placement_min.schemas import response_bodies
from tests.conftest import Client

EXAMPLES = int(os.environ.get('PLACEMENT_MIN_FUZZ_EXAMPLES', '12'))

SECURITY_HEADERS = ('Content-Security-Policy', 'X-Content-Type-Options',
                    'X-Frame-Options', 'Referrer-Policy',
                    'Cross-Origin-Resource-Policy')

CHECKS = [not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance,
          checks.response_headers_conformance,
          checks.response_schema_conformance]

# Negative mode for the operations that have something to get wrong
# (headers are covered by the bad values below).
CASES = sorted(
    (path, method.upper(), mode)
    for path, methods in openapi.build()['paths'].items()
    for method, operation in methods.items()
    for mode in ('positive', 'negative')
    if mode == 'positive' or 'requestBody' in operation
    or any('in' in p for p in operation['parameters']))

# The latest version most often, and each version where a body, a query
# parameter or a route changes.
VERSIONS = ('latest', 'latest', 'latest', '1.0', '1.2', '1.5', '1.7',
            '1.8', '1.9', '1.12', '1.14', '1.20', '1.23', '1.26', '1.28',
            '1.37', '1.38', '1.39')

# Header values a client may get wrong; None keeps what was generated.
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


def _check_always(response) -> None:
    """What every response must do, whatever the request."""
    assert response.status_code < 500, response.text
    present = {name.lower() for name in response.headers}
    for name in SECURITY_HEADERS:
        assert name.lower() in present, f'{name} missing'
    if response.status_code >= 400:
        ERROR.validate(response.json())


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
        if (not generation_mode.is_negative and isinstance(case.body, dict)
                and 'resource_provider_generation' in case.body
                and data.draw(st.booleans(), label='current generation')):
            # A generation that matches gets past the conflict check.
            case.body['resource_provider_generation'] = _current_generation(
                client, case.path_parameters['uuid'])
        case.headers = _headers(data, case.headers or {},
                                case.body is not None)
        response = case.call()
        STATUSES[response.status_code] += 1
        _check_always(response)
        if case.headers.get('OpenStack-API-Version') in BAD_VERSIONS:
            assert response.status_code in (400, 406)
        negative = [checks.negative_data_rejection] if (
            generation_mode.is_negative and _reads_body(case)) else []
        case.validate_response(response, checks=CHECKS + negative)

    run()


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
