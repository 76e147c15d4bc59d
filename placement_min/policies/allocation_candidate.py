"""Policy defaults for allocation candidates."""

from placement_min.policies import base

LIST = 'placement:allocation_candidates:list'

RULES = [
    base.admin_rule(LIST, 'List the allocation candidates that could serve '
                          'a request (1.10+).',
                    ('GET', '/allocation_candidates')),
]
