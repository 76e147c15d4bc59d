"""UUIDs as clients write them, and the one form this service keeps.

Placement takes any string that oslo.utils' ``is_uuid_like`` accepts:
upper case, without dashes (or with dashes anywhere), in braces, or
prefixed ``urn:uuid:``. This service accepts the same forms where
Placement does and turns each into the lowercase dashed form it stores
and shows, so that every spelling of a uuid names the same object.
"""

import re
import uuid

# 32 hex digits with dashes anywhere between them.
_HEX = '-*(?:[0-9a-fA-F]-*){32}'
# The uuid-like forms, for JSON schemas.
UUID_LIKE_PATTERN = rf'^(?:urn:)?(?:uuid:)?\{{?{_HEX}\}}?$'
_UUID_LIKE = re.compile(rf'^(?:urn:)?(?:uuid:)?\{{?({_HEX})\}}?$')

UUID_LIKE = {'type': 'string', 'pattern': UUID_LIKE_PATTERN}


def canonical(value: str) -> str | None:
    """``value`` as a lowercase dashed uuid; None when it is not one."""
    match = _UUID_LIKE.fullmatch(value)
    if match is None:
        return None
    return str(uuid.UUID(hex=match[1].replace('-', '')))
