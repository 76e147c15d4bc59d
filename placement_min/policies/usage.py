"""Policy defaults for usages: admin only."""

from placement_min.policies import base

PROVIDER = 'placement:resource_providers:usages'
TOTAL = 'placement:usages'

RULES = [
    base.admin_rule(PROVIDER, 'Show the usages of a resource provider.',
                    ('GET', '/resource_providers/{uuid}/usages')),
    base.admin_rule(TOTAL, 'Show the usages of a project, or of one of '
                           'its users (1.9+).',
                    ('GET', '/usages')),
]
