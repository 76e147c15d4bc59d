"""Policy defaults for usages: admins and services; the usages of a
project (``GET /usages``) also for a reader of that project."""

from placement_min.policies import base

PROVIDER = 'placement:resource_providers:usages'
TOTAL = 'placement:usages'

RULES = [
    base.admin_rule(PROVIDER, 'Show the usages of a resource provider.',
                    ('GET', '/resource_providers/{uuid}/usages')),
    base.rule(TOTAL, f'{base.ADMIN_OR_SERVICE} or ({base.PROJECT_READER})',
              'Show the usages of a project, or of one of its users (1.9+). '
              'The target is the project asked about (the project_id '
              'query parameter), so a reader of that project may read '
              'them.',
              ('GET', '/usages')),
]
