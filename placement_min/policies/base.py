"""Rules every resource's policies build on."""

from oslo_policy import policy

ADMIN_API = 'rule:admin_api'

RULES = [
    policy.RuleDefault(
        'admin_api', 'role:admin',
        description='Default rule for most placement_min APIs: the caller '
                    'has the admin role.'),
]


def admin_rule(name: str, description: str,
               *operations: tuple[str, str]) -> policy.DocumentedRuleDefault:
    """An admin-only rule for the (method, path) operations it guards."""
    return policy.DocumentedRuleDefault(
        name=name, check_str=ADMIN_API, description=description,
        operations=[{'method': m, 'path': p} for m, p in operations])
