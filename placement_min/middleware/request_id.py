"""oslo.middleware's RequestId as plain WSGI.

NOTE: the library's layer is a webob ``wsgify``: it wraps every request
in a webob request and every response in a webob response, only to set
two environ keys and add one header, some 20 us of every request. This
subclass does the same with the library's own names, format and
generator, and without webob.
"""

import re
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from oslo_context import context
from oslo_middleware import request_id

from placement_min import environ_keys
from placement_min.middleware import ExcInfo, Write

_GLOBAL_ID = re.compile(request_id.ID_FORMAT)
_INBOUND = 'HTTP_' + request_id.INBOUND_HEADER.upper().replace('-', '_')
_HEADER = request_id.HTTP_RESP_HEADER_REQUEST_ID


class RequestId(request_id.RequestId):
    """A new request id for every request, in the environ and on the
    response (unless a layer inside already set the header); a global
    request id a caller sends is kept when it has the library's form."""

    application: WSGIApplication

    def __call__(  # type: ignore[override]
            self, environ: WSGIEnvironment,
            start_response: StartResponse) -> Iterable[bytes]:
        global_id = environ.get(_INBOUND, '')
        if _GLOBAL_ID.match(global_id):
            environ[environ_keys.GLOBAL_REQUEST_ID] = global_id
        req_id = context.generate_request_id()
        environ[environ_keys.REQUEST_ID] = req_id
        header = (_HEADER, req_id)

        def start(status: str, headers: list[tuple[str, str]],
                  exc_info: ExcInfo | None = None) -> Write:
            if not any(name.lower() == _HEADER for name, _ in headers):
                headers.append(header)
            return start_response(status, headers, exc_info)

        body = self.application(environ, start)
        if environ.get('REQUEST_METHOD') == 'HEAD':
            # As webob's response does: the headers of a GET, no body.
            if hasattr(body, 'close'):
                body.close()
            return []
        return body
