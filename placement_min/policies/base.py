"""Rules every resource's policies build on: Placement's RBAC.

Services (Nova, Neutron, Cyborg) hold the ``service`` role and often not
``admin``, so the standard rule admits either. Every rule is
project-scoped: a system-scoped token is refused everywhere.

The defaults before these were "admin only" (``rule:admin_api``); each
rule keeps that as its deprecated default, so that an operator who sets
``[oslo_policy] enforce_new_defaults = False`` gets the legacy behaviour
through oslo.policy's own mechanism (old or new default allows).
"""

from oslo_policy import policy

ADMIN_API = 'rule:admin_api'
ADMIN_OR_SERVICE = 'role:admin or role:service'
SERVICE = 'role:service'
# NOTE: project_id of the target, which the operation declares (the
# project asked about); oslo.policy compares it with the caller's.
PROJECT_READER = 'role:reader and project_id:%(project_id)s'
SCOPE_TYPES = ['project']

# The release that brought these defaults; the sample says since when
# the admin-only defaults are deprecated.
NEW_DEFAULTS_SINCE = '0.1.0'
_DEPRECATED_REASON = (
    'Placement\'s RBAC: services hold the "service" role, often without '
    '"admin". With [oslo_policy] enforce_new_defaults = False this old '
    'default still admits admins')

RULES = [
    policy.RuleDefault(
        'admin_api', 'role:admin',
        description='The caller has the admin role: the default of every '
                    'rule in legacy mode ([oslo_policy] '
                    'enforce_new_defaults = False).'),
]


def rule(name: str, check_str: str, description: str,
         *operations: tuple[str, str]) -> policy.DocumentedRuleDefault:
    """A project-scoped rule for the (method, path) operations it guards,
    with the admin-only legacy default as its deprecated rule."""
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'method': m, 'path': p} for m, p in operations],
        scope_types=SCOPE_TYPES,
        deprecated_rule=policy.DeprecatedRule(
            name=name, check_str=ADMIN_API,
            deprecated_reason=_DEPRECATED_REASON,
            deprecated_since=NEW_DEFAULTS_SINCE))


def admin_rule(name: str, description: str,
               *operations: tuple[str, str]) -> policy.DocumentedRuleDefault:
    """The standard rule: admins and services (``role:admin or
    role:service``), project-scoped, for the operations it guards."""
    return rule(name, ADMIN_OR_SERVICE, description, *operations)
