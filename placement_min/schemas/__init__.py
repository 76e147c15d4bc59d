"""JSON schemas of request bodies, one module per resource.

Every object has additionalProperties false; validators are compiled
once, at import.
"""
