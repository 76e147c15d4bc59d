"""Query strings: each handler declares the parameters it accepts.

A parameter that is not declared, appears twice, is not UTF-8, or fails
its check is a 400 naming it, as is a required one that is missing.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.types import WSGIEnvironment

from placement_min import errors
from placement_min import patterns
from placement_min.schemas import common


class QueryCheck:
    """A query parameter's check.

    ``convert`` takes the raw value and returns the value the handler
    uses, or raises ValueError with the reason (the 400 names the
    parameter). ``schema`` is the JSON schema of the values it accepts
    and ``required`` whether every request must give it; the API
    description shows both.
    """

    __slots__ = ('convert', 'required', 'schema')

    def __init__(self, convert: Callable[[str], Any],
                 schema: dict[str, Any], required: bool = False) -> None:
        self.convert = convert
        self.schema = schema
        self.required = required

    def __call__(self, value: str) -> Any:
        return self.convert(value)


QueryMap = dict[str, QueryCheck]


def _uuid(value: str) -> str:
    if not patterns.is_uuid(value):
        raise ValueError('must be a UUID such as '
                         '8a3fd7a8-5b3d-4c4e-9d36-33c8a1c3e0f1')
    return value.lower()


uuid_value = QueryCheck(_uuid, {'type': 'string', 'format': 'uuid'})


def text_value(max_length: int) -> QueryCheck:
    """A check of 1 to ``max_length`` characters, none of them a control
    character."""
    def check(value: str) -> str:
        if not 1 <= len(value) <= max_length:
            raise ValueError(f'must be 1 to {max_length} characters')
        if patterns.has_control_character(value):
            raise ValueError('must not contain control characters')
        return value
    return QueryCheck(check, common.text(max_length))


def required(check: QueryCheck) -> QueryCheck:
    """``check``, as the check of a parameter that every request must
    give."""
    return QueryCheck(check.convert, check.schema, required=True)


def parse(environ: WSGIEnvironment, accepted: QueryMap) -> dict[str, Any]:
    """The checked query parameters, by name."""
    params = _parse_given(environ.get('QUERY_STRING', ''), accepted)
    for name, check in accepted.items():
        if check.required and name not in params:
            raise errors.HTTPError(400, f'Query parameter {name!r} is '
                                        'required.')
    return params


def single_raw_value(environ: WSGIEnvironment, name: str) -> str | None:
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


def _parse_given(raw: str, accepted: QueryMap) -> dict[str, Any]:
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
