"""The policy defaults: Placement's names, RBAC, scope, legacy mode, and
what the policy sample says of each rule."""

import pathlib

import pytest
from oslo_policy import opts as policy_opts

from placement_min import context
from placement_min import errors
from placement_min import policies
from placement_min.policies import base
from placement_min.policies import reshaper
from placement_min.policies import usage

# Legacy mode warns, as it should, for each rule whose default changed.
pytestmark = pytest.mark.filterwarnings(
    'ignore:Policy "placement.* was deprecated in:UserWarning')

SAMPLE = (pathlib.Path(__file__).parents[2] / 'etc' / 'placement-min'
          / 'policy.yaml.sample')

# Placement's policy names (README "Authentication and policy").
PLACEMENT_RULES = {
    f'placement:{resource}:{action}'
    for resource, actions in {
        'resource_providers': ('list', 'create', 'show', 'update', 'delete'),
        'resource_providers:inventories': ('list', 'create', 'show',
                                           'update', 'delete'),
        'resource_classes': ('list', 'create', 'show', 'update', 'delete'),
        'allocations': ('list', 'update', 'delete', 'manage'),
        'resource_providers:allocations': ('list',),
        'traits': ('list', 'show', 'update', 'delete'),
        'resource_providers:traits': ('list', 'update', 'delete'),
        'resource_providers:aggregates': ('list', 'update'),
        'allocation_candidates': ('list',),
        'reshaper': ('reshape',),
    }.items()
    for action in actions
} | {'placement:resource_providers:usages', 'placement:usages'}
SPECIAL = {
    usage.TOTAL: 'role:admin or role:service or '
                 '(role:reader and project_id:%(project_id)s)',
    reshaper.RESHAPE: 'role:service',
}

RULES = [rule for rule in policies.list_rules() if rule.name != 'admin_api']


def _id(rule) -> str:
    return rule.name


def test_rule_names_are_placements():
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    assert set(names) <= PLACEMENT_RULES
    assert {usage.TOTAL, reshaper.RESHAPE} <= set(names)


@pytest.mark.parametrize('rule', RULES, ids=_id)
def test_rule_defaults(rule):
    assert rule.check_str == SPECIAL.get(rule.name,
                                         'role:admin or role:service')
    assert rule.scope_types == ['project']
    assert rule.operations
    deprecated = rule.deprecated_rule
    assert (deprecated.name, deprecated.check_str) == (rule.name,
                                                       'rule:admin_api')


def _sample_entry(sample: str, name: str) -> tuple[str, str]:
    """What the sample says above the rule's line (since the previous
    rule's line), and from it to the next rule's line."""
    rule_lines = [i for i in range(len(sample))
                  if sample.startswith('#"placement:', i)
                  or sample.startswith('#"admin_api"', i)]
    start = sample.index(f'#"{name}": ')
    index = rule_lines.index(start)
    previous = rule_lines[index - 1] if index else 0
    following = (rule_lines[index + 1] if index + 1 < len(rule_lines)
                 else len(sample))
    return sample[previous:start], sample[start:following]


@pytest.mark.parametrize('rule', RULES, ids=_id)
def test_sample_shows_default_deprecated_default_scope_operations(rule):
    above, below = _sample_entry(SAMPLE.read_text(), rule.name)
    assert below.startswith(f'#"{rule.name}": "{rule.check_str}"\n')
    assert above.endswith('# Intended scope(s): project\n')
    for operation in rule.operations:
        assert f'# {operation["method"]}  {operation["path"]}\n' in above
    unwrapped = ' '.join(line.lstrip('# ') for line in below.splitlines())
    assert (f'DEPRECATED "{rule.name}":"rule:admin_api" has been '
            'deprecated') in unwrapped


def _enforcer(conf, legacy: bool, tmp_path, policy_text: str = ''):
    for group, options in policy_opts.list_opts():
        conf.register_opts(options, group=group)
    conf.set_override('enforce_new_defaults', not legacy, 'oslo_policy')
    policy_file = tmp_path / 'policy.yaml'
    policy_file.write_text(policy_text)
    conf.set_override('policy_file', str(policy_file), 'oslo_policy')
    return context.create_enforcer(conf)


def _caller(enforcer, roles, project='p', system_scope=None):
    return context.RequestContext(
        user_id='u', project_id=None if system_scope else project,
        roles=roles, system_scope=system_scope, enforcer=enforcer)


def _allows(caller, rule, target=None) -> bool:
    try:
        caller.can(rule, target)
    except errors.PolicyDenied:
        return False
    return True


@pytest.mark.parametrize('legacy', [False, True], ids=['new', 'legacy'])
def test_reshaper_is_for_services_and_legacy_admins(conf, tmp_path,
                                                    legacy):
    enforcer = _enforcer(conf, legacy, tmp_path)
    assert _allows(_caller(enforcer, ['service']), reshaper.RESHAPE)
    assert _allows(_caller(enforcer, ['admin']), reshaper.RESHAPE) is legacy
    for roles in (['member', 'reader'], ['reader'], []):
        assert not _allows(_caller(enforcer, roles), reshaper.RESHAPE)
    for roles in (['admin'], ['service']):
        assert not _allows(_caller(enforcer, roles, system_scope='all'),
                           reshaper.RESHAPE)


@pytest.mark.parametrize('legacy', [False, True], ids=['new', 'legacy'])
def test_usages_are_for_readers_of_the_project_asked_about(conf, tmp_path,
                                                           legacy):
    enforcer = _enforcer(conf, legacy, tmp_path)
    reader = _caller(enforcer, ['reader'], project='p')
    assert _allows(reader, usage.TOTAL, {'project_id': 'p'})
    assert not _allows(reader, usage.TOTAL, {'project_id': 'q'})
    # No project could be read from the request: nothing to match.
    assert not _allows(reader, usage.TOTAL, {})
    for roles in (['admin'], ['service']):
        assert _allows(_caller(enforcer, roles), usage.TOTAL,
                       {'project_id': 'q'})
    assert not _allows(_caller(enforcer, ['member'], project='p'),
                       usage.TOTAL, {'project_id': 'p'})
    assert not _allows(_caller(enforcer, ['admin', 'reader'],
                               system_scope='all'),
                       usage.TOTAL, {'project_id': 'p'})


def test_legacy_mode_is_oslo_policys_deprecated_rule(conf, tmp_path):
    """Legacy mode adds the old default as written: an operator's own
    admin_api rule decides who the "admins" of legacy mode are."""
    enforcer = _enforcer(conf, True, tmp_path,
                         '"admin_api": "role:operator"\n')
    assert _allows(_caller(enforcer, ['operator']), reshaper.RESHAPE)
    assert not _allows(_caller(enforcer, ['admin']), reshaper.RESHAPE)
    new = _enforcer(conf, False, tmp_path, '"admin_api": "role:operator"\n')
    assert not _allows(_caller(new, ['operator']), reshaper.RESHAPE)


def test_admin_rule_is_the_standard_rule():
    rule = base.admin_rule('placement:traits:list', 'List traits.',
                           ('GET', '/traits'))
    assert rule.check_str == 'role:admin or role:service'
    assert rule.scope_types == ['project']
    assert rule.operations == [{'method': 'GET', 'path': '/traits'}]
    assert rule.deprecated_rule.check_str == base.ADMIN_API
