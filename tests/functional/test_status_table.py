"""One request per status the service returns, each checked for the
security headers, the error document, the request id and the microversion
headers (doc/api.md sections 3 and 10)."""

import io
import json
import logging
import re

import pytest
import sqlalchemy
import webob
import webtest
from oslo_log import formatters
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import sizelimit

from placement_min import deploy
from placement_min import errors
from placement_min.storage import database
from placement_min.storage import resource_provider
from tests.conftest import SECURITY_HEADERS

HSTS = 'Strict-Transport-Security'
REQUEST_ID = re.compile(
    r'^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-'
    r'[0-9a-f]{12}$')
SECRET = 'secret SQL text /etc/path password=hunter2'
JSON = {'Content-Type': 'application/json'}
RPS = '/resource_providers'


def fail_with(exception):
    def failing(*args, **kwargs):
        raise exception
    return failing


class Row:
    """One request of the table and the status it must get."""

    def __init__(self, status, method, path, body=b'', headers=None,
                 token='admin', version='latest', patch=None,
                 content_type='application/json'):
        self.status = status
        self.content_type = content_type
        self.method = method
        self.path = path
        self.body = body
        self.headers = headers or {}
        self.token = token
        self.version = version
        self.patch = patch

    def send(self, app: webtest.TestApp, rp_uuid: str):
        headers = dict(self.headers)
        if self.version:
            headers['OpenStack-API-Version'] = f'placement {self.version}'
        if self.token:
            headers['X-Auth-Token'] = self.token
        body = self.body
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            headers.setdefault('Content-Type', 'application/json')
        return app.request(self.path.replace('{rp}', rp_uuid),
                           method=self.method, body=body, headers=headers,
                           expect_errors=True)


TABLE = {
    '200': Row(200, 'GET', RPS),
    '200-root': Row(200, 'GET', '/', token=None),
    '200-healthcheck': Row(200, 'GET', '/healthcheck', token=None,
                           content_type='text/plain'),
    '201': Row(201, 'POST', '/resource_classes', {'name': 'CUSTOM_A'},
               content_type=None),
    '204': Row(204, 'DELETE', RPS + '/{rp}'),
    '400-body': Row(400, 'POST', RPS, {'name': ''}),
    '400-query': Row(400, 'GET', RPS + '?bogus=1'),
    '400-microversion': Row(400, 'GET', RPS, version='1.a'),
    '401': Row(401, 'GET', RPS, token=None),
    '403': Row(403, 'GET', RPS, token='alice'),
    '404': Row(404, 'GET', '/no_such_collection'),
    '404-html-accept': Row(404, 'GET', '/no_such_collection',
                           headers={'Accept': 'text/html'}),
    '404-old-version': Row(404, 'GET', '/resource_classes', version='1.1'),
    '405': Row(405, 'PATCH', RPS),
    '406-accept': Row(406, 'GET', RPS, headers={'Accept': 'text/html'}),
    '406-accept-q0': Row(406, 'GET', RPS, headers={
        'Accept': 'text/html, application/json;q=0, */*;q=0'}),
    '200-accept-q': Row(200, 'GET', RPS, headers={
        'Accept': 'text/html;q=0.9, application/json;q=0.1'}),
    '406-microversion': Row(406, 'GET', RPS, version='1.40'),
    '409': Row(409, 'PUT', RPS + '/{rp}/inventories',
               {'resource_provider_generation': 7, 'inventories': {}}),
    '413': Row(413, 'POST', RPS, b'{"name": "' + b'x' * 114688 + b'"}',
               headers=JSON),
    '415': Row(415, 'POST', RPS, b'{"name": "a"}',
               headers={'Content-Type': 'text/plain'}),
    '500': Row(500, 'GET', RPS, patch=fail_with(RuntimeError(SECRET))),
    '503': Row(503, 'GET', RPS,
               patch=fail_with(errors.DatabaseUnavailable())),
}


@pytest.fixture
def rp_uuid(client):
    return client.create_provider('rp')['uuid']


