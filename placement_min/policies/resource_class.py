"""Policy defaults for resource classes: admins and services
(``base.admin_rule``)."""

from placement_min.policies import base

PREFIX = 'placement:resource_classes:'
LIST = PREFIX + 'list'
CREATE = PREFIX + 'create'
SHOW = PREFIX + 'show'
UPDATE = PREFIX + 'update'
DELETE = PREFIX + 'delete'

RULES = [
    base.admin_rule(LIST, 'List resource classes.',
                    ('GET', '/resource_classes')),
    base.admin_rule(CREATE, 'Create a custom resource class.',
                    ('POST', '/resource_classes')),
    base.admin_rule(SHOW, 'Show a resource class.',
                    ('GET', '/resource_classes/{name}')),
    base.admin_rule(UPDATE, 'Rename (1.2-1.6) or ensure (1.7+) a class.',
                    ('PUT', '/resource_classes/{name}')),
    base.admin_rule(DELETE, 'Delete a custom resource class.',
                    ('DELETE', '/resource_classes/{name}')),
]
