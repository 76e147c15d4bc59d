"""Policy defaults for provider aggregates."""

from placement_min.policies import base

PREFIX = 'placement:resource_providers:aggregates:'
LIST = PREFIX + 'list'
UPDATE = PREFIX + 'update'

_PATH = '/resource_providers/{uuid}/aggregates'

RULES = [
    base.admin_rule(LIST, 'List the aggregates of a resource provider.',
                    ('GET', _PATH)),
    base.admin_rule(UPDATE, 'Replace the aggregates of a resource '
                    'provider.', ('PUT', _PATH)),
]