def check_common(response, version='latest') -> tuple:
    """The checks every response passes; the version it was served at."""
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name
    assert 'Server' not in response.headers
    assert HSTS not in response.headers
    served = '1.39' if version == 'latest' else version
    if response.status_int in (400, 406) and 'microversion' in (
            response.json['errors'][0]['detail'].lower()):
        served = '1.0'
    assert response.headers['OpenStack-API-Version'] == (
        f'placement {served}')
    assert response.headers['Vary'] == 'openstack-api-version'
    assert REQUEST_ID.match(response.headers['x-openstack-request-id'])
    return tuple(int(part) for part in served.split('.'))


def check_error(response, with_code: bool) -> dict:
    assert response.content_type == 'application/json'
    assert 'Cache-Control' not in response.headers
    [error] = response.json['errors']
    expected = {'status', 'title', 'detail', 'request_id'}
    if with_code:
        expected.add('code')
    if response.status_int == 406 and 'min_version' in error:
        expected |= {'min_version', 'max_version'}
    assert set(error) == expected
    assert error['status'] == response.status_int
    assert error['title'] == errors.TITLES[response.status_int]
    assert error['request_id'] == response.headers['x-openstack-request-id']
    assert error['detail']
    return error


@pytest.mark.parametrize('name', TABLE)
def test_status_table(app, rp_uuid, monkeypatch, name):
    row = TABLE[name]
    if row.patch:
        monkeypatch.setattr(resource_provider, 'list_providers', row.patch)
    response = row.send(app, rp_uuid)
    assert response.status_int == row.status, response.body
    served = check_common(response, row.version)
    if row.status == 204:
        assert 'Content-Type' not in response.headers
        assert response.body == b''
    elif row.status >= 400:
        check_error(response, with_code=served >= (1, 23))
        if row.status == 405:
            assert response.headers['Allow'] == 'GET, POST'
        if row.status == 401:
            assert 'WWW-Authenticate' in response.headers
    else:
        assert response.content_type == row.content_type


@pytest.mark.parametrize('name', [n for n, r in TABLE.items()
                                  if r.status >= 400 and r.version])
def test_no_error_code_below_1_23(app, rp_uuid, monkeypatch, name):
    row = TABLE[name]
    row = Row(row.status, row.method, row.path, row.body, row.headers,
              row.token, '1.22' if row.version == 'latest' else row.version,
              row.patch)
    if row.patch:
        monkeypatch.setattr(resource_provider, 'list_providers', row.patch)
    response = row.send(app, rp_uuid)
    assert response.status_int == row.status
    assert check_common(response, row.version) < (1, 23)
    check_error(response, with_code=False)


def test_500_is_generic_and_logged_with_request_id(app, conf, monkeypatch,
                                                   caplog):
    monkeypatch.setattr(resource_provider, 'list_providers',
                        fail_with(RuntimeError(SECRET)))
    caplog.handler.setFormatter(formatters.ContextFormatter(
        config=conf, project='placement-min'))
    with caplog.at_level(logging.DEBUG):
        response = TABLE['500'].send(app, '')
    assert response.status_int == 500
    error = response.json['errors'][0]
    assert error['detail'] == errors.GENERIC_500_DETAIL
    for leak in ('secret', 'SQL', '/etc/path', 'hunter2', 'RuntimeError',
                 'Traceback'):
        assert leak not in response.text
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.levelno == logging.ERROR
    assert record.exc_info[0] is RuntimeError
    assert record.request_id == error['request_id']
    assert 'Traceback' in caplog.text
    assert SECRET in caplog.text
    assert error['request_id'] in caplog.text


def test_503_is_generic(app, monkeypatch):
    monkeypatch.setattr(resource_provider, 'list_providers',
                        fail_with(errors.DatabaseUnavailable()))
    response = TABLE['503'].send(app, '')
    assert response.status_int == 503
    assert response.json['errors'][0]['detail'] == (
        errors.GENERIC_503_DETAIL)


def _unreachable_postgresql(conf, tmp_path) -> database.Database:
    # Port 1 on loopback: nothing listens there, so connecting fails at
    # once, as with a database server that is down.
    conf.set_override('connection',
                      'postgresql+psycopg://postgres:pw@127.0.0.1:1/test',
                      'placement_database')
    return database.Database.from_conf(conf)


def _unopenable_sqlite(conf, tmp_path) -> database.Database:
    # A file in a directory that does not exist cannot be opened.
    path = tmp_path / 'missing-dir' / 'placement.sqlite'
    return database.Database(sqlalchemy.create_engine(f'sqlite:///{path}'))


