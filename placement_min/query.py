"""Query strings: each handler declares the parameters it accepts.

A parameter that is not declared, is not UTF-8, or fails its check is a
400 naming it, as is a required one that is missing, and one given twice
unless its check is marked ``repeatable`` (the API makes a few
parameters repeatable, from some microversion on).

Besides plain names, a map may declare *families* of names
(``Suffixed('resources', SUFFIX, ...)``: ``resources1``,
``resources_gpu``, ...), so an operation whose parameter names carry a
suffix still refuses every name it did not declare. A check may refuse a
value with ``InvalidValue`` to give its own error code, and may carry
``duplicate_code``, the code of the 400 for a repeat.
"""

import re
from collections.abc import Callable
from typing import Any, NamedTuple
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
    description shows both. A ``listed`` parameter reaches the handler
    as the list of its checked values, in the order given; a
    ``repeatable`` one may be given more than once. ``duplicate_code``
    is the error code of the 400 for a repeat of one that is not.
    """

    __slots__ = ('convert', 'duplicate_code', 'listed', 'repeatable',
                 'required', 'schema')

    def __init__(self, convert: Callable[[str], Any],
                 schema: dict[str, Any], required: bool = False,
                 listed: bool = False, repeatable: bool = False,
                 duplicate_code: str = errors.UNDEFINED_CODE) -> None:
        self.convert = convert
        self.schema = schema
        self.required = required
        self.listed = listed
        self.repeatable = repeatable
        self.duplicate_code = duplicate_code

    def __call__(self, value: str) -> Any:
        return self.convert(value)


class Suffixed(NamedTuple):
    """A family of parameter names: ``prefix`` followed by a suffix
    matching ``suffix`` (a compiled pattern), written ``pattern_text``
    in details."""

    prefix: str
    suffix: re.Pattern[str]
    pattern_text: str

    def matches(self, name: str) -> bool:
        return (name.startswith(self.prefix)
                and self.suffix.fullmatch(name[len(self.prefix):])
                is not None)


QueryMap = dict[str | Suffixed, QueryCheck]


class InvalidValue(ValueError):
    """A check's refusal that carries its own error code."""

    def __init__(self, reason: str,
                 code: str = errors.UNDEFINED_CODE) -> None:
        super().__init__(reason)
        self.code = code

# NOTE: enough for the largest query the API allows (granular
# allocation-candidate requests repeat resources, required and member_of
# for each of many groups) and no more: parsing is bounded before any
# check runs.
MAX_PARAMETERS = 128


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
    return QueryCheck(check.convert, check.schema, required=True,
                      duplicate_code=check.duplicate_code)


def listed(check: QueryCheck, repeatable: bool) -> QueryCheck:
    """``check``, for a parameter that the handler receives as the list
    of its checked values; ``repeatable`` says whether a request may give
    it more than once (at the microversion of the query map holding
    it)."""
    return QueryCheck(check.convert, check.schema, check.required,
                      listed=True, repeatable=repeatable,
                      duplicate_code=check.duplicate_code)


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


def _check_for(name: str, accepted: QueryMap) -> QueryCheck | None:
    check = accepted.get(name)
    if check is None:
        for key, family_check in accepted.items():
            if isinstance(key, Suffixed) and key.matches(name):
                return family_check
    return check


def _describe(accepted: QueryMap) -> str:
    names = sorted(key if isinstance(key, str)
                   else key.prefix + key.pattern_text for key in accepted)
    return ', '.join(names) or 'none'


def _pairs(raw: str) -> list[tuple[str, str]]:
    """(name, value) pairs; ValueError or UnicodeError if malformed."""
    if not raw:
        return []
    # PEP 3333 hands the query over as latin-1 decoded bytes; both raw
    # and percent-encoded bytes must be UTF-8.
    return parse_qsl(raw.encode('latin-1').decode('utf-8'),
                     keep_blank_values=True, strict_parsing=True,
                     max_num_fields=MAX_PARAMETERS, errors='strict')


def _parse_given(raw: str, accepted: QueryMap) -> dict[str, Any]:
    if raw.count('&') >= MAX_PARAMETERS:
        raise errors.HTTPError(400, f'Too many query parameters: at most '
                                    f'{MAX_PARAMETERS} are accepted.')
    try:
        pairs = _pairs(raw)
    except (ValueError, UnicodeError):
        raise errors.HTTPError(400, 'Malformed query string.') from None
    params: dict[str, Any] = {}
    for name, value in pairs:
        check = _check_for(name, accepted)
        if check is None:
            raise errors.HTTPError(
                400, f'Unknown query parameter {errors.shorten(name)!r}; '
                     f'accepted: {_describe(accepted)}.')
        if name in params and not check.repeatable:
            raise errors.HTTPError(
                400, f'Query parameter {name!r} is given more than once.',
                code=check.duplicate_code)
        try:
            checked = check(value)
        except ValueError as exc:
            raise errors.HTTPError(
                400, f'Invalid query parameter {errors.shorten(name)!r}: '
                     f'{exc}.',
                code=getattr(exc, 'code', errors.UNDEFINED_CODE)) from None
        if check.listed:
            params.setdefault(name, []).append(checked)
        else:
            params[name] = checked
    return params
