"""Every operation of the route table, as every persona of Placement's
RBAC (README "Authentication and policy"), allowed or 403.

What each persona may do follows from the rule the operation declares:
``allowed`` knows the rules that differ from the standard one, and every
other rule is the standard one (admins and services), so a route added
later with a standard rule is checked here without an edit. Each case
runs with the new defaults and in legacy mode ([oslo_policy]
enforce_new_defaults = False).
"""

import re

import pytest
import webtest
from oslo_policy import opts as policy_opts

from placement_min import deploy
from placement_min import policies
from placement_min import router
from placement_min.policies import reshaper
from placement_min.policies import usage
from tests import personas
from tests.conftest import Client
from tests.functional.test_policy import concrete

# Legacy mode warns, as it should, for each rule whose default changed.
pytestmark = pytest.mark.filterwarnings(
    'ignore:Policy "placement.* was deprecated in:UserWarning')
MODES = ('new-defaults', 'legacy')
_RULE_IN_DETAIL = re.compile(r'placement:[a-z_:]+')


def allowed(rule: str, mode: str, own_project: bool) -> set[str]:
    """The personas that ``rule`` admits; ``own_project``: the request
    asks about the persona's own project (the query's project_id)."""
    if rule == reshaper.RESHAPE:
        # Services only; legacy mode adds the admin-only old default.
        return {'service'} | (personas.ADMINS if mode == 'legacy' else set())
    if rule == usage.TOTAL and own_project:
        return personas.STANDARD | personas.PROJECT_READERS
    return set(personas.STANDARD)


def _operations():
    """(method, template, version, handler) for each handler in the
    table, at the first version it serves, but public ones."""
    for route in router.ROUTES:
        for method, entry in route.methods.items():
            entries = entry if isinstance(entry, tuple) else (
                router.Since(route.since, entry),)
            for since in entries:
                if not since.handler.operation.public:
                    yield (method, route.template,
                           max(route.since, since.low), since.handler)


def _cases():
    """Each operation once, and those that take a project_id in their
    query once more, asking about another project than the caller's."""
    for method, template, version, handler in _operations():
        takes_project = 'project_id' in handler.operation.query_at(version)
        for own_project in (True, False) if takes_project else (True,):
            yield pytest.param(
                method, template, version, handler, own_project,
                id='{} {} {}.{}{}'.format(
                    method, template, *version,
                    '' if own_project else ' other-project'))


CASES = list(_cases())


def _query(handler, version, project: str) -> str:
    """A value for every required query parameter; project_id is
    ``project``."""
    params = []
    for name, check in handler.operation.query_at(version).items():
        if name == 'project_id':
            params.append(f'project_id={project}')
        elif getattr(check, 'required', False):
            params.append(f'{name}=1')
    return '?' + '&'.join(params) if params else ''


@pytest.fixture(params=MODES)
def mode_client(request, conf, db):
    if request.param == 'legacy':
        for group, options in policy_opts.list_opts():
            conf.register_opts(options, group=group)
        conf.set_override('enforce_new_defaults', False, 'oslo_policy')
    return request.param, Client(webtest.TestApp(deploy.loadapp(conf, db)))


def test_each_rule_documents_the_operations_it_guards():
    """The policy sample lists, under each rule, the operations that
    declare it."""
    documented = {rule.name: rule.operations
                  for rule in policies.list_rules()
                  if hasattr(rule, 'operations')}
    for method, template, _version, handler in _operations():
        rule = handler.operation.policy
        assert rule in documented, (method, template, rule)
        assert {'method': method, 'path': template} in documented[rule], (
            method, template, rule)


def test_every_persona_is_in_the_table():
    assert set(personas.PERSONAS) == (personas.STANDARD
                                      | personas.PROJECT_READERS
                                      | {'system_admin', 'system_reader'})


@pytest.mark.parametrize(
    'method, template, version, handler, own_project', CASES)
def test_persona_table(mode_client, method, template, version, handler,
                       own_project):
    mode, client = mode_client
    rule = handler.operation.policy
    path = concrete(template)
    version_text = '{}.{}'.format(*version)
    body = {} if method in ('POST', 'PUT') else None
    seen = {}
    for name, headers in personas.PERSONAS.items():
        project = (headers.get('X-Project-Id', personas.PROJECT)
                   if own_project else personas.OTHER_PROJECT)
        response = client.request(
            method, path + _query(handler, version, project), body,
            version=version_text, token=None, headers=headers)
        assert response.status_int < 500, (name, response.body)
        assert response.status_int != 401, (name, response.body)
        if response.status_int == 403:
            detail = response.json['errors'][0]['detail']
            assert _RULE_IN_DETAIL.search(detail)[0] == rule, (name, detail)
        seen[name] = response.status_int != 403
    expected = allowed(rule, mode, own_project)
    assert {name for name, ok in seen.items() if ok} == expected, (
        rule, mode, seen)
