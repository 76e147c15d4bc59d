"""One access line per request, logged when the response starts.

Method, path, status, length, microversion and duration; never headers
or the body. Values in the query string are masked with oslo.utils'
mask_password, and anything unprintable is escaped, so a crafted path
cannot forge log lines.
"""

import logging
import time
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from oslo_utils import strutils

from placement_min import environ_keys
from placement_min.middleware import ExcInfo, Write

LOG = logging.getLogger('placement_min.access')


def printable(text: str) -> str:
    if text.isprintable():
        return text
    return ''.join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class AccessLog:

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()

        def log_start(status: str, headers: list[tuple[str, str]],
                      exc_info: ExcInfo | None = None) -> Write:
            length = next((v for k, v in headers
                           if k.lower() == 'content-length'), '-')
            path = environ.get('PATH_INFO', '')
            query = environ.get('QUERY_STRING')
            if query:
                path = f'{path}?{strutils.mask_password(query)}'
            LOG.info('%s %s status: %s len: %s microversion: %s '
                     'time: %.6f',
                     environ.get('REQUEST_METHOD'), printable(path),
                     status[:3], length,
                     environ.get(environ_keys.MICROVERSION, '-'),
                     time.monotonic() - started)
            return start_response(status, headers, exc_info)

        return self.application(environ, log_start)
