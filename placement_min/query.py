"""Query strings: each handler declares the parameters it accepts.

A parameter that is not declared, appears twice, is not UTF-8, or fails
its check is a 400 naming it, as is a required one that is missing. Each
check carries, as ``schema``, the JSON schema of the values it accepts,
and, as ``required``, whether a request must give it, for the API
description.
"""

import re
from collections.abc import Callable
from urllib.parse import parse_qsl

from placement_min import errors

# A query parameter's check: the raw value in, the value the handler
# uses out, or ValueError with the reason (the 400 names the parameter).
QueryCheck = Callable[[str], object]
QueryMap = dict[str, QueryCheck]

UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
                     r'[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


def uuid_value(value: str) -> str:
    if not UUID_RE.fullmatch(value):
        raise ValueError('must be a UUID such as '
                         '8a3fd7a8-5b3d-4c4e-9d36-33c8a1c3e0f1')
    return value.lower()


uuid_value.schema = {'type': 'string', 'format': 'uuid'}


# NOTE: control characters are refused as in names in bodies; a NUL
# would otherwise reach PostgreSQL, which cannot compare text with one.
NO_CONTROL_CHARACTERS = '^[^\\x00-\\x1f\\x7f]+$'


def text_value(max_length: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not 1 <= len(value) <= max_length:
            raise ValueError(f'must be 1 to {max_length} characters')
        if not re.fullmatch(NO_CONTROL_CHARACTERS, value):
            raise ValueError('must not contain control characters')
        return value
    check.schema = {'type': 'string', 'minLength': 1,
                    'maxLength': max_length,
                    'pattern': NO_CONTROL_CHARACTERS}
    return check


def required(check: Callable[[str], str]) -> Callable[[str], str]:
    """``check``, marked as the check of a parameter that every request
    must give."""
    check.required = True
    return check


def parse(environ: dict, accepted: QueryMap) -> dict:
    """The checked query parameters, by name."""
    params = _parse_given(environ.get('QUERY_STRING', ''), accepted)
    for name, check in accepted.items():
        if getattr(check, 'required', False) and name not in params:
            raise errors.HTTPError(400, f'Query parameter {name!r} is '
                                        'required.')
    return params


def single_raw_value(environ: dict, name: str) -> str | None:
    """The value of parameter ``name`` as sent, when the query string is
    well formed and gives it exactly once; otherwise None.

    For what is read before the query is validated (a policy target):
    validation comes after, and refuses whatever this could not read.
    """
    try:
        values = [value for given, value
                  in _pairs(environ.get('QUERY_STRING', '')) if given == name]
    except (ValueError, UnicodeError):
        return None
    return values[0] if len(values) == 1 else None


def _pairs(raw: str) -> list[tuple[str, str]]:
    """(name, value) pairs; ValueError or UnicodeError if malformed."""
    if not raw:
        return []
    # PEP 3333 hands the query over as latin-1 decoded bytes; both raw
    # and percent-encoded bytes must be UTF-8.
    return parse_qsl(raw.encode('latin-1').decode('utf-8'),
                     keep_blank_values=True, strict_parsing=True,
                     max_num_fields=20, errors='strict')


def _parse_given(raw: str, accepted: dict) -> dict:
    try:
        pairs = _pairs(raw)
    except (ValueError, UnicodeError):
        raise errors.HTTPError(400, 'Malformed query string.') from None
    params = {}
    for name, value in pairs:
        check = accepted.get(name)
        if check is None:
            allowed = ', '.join(sorted(accepted)) or 'none'
            raise errors.HTTPError(
                400, f'Unknown query parameter {name!r}; accepted: '
                     f'{allowed}.')
        if name in params:
            raise errors.HTTPError(400, f'Query parameter {name!r} is '
                                        'given more than once.')
        try:
            params[name] = check(value)
        except ValueError as exc:
            raise errors.HTTPError(400, f'Invalid query parameter {name!r}:'
                                        f' {exc}.') from None
    return params
