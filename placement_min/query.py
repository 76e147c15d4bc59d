"""Query strings: each handler declares the parameters it accepts.

A parameter that is not declared, is not UTF-8, or fails its check is a
400 naming it, as is a required one that is missing, and one given twice
unless its check is marked ``repeatable`` (the API makes a few
parameters repeatable, from some microversion on). Each check carries,
as ``schema``, the JSON schema of the values it accepts, and, as
``required`` and ``repeatable``, whether a request must give it and may
give it more than once, for the API description.

Besides plain names, a map may declare *families* of names
(``Suffixed('resources', SUFFIX, ...)``: ``resources1``,
``resources_gpu``, ...), so an operation whose parameter names carry a
suffix still refuses every name it did not declare. A check may refuse a
value with ``InvalidValue`` to give its own error code, and may carry
``duplicate_code``, the code of the 400 for a repeat.
"""

import re
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import parse_qsl

from placement_min import errors
from placement_min.schemas import common

# A query parameter's check: the raw value in, the value the handler
# uses out, or ValueError with the reason (the 400 names the parameter).
QueryCheck = Callable[[str], object]


class Suffixed(NamedTuple):
    """A family of parameter names: ``prefix`` followed by a suffix
    matching ``suffix`` (a compiled pattern), written ``pattern_text``
    in details."""

    prefix: str
    suffix: re.Pattern
    pattern_text: str

    def matches(self, name: str) -> bool:
        return (name.startswith(self.prefix)
                and self.suffix.fullmatch(name[len(self.prefix):])
                is not None)


QueryMap = dict[str | Suffixed, QueryCheck]


class InvalidValue(ValueError):
    """A check's refusal that carries its own error code."""

    def __init__(self, reason: str, code: str = errors.UNDEFINED_CODE):
        super().__init__(reason)
        self.code = code

# NOTE: enough for the largest query the API allows (granular
# allocation-candidate requests repeat resources, required and member_of
# for each of many groups) and no more: parsing is bounded before any
# check runs.
MAX_PARAMETERS = 128

UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
                     r'[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


def uuid_value(value: str) -> str:
    if not UUID_RE.fullmatch(value):
        raise ValueError('must be a UUID such as '
                         '8a3fd7a8-5b3d-4c4e-9d36-33c8a1c3e0f1')
    return value.lower()


uuid_value.schema = {'type': 'string', 'format': 'uuid'}


UUID_LIKE_RE = re.compile(common.UUID_LIKE_PATTERN)


def normalise_uuid_like(value: str) -> str:
    """A value of one of the forms of ``common.UUID_LIKE_PATTERN`` as a
    lowercase dashed UUID; ValueError when it is none of them."""
    if not UUID_LIKE_RE.fullmatch(value):
        raise ValueError(f'{errors.shorten(value, 60)!r} is not a UUID')
    digits = re.sub('[^0-9a-fA-F]', '', value.removeprefix('urn:uuid:'))
    digits = digits.lower()
    return (f'{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-'
            f'{digits[20:]}')


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


def listed(check: QueryCheck, repeatable: bool) -> QueryCheck:
    """``check``, for a parameter that the handler receives as the list
    of its checked values, in the order given; ``repeatable`` says
    whether a request may give it more than once (at the microversion
    of the query map holding it). A new function: ``check`` itself may
    be shared by other maps."""
    def each(value: str) -> object:
        return check(value)
    each.schema = check.schema
    each.listed = True
    each.repeatable = repeatable
    return each


def parse(environ: dict, accepted: QueryMap) -> dict:
    """The checked query parameters, by name."""
    params = _parse_given(environ.get('QUERY_STRING', ''), accepted)
    for name, check in accepted.items():
        if getattr(check, 'required', False) and name not in params:
            raise errors.HTTPError(400, f'Query parameter {name!r} is '
                                        'required.')
    return params


def _check_for(name: str, accepted: dict) -> QueryCheck | None:
    check = accepted.get(name)
    if check is None:
        for key, family_check in accepted.items():
            if isinstance(key, Suffixed) and key.matches(name):
                return family_check
    return check


def _describe(accepted: dict) -> str:
    names = sorted(key if isinstance(key, str)
                   else key.prefix + key.pattern_text for key in accepted)
    return ', '.join(names) or 'none'


def _parse_given(raw: str, accepted: dict) -> dict:
    if not raw:
        return {}
    if raw.count('&') >= MAX_PARAMETERS:
        raise errors.HTTPError(400, f'Too many query parameters: at most '
                                    f'{MAX_PARAMETERS} are accepted.')
    try:
        # PEP 3333 hands the query over as latin-1 decoded bytes; both
        # raw and percent-encoded bytes must be UTF-8.
        pairs = parse_qsl(raw.encode('latin-1').decode('utf-8'),
                          keep_blank_values=True, strict_parsing=True,
                          max_num_fields=MAX_PARAMETERS, errors='strict')
    except (ValueError, UnicodeError):
        raise errors.HTTPError(400, 'Malformed query string.') from None
    params = {}
    for name, value in pairs:
        check = _check_for(name, accepted)
        if check is None:
            raise errors.HTTPError(
                400, f'Unknown query parameter {errors.shorten(name)!r}; '
                     f'accepted: {_describe(accepted)}.')
        if name in params and not getattr(check, 'repeatable', False):
            raise errors.HTTPError(
                400, f'Query parameter {name!r} is given more than once.',
                code=getattr(check, 'duplicate_code', errors.UNDEFINED_CODE))
        try:
            checked = check(value)
        except ValueError as exc:
            raise errors.HTTPError(
                400, f'Invalid query parameter {errors.shorten(name)!r}: '
                     f'{exc}.',
                code=getattr(exc, 'code', errors.UNDEFINED_CODE)) from None
        if getattr(check, 'listed', False):
            params.setdefault(name, []).append(checked)
        else:
            params[name] = checked
    return params
