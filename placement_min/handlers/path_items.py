"""Path items checked before they reach storage.

A path item that cannot name an object is answered as that object not
existing (404), never as a server error.
"""

import re

from placement_min import errors
from placement_min.query import UUID_RE

_CLASS_RE = re.compile(r'^[A-Z0-9_]{1,255}$')


def provider_uuid(req, key: str = 'uuid') -> str:
    value = req.path_items[key]
    if not UUID_RE.fullmatch(value):
        raise errors.ResourceProviderNotFound(uuid=value)
    return value.lower()


def resource_class(req, key: str = 'resource_class') -> str | None:
    """The class named in the path, or None when it cannot be a class."""
    value = req.path_items[key]
    return value if _CLASS_RE.fullmatch(value) else None