@pytest.mark.parametrize('unreachable', [_unreachable_postgresql,
                                         _unopenable_sqlite])
def test_503_for_an_unreachable_database(conf, tmp_path, unreachable):
    db = unreachable(conf, tmp_path)
    try:
        app = webtest.TestApp(deploy.build_pipeline(conf, db))
        response = app.get(RPS, headers={'X-Auth-Token': 'admin'},
                           expect_errors=True)
    finally:
        db.engine.dispose()
    assert response.status_int == 503
    check_common(response, '1.0')
    error = check_error(response, with_code=False)
    assert error['detail'] == errors.GENERIC_503_DETAIL
    for leak in ('psycopg', 'sqlite', '127.0.0.1', 'refused', 'postgres',
                 'pw', 'missing-dir', 'unable to open'):
        assert leak not in response.text


def small_limit_app(conf, db) -> webtest.TestApp:
    conf.register_opts(sizelimit.OPTS, 'oslo_middleware')
    conf.set_override('max_request_body_size', 100, 'oslo_middleware')
    return webtest.TestApp(deploy.loadapp(conf, db))


def test_413_with_a_small_configured_limit(conf, db):
    app = small_limit_app(conf, db)
    small = Row(201, 'POST', RPS, {'name': 'a'}, version='1.19')
    assert small.send(app, '').status_int == 201
    big = Row(413, 'POST', RPS, {'name': 'x' * 100})
    response = big.send(app, '')
    assert response.status_int == 413
    check_common(response)
    check_error(response, with_code=True)
    names = Row(200, 'GET', RPS).send(app, '').json['resource_providers']
    assert [rp['name'] for rp in names] == ['a']


def test_413_for_a_chunked_body_without_length(conf, db):
    app = small_limit_app(conf, db)
    body = json.dumps({'name': 'x' * 200}).encode()
    request = webob.Request.blank(RPS, method='POST', headers={
        'Content-Type': 'application/json', 'X-Auth-Token': 'admin',
        'Transfer-Encoding': 'chunked'})
    request.environ.pop('CONTENT_LENGTH', None)
    request.environ['wsgi.input'] = io.BytesIO(body)
    request.environ['wsgi.input_terminated'] = True
    response = app.do_request(request, expect_errors=True)
    assert response.status_int == 413
    check_error(response, with_code=False)
    assert Row(200, 'GET', RPS).send(app, '').json == {
        'resource_providers': []}



@pytest.mark.parametrize('length', ['\u00b2', '\u0663', '1e3', '-1'])
def test_content_length_that_is_not_ascii_digits(app, length):
    """A Content-Length that is not a number in ASCII digits is the
    library's to judge, never a 500, and nothing is created."""
    request = webob.Request.blank(RPS, method='POST', headers={
        'Content-Type': 'application/json', 'X-Auth-Token': 'admin'})
    request.environ['CONTENT_LENGTH'] = length
    request.environ['wsgi.input'] = io.BytesIO(b'{"name": "a"}')
    # Straight to the WSGI application: webtest's checks refuse such an
    # environ before the service sees it.
    response = request.get_response(app.app)
    assert 400 <= response.status_int < 500, response.text
    assert Row(200, 'GET', RPS).send(app, '').json == {
        'resource_providers': []}


def test_413_for_a_get_with_an_oversized_body(conf, db):
    """Bodiless requests skip the limiter; a request with a body goes
    through it, whatever its method."""
    app = small_limit_app(conf, db)
    request = webob.Request.blank(RPS, method='GET', headers={
        'X-Auth-Token': 'admin', 'Content-Length': '200'})
    request.environ['wsgi.input'] = io.BytesIO(b'x' * 200)
    response = app.do_request(request, expect_errors=True)
    assert response.status_int == 413
    check_common(response, '1.0')


