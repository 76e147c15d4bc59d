"""Policy defaults for traits and provider traits."""

from placement_min.policies import base

PREFIX = 'placement:traits:'
LIST = PREFIX + 'list'
SHOW = PREFIX + 'show'
UPDATE = PREFIX + 'update'
DELETE = PREFIX + 'delete'

PROVIDER_PREFIX = 'placement:resource_providers:traits:'
PROVIDER_LIST = PROVIDER_PREFIX + 'list'
PROVIDER_UPDATE = PROVIDER_PREFIX + 'update'
PROVIDER_DELETE = PROVIDER_PREFIX + 'delete'

_PROVIDER_PATH = '/resource_providers/{uuid}/traits'

RULES = [
    base.admin_rule(LIST, 'List traits.', ('GET', '/traits')),
    base.admin_rule(SHOW, 'Show a trait.', ('GET', '/traits/{name}')),
    base.admin_rule(UPDATE, 'Create a custom trait.',
                    ('PUT', '/traits/{name}')),
    base.admin_rule(DELETE, 'Delete a custom trait.',
                    ('DELETE', '/traits/{name}')),
    base.admin_rule(PROVIDER_LIST, 'List the traits of a resource '
                    'provider.', ('GET', _PROVIDER_PATH)),
    base.admin_rule(PROVIDER_UPDATE, 'Replace the traits of a resource '
                    'provider.', ('PUT', _PROVIDER_PATH)),
    base.admin_rule(PROVIDER_DELETE, 'Remove every trait of a resource '
                    'provider.', ('DELETE', _PROVIDER_PATH)),
]
