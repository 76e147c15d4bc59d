"""Security headers on every response, whichever layer produced it."""

from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from oslo_config import cfg

from placement_min.middleware import ExcInfo, Write

# Headers a response must not carry: they advertise server software.
_DROPPED = frozenset({'server', 'x-powered-by'})


class SecurityHeaders:

    def __init__(self, application: WSGIApplication,
                 conf: cfg.ConfigOpts) -> None:
        self.application = application
        group = conf.security_headers
        self.headers = [(name, value) for name, value in (
            ('Content-Security-Policy', group.content_security_policy),
            ('X-Content-Type-Options', 'nosniff'),
            ('X-Frame-Options', group.x_frame_options),
            ('Referrer-Policy', group.referrer_policy),
            ('Cross-Origin-Resource-Policy',
             group.cross_origin_resource_policy),
        ) if value]
        self.hsts = group.strict_transport_security
        self.no_store = group.cache_control_no_store

    def _decorate(self, environ: WSGIEnvironment,
                  headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        headers = [(k, v) for k, v in headers
                   if k.lower() not in _DROPPED
                   and not (self.no_store and k.lower() == 'cache-control')]
        headers.extend(self.headers)
        if self.hsts and environ.get('wsgi.url_scheme') == 'https':
            headers.append(('Strict-Transport-Security', self.hsts))
        if self.no_store:
            headers.append(('Cache-Control', 'no-store'))
        return headers

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]],
                  exc_info: ExcInfo | None = None) -> Write:
            return start_response(status, self._decorate(environ, headers),
                                  exc_info)
        return self.application(environ, start)
