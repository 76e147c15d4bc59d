"""WSGI middleware that no library already provides.

Each is plain WSGI (no webob): they run on every request.
"""
