"""HTTP in, HTTP out: one module per resource.

A handler checks its policy rule first, reads the path items and the
validated body, calls storage, and shapes the response.
"""
