"""RequestId as plain WSGI keeps oslo.middleware's behaviour: a new id
per request, in the environ and on the response; a caller's global
request id kept only in the library's form; HEAD answers without a
body."""

import re

import webtest
from oslo_middleware import request_id as oslo_request_id

from placement_min import environ_keys
from placement_min.middleware.request_id import RequestId

_ID = re.compile(oslo_request_id.ID_FORMAT)
GLOBAL_ID = 'req-0a5f6b0e-8c1d-4f3a-9e2b-7d4c5b6a7f01'


def _app(conf, headers=()):
    seen = {}

    def inner(environ, start_response):
        seen['request_id'] = environ.get(environ_keys.REQUEST_ID)
        seen['global'] = environ.get(environ_keys.GLOBAL_REQUEST_ID)
        start_response('200 OK', [('Content-Type', 'text/plain'),
                                  ('Content-Length', '2'), *headers])
        return [b'ok']
    return webtest.TestApp(RequestId(inner, conf)), seen


def test_a_new_id_per_request_in_environ_and_header(conf):
    app, seen = _app(conf)
    ids = set()
    for _ in range(3):
        response = app.get('/')
        sent = response.headers['x-openstack-request-id']
        assert _ID.match(sent) and sent == seen['request_id']
        ids.add(sent)
    assert len(ids) == 3


def test_a_global_request_id_is_kept_only_in_its_form(conf):
    app, seen = _app(conf)
    app.get('/', headers={'X-Openstack-Request-Id': GLOBAL_ID})
    assert seen['global'] == GLOBAL_ID
    for bogus in ('req-123', GLOBAL_ID.upper(), 'x' + GLOBAL_ID):
        app.get('/', headers={'X-Openstack-Request-Id': bogus})
        assert seen['global'] is None


def test_an_inner_header_is_not_repeated(conf):
    app, _seen = _app(conf, [('X-OpenStack-Request-Id', 'req-inner')])
    response = app.get('/')
    assert response.headers.getall('x-openstack-request-id') == [
        'req-inner']


def test_head_has_the_headers_and_no_body(conf):
    app, _seen = _app(conf)
    response = app.head('/')
    assert response.body == b''
    assert response.headers['Content-Length'] == '2'
    assert _ID.match(response.headers['x-openstack-request-id'])
