"""Policy defaults for the reshaper: services only.

Reshaping moves inventories and allocations between providers in one
step; only the service that owns those providers (Nova's compute
service) knows when that is right, so an admin may not (except in
legacy mode, whose admin-only default this rule keeps as deprecated).
"""

from placement_min.policies import base

RESHAPE = 'placement:reshaper:reshape'

RULES = [
    base.rule(RESHAPE, base.SERVICE,
              'Reshape inventories and allocations of providers in one '
              'transaction (1.30+).',
              ('POST', '/reshaper')),
]
