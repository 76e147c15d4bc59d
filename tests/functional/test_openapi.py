"""The API description: valid OpenAPI 3.1, current, true to the code."""

import json
import pathlib

import pytest
import webtest
from openapi_spec_validator import validate

from placement_min import deploy
from placement_min import errors
from placement_min import jsonbody
from placement_min import microversion
from placement_min import openapi
from placement_min import query
from placement_min import router
from placement_min.cmd import openapi as openapi_cmd
from placement_min.schemas import resource_class as resource_class_schemas
from tests.conftest import SECURITY_HEADERS
from tests.conftest import ADMIN

COMMITTED = (pathlib.Path(__file__).parents[2] / 'etc' / 'placement-min'
             / 'openapi.json')


PATH_VALUES = {'uuid': '8a3fd7a8-5b3d-4c4e-9d36-33c8a1c3e0f1',
               'consumer_uuid': '0b7c9cf4-8f2a-4a7e-b3e8-2f6b0d1f5a10',
               'resource_class': 'VCPU', 'name': 'CUSTOM_GOLD'}

ALL_VERSIONS = [(microversion.MIN_VERSION.major, minor) for minor in range(
    microversion.MIN_VERSION.minor, microversion.MAX_VERSION.minor + 1)]


def test_document_is_valid_openapi_3_1():
    document = openapi.build()
    assert document['openapi'].startswith('3.1')
    validate(document)


def test_committed_document_matches_the_code():
    assert COMMITTED.read_text(encoding='utf-8') == openapi.dumps(
        openapi.build()), ('etc/placement-min/openapi.json is stale: run '
                           'placement-min-openapi')


def test_console_script_writes_a_stable_document(tmp_path):
    first, second = tmp_path / 'first.json', tmp_path / 'second.json'
    assert openapi_cmd.main(['--output-file', str(first)]) == 0
    assert openapi_cmd.main(['--output-file', str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert json.loads(first.read_text()) == openapi.build()


def test_every_route_and_method_is_described():
    paths = openapi.build()['paths']
    for route in router.ROUTES:
        assert set(paths[route.template]) == {
            method.lower() for method in route.methods}


def test_versioned_bodies_and_statuses():
    paths = openapi.build()['paths']
    create = paths['/resource_providers']['post']
    titles = [alternative['title'] for alternative in
              create['requestBody']['content']['application/json']
              ['schema']['anyOf']]
    assert titles == ['Body at microversions 1.0 to 1.13',
                      'Body at microversion 1.14 and later']
    assert {'200', '201', '409', '413', '415'} <= set(create['responses'])
    delete_all = paths['/resource_providers/{uuid}/inventories']['delete']
    assert '405' in delete_all['responses']
    assert '401' not in paths['/']['get']['responses']
    assert paths['/']['get']['security'] == []
    assert '404' in paths['/usages']['get']['responses']


def test_required_query_parameters_are_marked():
    parameters = {p['name']: p for p in
                  openapi.build()['paths']['/usages']['get']['parameters']
                  if p.get('in') == 'query'}
    assert parameters['project_id']['required'] is True
    assert parameters['user_id']['required'] is False
    assert parameters['consumer_type']['required'] is False


def test_a_schema_change_shows_up_in_the_description(monkeypatch):
    name = resource_class_schemas.create.schema['properties']['name']
    monkeypatch.setitem(name, 'maxLength', 99)
    body = openapi.build()['paths']['/resource_classes']['post'][
        'requestBody']['content']['application/json']['schema']
    assert body['properties']['name']['maxLength'] == 99


def test_draft4_exclusive_bounds_become_openapi_3_1():
    assert openapi.json_schema(
        {'type': 'number', 'minimum': 0, 'exclusiveMinimum': True,
         'maximum': 5, 'exclusiveMaximum': False}) == {
        'type': 'number', 'exclusiveMinimum': 0, 'maximum': 5}


def _in_force(by_version: dict, version):
    starts = [since for since in sorted(by_version) if since <= version]
    return by_version[starts[-1]] if starts else None


def test_the_application_applies_the_declared_bodies_and_query(
        app, monkeypatch):
    """At every version, the application validates each request's body
    and query with exactly what its operation declares for that version
    (the same declarations the description is built from)."""
    seen = {}

    def read(req, validator, max_depth):
        seen['body'] = validator
        raise errors.HTTPError(400, 'recorded')

    def parse(environ, accepted):
        seen['query'] = accepted
        return {}

    monkeypatch.setattr(jsonbody, 'read', read)
    monkeypatch.setattr(query, 'parse', parse)
    table = router.Router()
    checked = 0
    for route in router.ROUTES:
        path = route.template.format(**PATH_VALUES)
        for method in route.methods:
            for version in ALL_VERSIONS:
                seen.clear()
                app.request(path, method=method, body=b'{}',
                            content_type='application/json',
                            headers={**ADMIN, 'OpenStack-API-Version':
                                     f'placement {version[0]}.{version[1]}'},
                            expect_errors=True)
                try:
                    handler, _items = table.match(method, path, version)
                except errors.HTTPError:
                    assert seen == {}
                    continue
                declared = handler.operation
                assert seen.get('body') is _in_force(declared.bodies,
                                                     version), (
                    method, path, version)
                assert seen.get('query') == (
                    _in_force(declared.query, version) or {}), (
                    method, path, version)
                checked += 1
    assert checked > 500


@pytest.fixture
def serving_app(conf, db):
    conf.set_override('serve_openapi', True, 'api')
    return webtest.TestApp(deploy.loadapp(conf, db))


def test_served_without_token_when_enabled(serving_app):
    response = serving_app.get('/openapi.json')
    assert response.status_int == 200
    assert response.content_type == 'application/json'
    assert response.json == openapi.build()
    for name in tuple(SECURITY_HEADERS) + ('x-openstack-request-id',):
        assert response.headers[name]


def test_only_get_is_served(serving_app):
    response = serving_app.post('/openapi.json', expect_errors=True)
    assert response.status_int == 405
    assert response.headers['Allow'] == 'GET'
    assert response.json['errors'][0]['status'] == 405


@pytest.mark.parametrize('headers', [{}, ADMIN])
def test_not_served_by_default(app, headers):
    response = app.get('/openapi.json', headers=headers, expect_errors=True)
    assert response.status_int == 404
    assert response.json['errors'][0]['status'] == 404
    for name in SECURITY_HEADERS:
        assert response.headers[name]
