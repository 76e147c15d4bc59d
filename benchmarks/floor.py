"""The floor: the cheapest WSGI application, served with the same flags.

Its requests per second are what uwsgi, the loopback network and the
load generator allow on this machine; each scenario is reported as a
fraction of it.
"""

# A 200-byte JSON document: {"floor": "xxx...x"}.
BODY = b'{"floor": "' + b'x' * 187 + b'"}'
_HEADERS = (('Content-Type', 'application/json'),
            ('Content-Length', str(len(BODY))))


def application(environ, start_response):
    start_response('200 OK', list(_HEADERS))
    return [BODY]
