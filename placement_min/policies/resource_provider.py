"""Policy defaults for resource providers: admins and services
(``base.admin_rule``)."""

from placement_min.policies import base

PREFIX = 'placement:resource_providers:'
LIST = PREFIX + 'list'
CREATE = PREFIX + 'create'
SHOW = PREFIX + 'show'
UPDATE = PREFIX + 'update'
DELETE = PREFIX + 'delete'

RULES = [
    base.admin_rule(LIST, 'List resource providers.',
                    ('GET', '/resource_providers')),
    base.admin_rule(CREATE, 'Create a resource provider.',
                    ('POST', '/resource_providers')),
    base.admin_rule(SHOW, 'Show a resource provider.',
                    ('GET', '/resource_providers/{uuid}')),
    base.admin_rule(UPDATE, 'Update a resource provider.',
                    ('PUT', '/resource_providers/{uuid}')),
    base.admin_rule(DELETE, 'Delete a resource provider.',
                    ('DELETE', '/resource_providers/{uuid}')),
]
