"""The WSGI environ keys through which the pipeline's layers share what
they found out, each named once.

A layer that learns something about the request (its id, its version,
who sent it) leaves it in the environ for the layers inside it; the
error renderer leaves a mark there for the fault barrier outside it.
"""

from oslo_middleware import request_id

# Set by RequestId (oslo.middleware's, as plain WSGI), the outermost
# layer: the request id of logs, error bodies and the
# x-openstack-request-id header, and the global request id a calling
# service may have sent.
REQUEST_ID = request_id.ENV_REQUEST_ID
GLOBAL_REQUEST_ID = request_id.GLOBAL_REQ_ID
# The RequestContext (placement_min.context), set by
# RequestContextMiddleware and completed by IdentityToContext.
CONTEXT = 'placement.context'
# The microversion.Version the request is served at, set by
# MicroversionMiddleware.
MICROVERSION = 'placement.microversion'
# Set by errors.respond: the error response being sent is already the
# JSON error document, which the fault barrier must let through.
ERROR_RENDERED = 'placement.error_rendered'
