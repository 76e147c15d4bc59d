"""Policy defaults for the reshaper."""

from placement_min.policies import base

RESHAPE = 'placement:reshaper:reshape'

RULES = [
    base.admin_rule(RESHAPE, 'Replace the inventories of several resource '
                             'providers and the allocations of several '
                             'consumers in one transaction.',
                    ('POST', '/reshaper')),
]
