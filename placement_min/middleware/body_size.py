"""oslo.middleware's body size limit, without webob when it only lets a
request through.

HTTP frames a request body with Content-Length or Transfer-Encoding
(RFC 9112, section 6.3): a request with neither has none, and the
limiter would only wrap its empty input in another webob request and
response, some 20 us of every GET. A request whose Content-Length is
a number within the limit is let through as the library lets it
through, untouched, but without the webob request and response the
library's ``wsgify`` wraps around it (about 25 us of every write).
Every other request with a body (too large, chunked, a length webob
would not read) goes through the library's own code.
"""

from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from oslo_config import cfg
from oslo_middleware import sizelimit


def _has_body(environ: WSGIEnvironment) -> bool:
    return (environ.get('CONTENT_LENGTH', '') not in ('', '0')
            or 'HTTP_TRANSFER_ENCODING' in environ
            or bool(environ.get('wsgi.input_terminated')))


class BodySizeLimiter(sizelimit.RequestBodySizeLimiter):
    """RequestBodySizeLimiter for the requests that carry a body."""

    application: WSGIApplication

    def __call__(  # type: ignore[override]
            self, environ: WSGIEnvironment,
            start_response: StartResponse) -> Iterable[bytes]:
        if not _has_body(environ):
            return self.application(environ, start_response)
        length = environ.get('CONTENT_LENGTH', '')
        # NOTE: ASCII digits only: str.isdigit() also admits characters
        # such as '\u00b2' that int() refuses, a 500 for a forged header.
        if (length.isascii() and length.isdigit()
                and 'HTTP_TRANSFER_ENCODING' not in environ
                and int(length) <= self._conf_get('max_request_body_size')):
            return self.application(environ, start_response)
        limited: Iterable[bytes] = super().__call__(environ, start_response)
        return limited


def body_size_limit(application: WSGIApplication,
                    conf: cfg.ConfigOpts) -> WSGIApplication:
    """``application`` behind the body size limit."""
    return BodySizeLimiter(application, conf)
