"""The policy enforcer looks at the operator's file every few seconds,
not on every check, and still picks up an edit."""

import pathlib
from typing import NamedTuple

import pytest
from oslo_policy import opts as policy_opts

from placement_min import context
from placement_min.policies import resource_provider as policies


def _creds(roles):
    return context.RequestContext(user_id='u', project_id='p', roles=roles)


def _use_policy_file(conf, path) -> None:
    # An override on this conf only: set_defaults(policy_file=) would
    # change the option's default for every later test.
    policy_opts.set_defaults(conf)
    conf.set_override('policy_file', str(path), group='oslo_policy')


class _EditedPolicy(NamedTuple):
    enforcer: context.Enforcer
    policy_file: pathlib.Path
    now: list[float]     # the monotonic clock the enforcer reads


@pytest.fixture
def edited_policy(conf, tmp_path, monkeypatch) -> _EditedPolicy:
    """An enforcer on a policy file that makes the list admin-only, and
    a clock the test moves."""
    policy_file = tmp_path / 'policy.yaml'
    policy_file.write_text(f'"{policies.LIST}": "rule:admin_api"\n')
    _use_policy_file(conf, policy_file)
    now = [1000.0]
    monkeypatch.setattr(context.time, 'monotonic', lambda: now[0])
    return _EditedPolicy(context.create_enforcer(conf), policy_file, now)


def test_edit_takes_effect_after_the_interval(edited_policy):
    enforcer, policy_file, now = edited_policy
    member = _creds(['member'])
    assert not enforcer.enforce(policies.LIST, {}, member)

    policy_file.write_text(f'"{policies.LIST}": "role:member"\n')
    now[0] += 1.0
    assert not enforcer.enforce(policies.LIST, {}, member)
    now[0] += context.POLICY_RECHECK_INTERVAL
    assert enforcer.enforce(policies.LIST, {}, member)


def test_files_are_not_searched_on_every_check(conf, tmp_path,
                                               monkeypatch):
    _use_policy_file(conf, tmp_path / 'absent.yaml')
    enforcer = context.create_enforcer(conf)
    searches = []
    original = enforcer._get_policy_path

    def counting(path):
        searches.append(path)
        return original(path)

    monkeypatch.setattr(enforcer, '_get_policy_path', counting)
    admin = _creds(['admin'])
    for _ in range(100):
        assert enforcer.enforce(policies.LIST, {}, admin)
    assert len(searches) <= 2


def test_remembered_decisions_follow_an_edit(edited_policy):
    enforcer, policy_file, now = edited_policy
    member, admin = _creds(['member']), _creds(['admin'])
    assert not enforcer.allows(policies.LIST, {}, member)
    assert enforcer.allows(policies.LIST, {}, admin)

    policy_file.write_text(f'"{policies.LIST}": "role:member"\n')
    now[0] += context.POLICY_RECHECK_INTERVAL
    assert enforcer.allows(policies.LIST, {}, member)
    assert not enforcer.allows(policies.LIST, {}, admin)


def test_a_decision_is_evaluated_once_per_question(conf, tmp_path,
                                                   monkeypatch):
    _use_policy_file(conf, tmp_path / 'absent.yaml')
    enforcer = context.create_enforcer(conf)
    evaluated = []
    original = enforcer.authorize

    def counting(*args, **kwargs):
        evaluated.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(enforcer, 'authorize', counting)
    for _ in range(10):
        assert enforcer.allows(policies.LIST, {}, _creds(['admin']))
        assert not enforcer.allows(policies.LIST, {}, _creds(['member']))
        assert not enforcer.allows(policies.LIST, {'project_id': 'x'},
                                   _creds(['member']))
    assert len(evaluated) == 3
    enforcer.set_rules({}, overwrite=False)
    assert enforcer.allows(policies.LIST, {}, _creds(['admin']))
    assert len(evaluated) == 4
