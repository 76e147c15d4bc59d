"""oslo.middleware's body size limit, for the requests that carry a body.

HTTP frames a request body with Content-Length or Transfer-Encoding
(RFC 9112, section 6.3): a request with neither has none, and the
limiter would only wrap its empty input in another webob request and
response, some 20 us of every GET.
"""

from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from oslo_config import cfg
from oslo_middleware import sizelimit


def _has_body(environ: WSGIEnvironment) -> bool:
    return (environ.get('CONTENT_LENGTH', '') not in ('', '0')
            or 'HTTP_TRANSFER_ENCODING' in environ
            or bool(environ.get('wsgi.input_terminated')))


def body_size_limit(application: WSGIApplication,
                    conf: cfg.ConfigOpts) -> WSGIApplication:
    """``application`` behind RequestBodySizeLimiter when a body comes."""
    limiter = sizelimit.RequestBodySizeLimiter(application, conf)

    def limited(environ: WSGIEnvironment,
                start_response: StartResponse) -> Iterable[bytes]:
        if _has_body(environ):
            return limiter(environ, start_response)
        return application(environ, start_response)
    return limited
