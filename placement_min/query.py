"""Query strings: each handler declares the parameters it accepts.

A parameter that is not declared, appears twice, is not UTF-8, or fails
its check is a 400 naming it, as is a required one that is missing. Each
check carries, as ``schema``, the JSON schema of the values it accepts,
and, as ``required``, whether a request must give it, for the API
description.
"""

from collections.abc import Callable
from urllib.parse import parse_qsl

from placement_min import errors
from placement_min import patterns
from placement_min.schemas import common

# A query parameter's check: the raw value in, the value the handler
# uses out, or ValueError with the reason (the 400 names the parameter).
QueryCheck = Callable[[str], object]
QueryMap = dict[str, QueryCheck]


def uuid_value(value: str) -> str:
    if not patterns.is_uuid(value):
        raise ValueError('must be a UUID such as '
                         '8a3fd7a8-5b3d-4c4e-9d36-33c8a1c3e0f1')
    return value.lower()


uuid_value.schema = {'type': 'string', 'format': 'uuid'}


def text_value(max_length: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not 1 <= len(value) <= max_length:
            raise ValueError(f'must be 1 to {max_length} characters')
        if patterns.has_control_character(value):
            raise ValueError('must not contain control characters')
        return value
    check.schema = common.text(max_length)
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


def _parse_given(raw: str, accepted: dict) -> dict:
    if not raw:
        return {}
    try:
        # PEP 3333 hands the query over as latin-1 decoded bytes; both
        # raw and percent-encoded bytes must be UTF-8.
        pairs = parse_qsl(raw.encode('latin-1').decode('utf-8'),
                          keep_blank_values=True, strict_parsing=True,
                          max_num_fields=20, errors='strict')
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
