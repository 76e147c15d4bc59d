"""Authentication and policy on every route of the route table.

The table is walked, so a route added later is covered without a change
here. Only '/' is public.
"""

import logging
import re
import uuid as uuidlib

import pytest
import webtest
from oslo_policy import opts as policy_opts

from placement_min import deploy
from placement_min import router
from tests.conftest import Client

PUBLIC = {'/'}
MEMBER = {'X-Roles': 'member,reader'}


def _operations():
    """(method, template, version) for each handler in the table."""
    for route in router.ROUTES:
        if route.template in PUBLIC:
            continue
        for method, entry in route.methods.items():
            entries = entry if isinstance(entry, tuple) else (
                router.Since(route.since, entry),)
            for since in entries:
                version = max(route.since, since.low)
                yield method, route.template, '{}.{}'.format(*version)


OPERATIONS = list(_operations())


def concrete(template: str) -> str:
    """A path for ``template``: uuids for uuid items, a class otherwise."""
    def item(match):
        if 'uuid' in match[1]:
            return str(uuidlib.uuid4())
        return 'CUSTOM_POLICY' if match[1] == 'name' else 'VCPU'
    return re.sub(r'\{(\w+)\}', item, template)


def call(client, method, template, version, token):
    body = {} if method in ('POST', 'PUT') else None
    return client.request(method, concrete(template), body, version=version,
                          token=token)


def operation_id(operation) -> str:
    return '{} {} {}'.format(*operation)


def test_every_route_is_walked():
    templates = {template for _m, template, _v in OPERATIONS}
    assert templates == {r.template for r in router.ROUTES} - PUBLIC


@pytest.mark.parametrize('operation', OPERATIONS, ids=operation_id)
@pytest.mark.parametrize('token', [None, '  '])
def test_no_token_is_401(client, operation, token):
    response = call(client, *operation, token=token)
    assert response.status_int == 401, response.body
    assert response.json['errors'][0]['status'] == 401


@pytest.mark.parametrize('operation', OPERATIONS, ids=operation_id)
@pytest.mark.parametrize('token', ['alice:project-a', 'Admin'])
def test_non_admin_is_403(client, operation, token):
    response = call(client, *operation, token=token)
    assert response.status_int == 403, response.body
    detail = response.json['errors'][0]['detail']
    assert re.search(r'placement:[a-z_:]+', detail)


@pytest.mark.parametrize('operation', OPERATIONS, ids=operation_id)
def test_admin_is_allowed(client, operation):
    response = call(client, *operation, token='admin')
    assert response.status_int not in (401, 403), response.body
    assert response.status_int < 500, response.body


def test_noauth2_user_comes_from_the_token(client, seen_contexts):
    """The token names the user; X-User-Id, X-Domain-Id and
    X-Identity-Status from the client are dropped."""
    client.request('GET', '/resource_providers', token='alice:project-a',
                   headers={'X-User-Id': 'admin', 'X-Domain-Id': 'd',
                            'X-Identity-Status': 'Invalid'}, status=403)
    [context] = seen_contexts
    assert (context.user_id, context.project_id) == ('alice', 'project-a')
    assert context.domain_id is None
    assert context.roles == []


def test_noauth2_honours_roles_project_and_scope(client, seen_contexts):
    """What README "Authentication and policy" says noauth2 trusts."""
    client.request('GET', '/resource_providers', token='nova',
                   headers={'X-Roles': ' Service, reader'}, status=200)
    client.request('GET', '/resource_providers', token='bob:project-a',
                   headers={'X-Roles': 'reader', 'X-Project-Id': 'p'},
                   status=403)
    client.request('GET', '/resource_providers', token='admin',
                   headers={'OpenStack-System-Scope': 'all'}, status=403)
    client.request('GET', '/resource_providers', token='admin',
                   headers={'X-Roles': ''}, status=403)
    service, reader, system, no_roles = seen_contexts
    assert (service.user_id, service.project_id) == ('nova', 'nova')
    assert service.roles == ['service', 'reader']
    assert service.system_scope is None
    assert (reader.user_id, reader.project_id) == ('bob', 'p')
    assert (system.roles, system.system_scope) == (['admin'], 'all')
    assert system.project_id is None
    assert no_roles.roles == []


@pytest.mark.parametrize('scope', ['project', 'ALL', 'all,project'])
def test_noauth2_refuses_other_system_scopes(client, scope):
    response = client.request('GET', '/resource_providers', token='admin',
                              headers={'OpenStack-System-Scope': scope},
                              status=400)
    assert 'OpenStack-System-Scope' in response.json['errors'][0]['detail']


def test_noauth2_warns_at_start(conf, db, caplog):
    with caplog.at_level(logging.WARNING):
        deploy.loadapp(conf, db)
    [record] = [r for r in caplog.records if 'noauth2' in r.getMessage()]
    assert record.levelno == logging.WARNING
    for header in ('X-Roles', 'X-Project-Id', 'OpenStack-System-Scope'):
        assert header in record.getMessage()
    assert 'production' in record.getMessage()


def test_forged_identity_without_token_is_401(client):
    response = client.request('GET', '/resource_providers', token=None,
                              headers={'X-Roles': 'admin',
                                       'X-Identity-Status': 'Confirmed'})
    assert response.status_int == 401


@pytest.mark.parametrize('path', ['/', '/healthcheck'])
def test_public_paths_need_no_token(client, path):
    assert client.request('GET', path, token=None).status_int == 200


class TestOperatorPolicyFile:

    @pytest.fixture
    def client(self, conf, db, tmp_path):
        policy_file = tmp_path / 'policy.yaml'
        policy_file.write_text(
            '"placement:resource_providers:list": '
            '"role:member or rule:admin_api"\n')
        # NOTE: set_override, not oslo.policy's set_defaults, which would
        # change the option's default for every later test.
        for group, options in policy_opts.list_opts():
            conf.register_opts(options, group=group)
        conf.set_override('policy_file', str(policy_file), 'oslo_policy')
        return Client(webtest.TestApp(deploy.loadapp(conf, db)))

    def test_opened_rule_lets_a_member_in(self, client):
        client.create_provider('rp')
        response = client.request('GET', '/resource_providers',
                                  token='alice', headers=MEMBER, status=200)
        assert [rp['name'] for rp in
                response.json['resource_providers']] == ['rp']

    def test_other_rules_keep_their_defaults(self, client):
        rp = client.create_provider('rp')
        client.request('GET', f'/resource_providers/{rp["uuid"]}',
                       token='alice', headers=MEMBER, status=403)
        client.request('POST', '/resource_providers', {'name': 'x'},
                       token='alice', headers=MEMBER, status=403)
        client.request('GET', '/resource_classes', token='alice',
                       headers=MEMBER, status=403)

    def test_admin_keeps_access(self, client):
        client.request('GET', '/resource_providers', token='admin',
                       status=200)


def test_usages_target_is_the_project_asked_about(client):
    """GET /usages checks placement:usages on the query's project_id,
    read before the query is validated: a reader of project p passes the
    rule for p only, and the query's own problems come after."""
    reader = {'X-Roles': 'reader', 'X-Project-Id': 'p'}

    def status(query):
        return client.request('GET', f'/usages{query}', version='1.9',
                              token='r', headers=reader).status_int

    assert status('?project_id=p') == 200
    assert status('?project_id=p&bogus=1') == 400
    assert status('?project_id=q') == 403
    assert status('?project_id=q&bogus=1') == 403
    # No single project_id to read: no target, so no reader passes.
    assert status('') == 403
    assert status('?project_id=p&project_id=p') == 403
    assert status('?project_id=p&&') == 403
