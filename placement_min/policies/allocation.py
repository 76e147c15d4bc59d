"""Policy defaults for allocations: admins and services
(``base.admin_rule``)."""

from placement_min.policies import base

ONE = '/allocations/{consumer_uuid}'
PREFIX = 'placement:allocations:'
LIST = PREFIX + 'list'
UPDATE = PREFIX + 'update'
DELETE = PREFIX + 'delete'
PROVIDER_LIST = 'placement:resource_providers:allocations:list'

RULES = [
    base.admin_rule(LIST, 'Show the allocations of a consumer.',
                    ('GET', ONE)),
    base.admin_rule(UPDATE, 'Create or replace the allocations of a '
                            'consumer.',
                    ('PUT', ONE)),
    base.admin_rule(DELETE, 'Delete the allocations of a consumer.',
                    ('DELETE', ONE)),
    base.admin_rule(PROVIDER_LIST, 'List the allocations against a '
                                   'resource provider.',
                    ('GET', '/resource_providers/{uuid}/allocations')),
]
