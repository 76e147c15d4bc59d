"""The fault barrier: no exception text, and no library's error page,
ever reaches a client.

An exception escaping any layer below becomes a 500 (503 when the
database is unreachable) with a fixed detail and the request id; the
traceback goes to the log, where the request id finds it. An error
response that a library middleware below produced in its own format
(webob's HTML 413, keystonemiddleware's 401) is replaced by the JSON
error document, keeping only the headers a client needs.
"""

import logging
import sys
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from placement_min import environ_keys
from placement_min import errors
from placement_min.middleware import ExcInfo, Write

LOG = logging.getLogger(__name__)

_KEPT_HEADERS = frozenset({'allow', 'www-authenticate', 'retry-after'})

_DETAILS = {
    400: 'The request is malformed.',
    401: 'Authentication is required: the request carries no valid token.',
    403: 'The request is not allowed.',
    404: 'The resource could not be found.',
    405: 'The method is not allowed for this resource.',
    406: 'Only application/json responses can be served.',
    411: 'The request needs a Content-Length.',
    413: 'The request body is larger than this service accepts.',
    415: 'The request body must be sent as application/json.',
    503: 'The service is unavailable; try again later.',
}


class FaultBarrier:

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        foreign: list[tuple[int, list[tuple[str, str]]]] = []
        started: list[str] = []

        def start(status: str, headers: list[tuple[str, str]],
                  exc_info: ExcInfo | None = None) -> Write:
            code = int(status[:3])
            if code >= 400 and not environ.get(environ_keys.ERROR_RENDERED):
                foreign.append((code, headers))
                return _discard
            started.append(status)
            return start_response(status, headers, exc_info)

        try:
            body = self.application(environ, start)
        except errors.DatabaseUnavailable:
            return errors.respond(environ,
                                  _restart(start_response, started), 503,
                                  errors.GENERIC_503_DETAIL)
        except Exception:
            LOG.exception('Unhandled error serving %s',
                          environ.get('REQUEST_METHOD'))
            return errors.respond(environ,
                                  _restart(start_response, started), 500,
                                  errors.GENERIC_500_DETAIL)
        if not foreign:
            return body
        if hasattr(body, 'close'):
            body.close()
        code, headers = foreign[0]
        kept = [(k, v) for k, v in headers if k.lower() in _KEPT_HEADERS]
        return errors.respond(environ, start_response, code,
                              _DETAILS.get(code, errors.GENERIC_500_DETAIL),
                              headers=kept)


def _discard(_data: bytes) -> None:
    """write() callable handed out for a response that will be replaced."""


def _restart(start_response: StartResponse,
             started: list[str]) -> StartResponse:
    """start_response for the error response after a failure.

    exc_info goes along only when a response was already started, as
    WSGI requires; otherwise webob (under oslo.middleware's layers)
    re-raises it, and the exception would escape every layer above.
    """
    if not started:
        return start_response

    def start(status: str, headers: list[tuple[str, str]],
              exc_info: ExcInfo | None = None) -> Write:
        return start_response(status, headers, sys.exc_info())
    return start
