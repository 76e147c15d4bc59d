"""Policy defaults for inventories: admins and services
(``base.admin_rule``)."""

from placement_min.policies import base

INV = '/resource_providers/{uuid}/inventories'
ONE = INV + '/{resource_class}'
PREFIX = 'placement:resource_providers:inventories:'
LIST = PREFIX + 'list'
CREATE = PREFIX + 'create'
SHOW = PREFIX + 'show'
UPDATE = PREFIX + 'update'
DELETE = PREFIX + 'delete'

RULES = [
    base.admin_rule(LIST, 'List the inventories of a resource provider.',
                    ('GET', INV)),
    base.admin_rule(CREATE, 'Create one inventory of a resource provider.',
                    ('POST', INV)),
    base.admin_rule(SHOW, 'Show one inventory of a resource provider.',
                    ('GET', ONE)),
    base.admin_rule(UPDATE, 'Replace all inventories of a provider, or one.',
                    ('PUT', INV), ('PUT', ONE)),
    base.admin_rule(DELETE, 'Delete all inventories of a provider, or one.',
                    ('DELETE', INV), ('DELETE', ONE)),
]
