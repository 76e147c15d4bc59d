"""What the service logs: one access line per request, the request id on
every line, and never a secret (doc/api.md section 10)."""

import logging
import uuid

import pytest
import webtest
from keystonemiddleware import auth_token
from keystonemiddleware import fixture as ksm_fixture
from oslo_log import formatters
from oslo_log import log as oslo_logging

from placement_min import deploy
from placement_min.storage import database
from placement_min.storage import resource_provider

ACCESS_LOGGER = 'placement_min.access'
RPS = '/resource_providers'
SECRETS = {
    'Authorization': 'Bearer s3cr3t-authorization',
    'X-Service-Token': 's3cr3t-service-token',
    'X-Subject-Token': 's3cr3t-subject-token',
    'Cookie': 'session=s3cr3t-cookie',
}


def log_text(caplog) -> str:
    """Everything the records hold: formatted lines, messages, args."""
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
    return '\n'.join(parts)


@pytest.fixture
def logs(caplog, conf):
    """caplog at DEBUG for every logger, formatted as oslo.log formats
    service logs, so each record gets the context's request id."""
    caplog.handler.setFormatter(formatters.ContextFormatter(
        config=conf, project='placement-min'))
    caplog.set_level(logging.DEBUG)
    return caplog


def send(app, method, path, body=None, headers=None, token='admin',
         secrets=SECRETS):
    all_headers = {'OpenStack-API-Version': 'placement latest',
                   **secrets, **(headers or {})}
    if token:
        all_headers['X-Auth-Token'] = token
    if body is not None:
        all_headers['Content-Type'] = 'application/json'
    return app.request(path, method=method, body=body or b'',
                       headers=all_headers, expect_errors=True)


REQUESTS = [
    ('GET', RPS, None, 200),
    ('GET', RPS + '?password=s3cr3t-query&name=x', None, 400),
    ('GET', RPS + '?name=x&token=s3cr3t-query-token', None, 400),
    ('POST', RPS, b'{"name": "rp", "password": "s3cr3t-body"}', 400),
    ('POST', RPS, b'{"name": "rp", "admin_pass": "s3cr3t-body2"}', 400),
    ('POST', RPS, b'{"name": "s3cr3t-\xff"}', 400),
    ('PUT', RPS + '/' + str(uuid.uuid4()), b'{"name": "s3cr3t-name"}', 404),
    ('GET', '/nowhere/s3cr3t-path-ok', None, 404),
]


def test_no_secret_in_any_log_line(app, logs):
    for method, path, body, status in REQUESTS:
        assert send(app, method, path, body).status_int == status
    text = log_text(logs)
    for leak in ('s3cr3t-authorization', 's3cr3t-service-token',
                 's3cr3t-subject-token', 's3cr3t-cookie', 's3cr3t-query',
                 's3cr3t-body', 's3cr3t-name', 's3cr3t-\\xff'):
        assert leak not in text, leak
    assert 's3cr3t-path-ok' in text  # the path itself is logged


def test_token_values_never_logged(conf, db, logs):
    tokens = ksm_fixture.AuthTokenFixture()
    tokens.setUp()
    try:
        for group, options in auth_token.list_opts():
            conf.register_opts(options, group=group)
        conf.set_override('auth_strategy', 'keystone', 'api')
        conf.set_override('www_authenticate_uri',
                          'http://127.0.0.1:5000/v3', 'keystone_authtoken')
        app = webtest.TestApp(deploy.loadapp(conf, db))
        valid = uuid.uuid4().hex + 'validtok'
        tokens.add_token_data(token_id=valid, user_id='u', project_id='p',
                              role_list=['admin'])
        invalid = uuid.uuid4().hex + 'badtok'
        assert send(app, 'GET', RPS, token=valid,
                    secrets={}).status_int == 200
        assert send(app, 'GET', RPS, token=invalid).status_int == 401
        # A valid user token with an invalid service token is refused.
        assert send(app, 'GET', RPS, token=valid).status_int == 401
    finally:
        tokens.cleanUp()
    text = log_text(logs)
    for leak in (valid, invalid, 's3cr3t-service-token'):
        assert leak not in text


