"""HTTP in, HTTP out: one module per resource.

The application checks what a handler declares (``operation.declare``:
policy rule, path items, query, body) before calling it; the handler
reads the converted input from the request, calls storage, and shapes
the response.
"""
