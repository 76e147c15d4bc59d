"""Create the request context as early as the request id exists.

oslo.log reads the thread's current context, so from here on every log
line of the request carries its request id, even on a 401.
"""

from placement_min.context import RequestContext

ENVIRON_KEY = 'placement.context'


class RequestContextMiddleware:

    def __init__(self, application, enforcer):
        self.application = application
        self.enforcer = enforcer

    def __call__(self, environ, start_response):
        environ[ENVIRON_KEY] = RequestContext(
            request_id=environ.get('openstack.request_id'),
            global_request_id=environ.get('openstack.global_request_id'),
            enforcer=self.enforcer,
            overwrite=True)
        return self.application(environ, start_response)