class TestHsts:
    """HSTS only over HTTPS: directly, or per a trusted proxy's header."""

    def app(self, conf, db, trust_proxy: bool) -> webtest.TestApp:
        conf.register_opts(http_proxy_to_wsgi.OPTS, 'oslo_middleware')
        conf.set_override('enable_proxy_headers_parsing', trust_proxy,
                          'oslo_middleware')
        return webtest.TestApp(deploy.loadapp(conf, db))

    @pytest.mark.parametrize('trust_proxy, forwarded, hsts', [
        (False, None, False),
        (False, 'https', False),
        (True, None, False),
        (True, 'http', False),
        (True, 'https', True),
    ])
    def test_forwarded_proto(self, conf, db, trust_proxy, forwarded, hsts):
        app = self.app(conf, db, trust_proxy)
        headers = {'X-Forwarded-Proto': forwarded} if forwarded else {}
        for row in (Row(200, 'GET', RPS, headers=headers),
                    Row(401, 'GET', RPS, headers=headers, token=None)):
            response = row.send(app, '')
            assert response.status_int == row.status
            assert (HSTS in response.headers) is hsts
            if hsts:
                assert response.headers[HSTS] == (
                    'max-age=31536000; includeSubDomains')

    def test_direct_https(self, app):
        for path, status in ((RPS, 200), ('/nowhere', 404)):
            response = app.get(path, headers={'X-Auth-Token': 'admin'},
                               extra_environ={'wsgi.url_scheme': 'https'},
                               expect_errors=True)
            assert response.status_int == status
            assert HSTS in response.headers

    def test_empty_value_disables_it(self, conf, db):
        conf.set_override('strict_transport_security', '',
                          'security_headers')
        app = webtest.TestApp(deploy.loadapp(conf, db))
        response = app.get(RPS, headers={'X-Auth-Token': 'admin'},
                           extra_environ={'wsgi.url_scheme': 'https'})
        assert HSTS not in response.headers


def test_header_values_are_configurable(conf, db):
    conf.set_override('x_frame_options', 'SAMEORIGIN', 'security_headers')
    conf.set_override('referrer_policy', '', 'security_headers')
    app = webtest.TestApp(deploy.loadapp(conf, db))
    response = Row(404, 'GET', '/nowhere').send(app, '')
    assert response.headers['X-Frame-Options'] == 'SAMEORIGIN'
    assert 'Referrer-Policy' not in response.headers
    assert response.headers['X-Content-Type-Options'] == 'nosniff'


@pytest.mark.parametrize('name', ['200', '200-root', '201', '204', '404',
                                  '401', '413'])
def test_cache_control_no_store_option(conf, db, name):
    conf.set_override('cache_control_no_store', True, 'security_headers')
    app = webtest.TestApp(deploy.loadapp(conf, db))
    rp = Row(200, 'POST', RPS, {'name': 'rp'}).send(app, '').json
    for version in ('1.14', 'latest'):
        row = TABLE[name]
        row = Row(row.status, row.method, row.path, row.body, row.headers,
                  row.token, version)
        response = row.send(app, rp['uuid'])
        if row.status == 201:
            Row(204, 'DELETE', '/resource_classes/CUSTOM_A').send(app, '')
        assert response.status_int in (row.status, 404)
        assert response.headers.getall('Cache-Control') == ['no-store']


class TestCors:
    """CORS is off unless allowed_origin is set; its answers carry the
    same headers as every other response."""

    ORIGIN = 'https://dashboard.example'
    PREFLIGHT = {'Origin': ORIGIN, 'Access-Control-Request-Method': 'GET'}

    def test_off_by_default(self, app):
        response = app.options(RPS, headers=self.PREFLIGHT,
                               expect_errors=True)
        assert response.status_int == 401
        response = app.options(RPS, headers={**self.PREFLIGHT,
                                             'X-Auth-Token': 'admin'},
                               expect_errors=True)
        assert response.status_int == 405
        assert 'Access-Control-Allow-Origin' not in response.headers
        check_common(response, '1.0')
        check_error(response, with_code=False)

    @pytest.fixture
    def cors_app(self, conf, db):
        conf.set_override('allowed_origin', [self.ORIGIN], 'cors')
        return webtest.TestApp(deploy.loadapp(conf, db))

    def test_preflight_from_an_allowed_origin(self, cors_app):
        response = cors_app.options(RPS, headers=self.PREFLIGHT)
        assert response.status_int == 200
        assert response.headers['Access-Control-Allow-Origin'] == (
            self.ORIGIN)
        check_common(response, '1.0')

    def test_other_origins_get_no_grant(self, cors_app):
        for origin in ('https://evil.example', 'null'):
            response = cors_app.get(RPS, headers={
                'Origin': origin, 'X-Auth-Token': 'admin'})
            assert 'Access-Control-Allow-Origin' not in response.headers
            check_common(response, '1.0')
