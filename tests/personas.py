"""The callers Placement's RBAC is written for, as noauth2 headers.

README "Authentication and policy" names them: an admin, a service user
(Nova), the admin, member and reader of a project, and a system-scoped
admin and reader. noauth2 takes the user from the token, the project
from X-Project-Id, the roles from X-Roles and the scope from
OpenStack-System-Scope.
"""

PROJECT = 'project-a'
OTHER_PROJECT = 'project-b'

PERSONAS = {
    'admin': {'X-Auth-Token': 'admin', 'X-Roles': 'admin',
              'X-Project-Id': 'admin-project'},
    'service': {'X-Auth-Token': 'nova', 'X-Roles': 'service',
                'X-Project-Id': 'service'},
    'project_admin': {'X-Auth-Token': 'project-admin',
                      'X-Roles': 'admin,member,reader',
                      'X-Project-Id': PROJECT},
    'project_member': {'X-Auth-Token': 'project-member',
                       'X-Roles': 'member,reader', 'X-Project-Id': PROJECT},
    'project_reader': {'X-Auth-Token': 'project-reader', 'X-Roles': 'reader',
                       'X-Project-Id': PROJECT},
    'system_admin': {'X-Auth-Token': 'system-admin', 'X-Roles': 'admin',
                     'OpenStack-System-Scope': 'all'},
    'system_reader': {'X-Auth-Token': 'system-reader', 'X-Roles': 'reader',
                      'OpenStack-System-Scope': 'all'},
}

# Whom the standard rule (role:admin or role:service) admits.
ADMINS = frozenset({'admin', 'project_admin'})
STANDARD = ADMINS | {'service'}
# Who reads a project's usages besides them: its member and reader.
PROJECT_READERS = frozenset({'project_member', 'project_reader'})
