"""auth_strategy = keystone, with keystonemiddleware's own test fixture
standing in for the identity service."""

import uuid

import pytest
import webtest
from keystoneauth1 import fixture as ks_fixture
from keystonemiddleware import auth_token
from keystonemiddleware import fixture as ksm_fixture

from placement_min import deploy

RPS = '/resource_providers'


@pytest.fixture
def tokens():
    fixture = ksm_fixture.AuthTokenFixture()
    fixture.setUp()
    yield fixture
    fixture.cleanUp()


@pytest.fixture
def app(conf, db, tokens):
    conf.set_override('auth_strategy', 'keystone', 'api')
    for group, options in auth_token.list_opts():
        conf.register_opts(options, group=group)
    # Only named in WWW-Authenticate; the fixture answers every token
    # check, so nothing is ever sent there.
    conf.set_override('www_authenticate_uri', 'http://127.0.0.1:5000/v3',
                      'keystone_authtoken')
    return webtest.TestApp(deploy.loadapp(conf, db))


def add_token(tokens, **token_data) -> str:
    """A token the fixture accepts (add_token_data returns nothing)."""
    token_id = uuid.uuid4().hex
    tokens.add_token_data(token_id=token_id, **token_data)
    return token_id


def get(app, token=None, path=RPS):
    headers = {'OpenStack-API-Version': 'placement latest'}
    if token is not None:
        headers['X-Auth-Token'] = token
    return app.get(path, headers=headers, expect_errors=True)


def check_json_error(response, status):
    assert response.status_int == status, response.body
    assert response.content_type == 'application/json'
    [error] = response.json['errors']
    assert error['status'] == status
    assert error['request_id'] == response.headers['x-openstack-request-id']
    assert error['code'] == 'placement.undefined_code'
    assert 'Content-Security-Policy' in response.headers


def test_admin_token_is_allowed(app, tokens, seen_contexts):
    token = add_token(tokens, user_id='u-admin', project_id='p-admin',
                      role_list=['admin', 'reader'])
    response = get(app, token)
    assert response.status_int == 200, response.body
    assert response.json == {'resource_providers': []}
    [context] = seen_contexts
    assert context.user_id == 'u-admin'
    assert context.project_id == 'p-admin'
    assert context.is_admin
    assert set(context.roles) == {'admin', 'reader'}


def test_member_token_is_403(app, tokens, seen_contexts):
    token = add_token(tokens, user_id='u-1', project_id='p-1',
                      role_list=['member'])
    check_json_error(get(app, token), 403)
    [context] = seen_contexts
    assert (context.user_id, context.project_id) == ('u-1', 'p-1')
    assert not context.is_admin


@pytest.mark.parametrize('token', ['not-a-known-token', 'admin'])
def test_invalid_token_is_401_in_our_format(app, token, seen_contexts):
    response = get(app, token)
    check_json_error(response, 401)
    assert 'WWW-Authenticate' in response.headers
    assert 'Authentication required' not in response.text
    assert token not in response.text
    assert seen_contexts == []


def test_expired_token_is_401(app, tokens):
    token = add_token(tokens, user_id='u', project_id='p',
                      role_list=['admin'], expires='2000-01-01T00:00:00Z')
    check_json_error(get(app, token), 401)


def test_no_token_is_401(app, seen_contexts):
    check_json_error(get(app), 401)
    assert seen_contexts == []


# Everything a client could send to pass for someone else.
FORGED = {'X-Roles': 'admin,service', 'X-User-Id': 'u-forged',
          'X-Project-Id': 'p-forged', 'X-Domain-Id': 'd-forged',
          'OpenStack-System-Scope': 'all', 'X-Identity-Status': 'Confirmed',
          'X-Service-Roles': 'service', 'X-Is-Admin-Project': 'True'}


def test_client_identity_headers_never_reach_the_policy_check(
        app, tokens, seen_contexts):
    """Identity comes only from the validated token: the headers that
    noauth2 trusts are replaced or dropped by auth_token."""
    token = add_token(tokens, user_id='u-1', project_id='p-1',
                      role_list=['reader'])
    headers = {'X-Auth-Token': token, **FORGED,
               'OpenStack-API-Version': 'placement latest'}
    check_json_error(app.get(RPS, headers=headers, expect_errors=True), 403)
    check_json_error(app.get('/usages?project_id=p-forged', headers=headers,
                             expect_errors=True), 403)
    own = app.get('/usages?project_id=p-1', headers=headers,
                  expect_errors=True)
    assert own.status_int == 200, own.body
    for context in seen_contexts:
        assert (context.user_id, context.project_id) == ('u-1', 'p-1')
        assert context.roles == ['reader']
        assert context.system_scope is None
        assert context.domain_id is None
    assert len(seen_contexts) == 3


def test_service_token_may_write(app, tokens):
    token = add_token(tokens, user_id='nova', project_id='service',
                      role_list=['service'])
    response = app.post_json(RPS, {'name': 'cn1'}, headers={
        'X-Auth-Token': token, 'OpenStack-API-Version': 'placement latest'},
        expect_errors=True)
    assert response.status_int == 200, response.body


def test_system_scoped_token_is_403(app, tokens, seen_contexts):
    """The scope is the token's: a system-scoped admin is refused by the
    project-scoped rules."""
    token = ks_fixture.V3Token(user_id='u-sys')
    token.set_system_scope()
    token.add_role(name='admin')
    check_json_error(get(app, tokens.add_token(token)), 403)
    [context] = seen_contexts
    assert context.system_scope == 'all'
    assert context.project_id is None


@pytest.mark.parametrize('path', ['/', '/healthcheck'])
def test_public_paths_need_no_token(app, path):
    assert get(app, path=path).status_int == 200



def test_missing_www_authenticate_uri_refuses_to_start(conf, db):
    """Without it every 401 would fail on a lookup; fail at start instead."""
    conf.set_override('auth_strategy', 'keystone', 'api')
    with pytest.raises(ValueError, match='www_authenticate_uri'):
        deploy.loadapp(conf, db)
