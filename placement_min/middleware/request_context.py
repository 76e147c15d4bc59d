"""Create the request context as early as the request id exists.

oslo.log reads the thread's current context, so from here on every log
line of the request carries its request id, even on a 401.
"""

from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from placement_min import environ_keys
from placement_min.context import Enforcer
from placement_min.context import RequestContext


class RequestContextMiddleware:

    def __init__(self, application: WSGIApplication,
                 enforcer: Enforcer) -> None:
        self.application = application
        self.enforcer = enforcer

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        environ[environ_keys.CONTEXT] = RequestContext(
            request_id=environ.get(environ_keys.REQUEST_ID),
            global_request_id=environ.get(environ_keys.GLOBAL_REQUEST_ID),
            enforcer=self.enforcer,
            overwrite=True)
        return self.application(environ, start_response)
