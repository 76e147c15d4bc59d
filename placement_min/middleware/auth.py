"""Authentication: noauth2 for development, keystone for production.

Both end the same way: identity headers (X-User-Id, X-Project-Id,
X-Roles, X-Identity-Status) that ``IdentityToContext`` copies into the
request context. keystonemiddleware strips such headers from incoming
requests; ``NoAuth2`` overwrites them, so a client cannot forge them.
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


class NoAuth2:
    """X-Auth-Token "admin" is an administrator; any other token names a
    plain user ("user" or "user:project")."""

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application
        LOG.warning('auth_strategy = noauth2: any token is accepted. Never '
                    'use this outside development.')

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        token = environ.get('HTTP_X_AUTH_TOKEN', '').strip()
        if not token:
            return errors.respond(environ, start_response, 401, _NO_TOKEN,
                                  headers=[('WWW-Authenticate',
                                            'Keystone uri="noauth2"')])
        user, _sep, project = token.partition(':')
        environ['HTTP_X_USER_ID'] = user
        environ['HTTP_X_PROJECT_ID'] = project or user
        environ['HTTP_X_ROLES'] = 'admin' if user == 'admin' else 'member'
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
