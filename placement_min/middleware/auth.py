"""Authentication: noauth2 for development, keystone for production.

Both end the same way: identity headers (X-User-Id, X-Project-Id,
X-Domain-Id, X-Roles, OpenStack-System-Scope, X-Identity-Status) that
``IdentityToContext`` copies into the request context.
keystonemiddleware's auth_token drops or overwrites every such header a
client sends and sets them from the validated token, so in production
identity comes only from the token. ``NoAuth2`` trusts some of them on
purpose (see there).
"""

import logging
from collections.abc import Iterable, Mapping
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from oslo_config import cfg

from placement_min import environ_keys
from placement_min import errors

LOG = logging.getLogger(__name__)

# A message for the client, not a credential.
_NO_TOKEN = 'Authentication is required: send a token in X-Auth-Token.'  # noqa: S105
SYSTEM_SCOPE_ALL = 'all'
# Identity headers a noauth2 client cannot set: they come from the token.
_NOAUTH2_OWN = ('HTTP_X_USER_ID', 'HTTP_X_DOMAIN_ID',
                'HTTP_X_IDENTITY_STATUS')


class NoAuth2:
    """Development and tests only: the token ``user`` or ``user:project``
    names the caller, and the caller says which roles, project and scope
    it has, so that a test or an operator's rig can act as any persona
    (admin, service, project reader, system admin, ...).

    Roles come from ``X-Roles`` when sent, else ``admin`` for the user
    ``admin`` and none for anyone else; ``X-Project-Id`` overrides the
    token's project; ``OpenStack-System-Scope: all`` makes the request
    system-scoped (and then it has no project, as with keystone).
    """

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application
        LOG.warning('auth_strategy = noauth2: any token is accepted, and '
                    'the X-Roles, X-Project-Id and OpenStack-System-Scope '
                    'headers a client sends are trusted, so anyone can '
                    'act as an administrator or a service. Never use '
                    'this outside development and tests; production '
                    'needs auth_strategy = keystone.')

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        token = environ.get('HTTP_X_AUTH_TOKEN', '').strip()
        if not token:
            return errors.respond(environ, start_response, 401, _NO_TOKEN,
                                  headers=[('WWW-Authenticate',
                                            'Keystone uri="noauth2"')])
        scope = environ.get('HTTP_OPENSTACK_SYSTEM_SCOPE', '').strip()
        if scope not in ('', SYSTEM_SCOPE_ALL):
            return errors.respond(
                environ, start_response, 400,
                'OpenStack-System-Scope must be "all" when sent.')
        for key in _NOAUTH2_OWN:
            environ.pop(key, None)
        user, _sep, project = token.partition(':')
        environ['HTTP_X_USER_ID'] = user
        if scope:
            environ['HTTP_OPENSTACK_SYSTEM_SCOPE'] = scope
            environ.pop('HTTP_X_PROJECT_ID', None)
        else:
            environ.pop('HTTP_OPENSTACK_SYSTEM_SCOPE', None)
            environ['HTTP_X_PROJECT_ID'] = (
                environ.get('HTTP_X_PROJECT_ID', '').strip()
                or project or user)
        if 'HTTP_X_ROLES' not in environ:
            environ['HTTP_X_ROLES'] = 'admin' if user == 'admin' else ''
        environ['HTTP_X_IDENTITY_STATUS'] = 'Confirmed'
        return self.application(environ, start_response)


def keystone_auth_token(application: WSGIApplication,
                        conf: cfg.ConfigOpts) -> WSGIApplication:
    """keystonemiddleware's auth_token, configured from [keystone_authtoken]
    of this service's own configuration object."""
    from keystonemiddleware import auth_token  # optional dependency

    protocol: WSGIApplication = auth_token.AuthProtocol(
        application, {'oslo_config_config': conf,
                      'delay_auth_decision': False})
    # NOTE: without it, auth_token asks the identity service for the URI
    # while answering each 401, and fails that request when it cannot:
    # refuse to start instead.
    if not conf.keystone_authtoken.www_authenticate_uri:
        raise ValueError('auth_strategy = keystone needs [keystone_authtoken]'
                         ' www_authenticate_uri (the public identity '
                         'endpoint named in 401 responses).')
    return protocol


class IdentityToContext:
    """Copy the identity the auth layer vouched for into the context."""

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        if environ.get('HTTP_X_IDENTITY_STATUS') != 'Confirmed':
            return errors.respond(environ, start_response, 401, _NO_TOKEN)
        context = environ[environ_keys.CONTEXT]
        context.user_id = environ.get('HTTP_X_USER_ID')
        context.project_id = environ.get('HTTP_X_PROJECT_ID')
        # NOTE: auth_token sets these to None (drops them) for a token of
        # another scope; policy refuses system and domain scope.
        context.domain_id = environ.get('HTTP_X_DOMAIN_ID') or None
        context.system_scope = (
            environ.get('HTTP_OPENSTACK_SYSTEM_SCOPE') or None)
        context.roles = [role.strip().lower() for role in
                         environ.get('HTTP_X_ROLES', '').split(',')
                         if role.strip()]
        context.is_admin = 'admin' in context.roles
        return self.application(environ, start_response)


class PublicPaths:
    """Send the few paths that need no token past authentication."""

    def __init__(self, protected: WSGIApplication,
                 public: Mapping[str, WSGIApplication]) -> None:
        self.protected = protected
        self.public = public

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        app = self.public.get(environ.get('PATH_INFO', ''), self.protected)
        return app(environ, start_response)
