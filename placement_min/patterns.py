"""The shapes of the API's ids and names, each written once.

JSON schemas use the pattern strings (``schemas.common``); query checks
and path item converters use the functions below, which match the whole
string. NOTE: a schema's ``$`` also matches before a final newline, so
the strict JSON reader refuses control characters in bodies itself.
"""

import re

UUID = ('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
        '[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')

# Resource class names; consumer types share their alphabet.
RESOURCE_CLASS = '^[A-Z0-9_]+$'
CUSTOM_RESOURCE_CLASS = '^CUSTOM_[A-Z0-9_]+$'
# The width of the name columns.
MAX_NAME_LENGTH = 255

# NOTE: no field of this API needs a control character: names and ids
# end up in logs and terminals, and a NUL would reach PostgreSQL, which
# cannot compare text holding one.
_CONTROLS = '\\x00-\\x1f\\x7f'
CONTROL_CHARACTER = f'[{_CONTROLS}]'
NO_CONTROL_CHARACTERS = f'^[^{_CONTROLS}]+$'

_UUID_RE = re.compile(UUID)
_RESOURCE_CLASS_RE = re.compile(RESOURCE_CLASS)
_CONTROL_CHARACTER_RE = re.compile(CONTROL_CHARACTER)


def is_uuid(value: str) -> bool:
    """Whether ``value`` is a dashed uuid (any case), nothing more."""
    return _UUID_RE.fullmatch(value) is not None


def is_resource_class(value: str) -> bool:
    """Whether ``value`` can name a resource class (or consumer type)."""
    return (len(value) <= MAX_NAME_LENGTH
            and _RESOURCE_CLASS_RE.fullmatch(value) is not None)


def has_control_character(value: str) -> bool:
    return _CONTROL_CHARACTER_RE.search(value) is not None