def test_database_password_never_logged(conf, logs, monkeypatch):
    url = 'postgresql+psycopg://placement:s3cr3t-db-pw@127.0.0.1:1/test'
    conf.set_override('connection', url, 'placement_database')
    # oslo.log's setup would replace pytest's capturing handler.
    monkeypatch.setattr(oslo_logging, 'setup', lambda *args: None)
    deploy.setup_logging(conf)
    db = database.Database.from_conf(conf)
    try:
        app = webtest.TestApp(deploy.build_pipeline(conf, db))
        assert send(app, 'GET', RPS).status_int == 503
    finally:
        db.engine.dispose()
    text = log_text(logs)
    assert 'placement_database.connection' in text  # the options were
    assert 's3cr3t-db-pw' not in text


def test_one_access_line_per_request(app, logs):
    for method, path, body, status in REQUESTS:
        logs.clear()
        response = send(app, method, path, body)
        [line] = [r for r in logs.records if r.name == ACCESS_LOGGER]
        message = line.getMessage()
        assert message.startswith(f'{method} {path.split("?")[0]}')
        assert f'status: {status}' in message
        assert f'len: {response.headers["Content-Length"]}' in message
        assert 'time: ' in message
        assert line.levelno == logging.INFO


def test_access_line_for_answers_from_outer_layers(app, logs):
    for headers, token, status in (({}, None, 401),
                                   ({'OpenStack-API-Version':
                                     'placement 9.9'}, 'admin', 406)):
        logs.clear()
        send(app, 'GET', RPS, headers=headers, token=token)
        [line] = [r for r in logs.records if r.name == ACCESS_LOGGER]
        assert f'status: {status}' in line.getMessage()


def _failing(*args, **kwargs):
    raise RuntimeError('boom')


def test_request_id_on_every_line_logged_while_serving(app, logs,
                                                       monkeypatch):
    for method, path, body, status in REQUESTS + [('GET', RPS, None, 500)]:
        if status == 500:
            monkeypatch.setattr(resource_provider, 'list_providers',
                                _failing)
        logs.clear()
        response = send(app, method, path, body)
        request_id = response.headers['x-openstack-request-id']
        assert logs.records
        for record in logs.records:
            assert record.request_id == request_id, record.getMessage()
        assert request_id in logs.text


@pytest.mark.parametrize('path, shown', [
    ('/nowhere/a%0Ab', 'a\\nb'),
    ('/nowhere/a%0D%0AGET%20/forged%20status:%20200', 'a\\r\\nGET'),
    ('/nowhere/%1B[31mred', '\\x1b[31mred'),
    ('/nowhere/a%00b', 'a\\x00b'),
])
def test_control_characters_in_path_are_escaped(app, logs, path, shown):
    send(app, 'GET', path)
    [line] = [r for r in logs.records if r.name == ACCESS_LOGGER]
    message = line.getMessage()
    assert shown in message
    assert message.isprintable()


@pytest.mark.parametrize('text', ['%s', '%(x)s', '{0}', '%d', '{x}', '%'])
def test_user_input_is_never_a_format_string(client, logs, text):
    rp_uuid_path = f'{RPS}/{text}'.replace('%', '%25')
    response = client.request('GET', rp_uuid_path, status=404)
    assert text in response.json['errors'][0]['detail']
    name = f'rp {text} end'
    client.request('POST', RPS, {'name': name}, status=200)
    response = client.request('POST', RPS, {'name': name}, status=409)
    assert f'rp {text} end' in response.json['errors'][0]['detail']
    rc = f'/resource_classes/CUSTOM_{text}'.replace('%', '%25')
    response = client.request('GET', rc, status=404)
    assert f'CUSTOM_{text}' in response.json['errors'][0]['detail']
    for record in logs.records:
        record.getMessage()  # formats without error
