"""The strict JSON reader every handler uses for request bodies.

Stricter than json.loads: UTF-8 only, a JSON object at the top, no
duplicate keys, no NaN or Infinity (also none by overflow, as 1e400),
bounded nesting, a JSON schema with additionalProperties false, and no
control character in any string or key. Each refusal is a 400 (415 for
a wrong content type, 413 for a body over the size limit) whose detail
says what was wrong without echoing the body.
"""

import json
import math
import re
from collections.abc import Iterable
from typing import Any, NoReturn

import fastjsonschema
import jsonschema
import webob.exc

from placement_min import errors
from placement_min import patterns
from placement_min.request import PlacementRequest

JSON_TYPE = 'application/json'
# The identifier by which fastjsonschema picks its Draft 4 rules.
_DRAFT_4 = jsonschema.Draft4Validator.META_SCHEMA['$schema']
_DETAIL_LIMIT = 300
# Half of a UTF-16 surrogate pair, escaped; alone it decodes to a string
# that cannot be encoded as UTF-8, so storage would fail on it.
_SURROGATE_ESCAPE = re.compile(r'\\u[dD][89a-fA-F][0-9a-fA-F]{2}')


class _Refused(ValueError):
    """A JSON construct this reader refuses, with a message of our own."""


def _object_without_duplicates(pairs: list[tuple[str, Any]]
                               ) -> dict[str, Any]:
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise _Refused(f'duplicate key {json.dumps(key)[:100]}')
        obj[key] = value
    return obj


def _refuse_constant(name: str) -> NoReturn:
    raise _Refused(f'{name} is not a JSON number')


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused('number out of range')
    return value


def _has_lone_surrogate(data: dict[str, Any]) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode('utf-8')
    except UnicodeEncodeError:
        return True
    return False


def _depth(value: object) -> int:
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        children: Iterable[object]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        todo.extend((child, level + 1) for child in children)
    return deepest


class Schema:
    """A request body's JSON schema (Draft 4, so that 1.0 is not an
    integer), checked in two steps.

    fastjsonschema's check, compiled to Python once, passes a valid body
    at a fifteenth of jsonschema's cost or less (40 us instead of 690
    for PUT of 30 inventories). A body it refuses goes to jsonschema,
    whose verdict is final and whose error names the field. The
    compiled check may thus be stricter than jsonschema, never laxer:
    it is stricter in one place, a pattern's ``$`` before a final
    newline (which the reader refuses anyway), and
    tests/unit/test_schemas.py holds the two to that on every schema.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        jsonschema.Draft4Validator.check_schema(schema)
        self.schema = schema
        self.judge = jsonschema.Draft4Validator(schema)
        self.passes = fastjsonschema.compile(
            {**schema, '$schema': _DRAFT_4}, use_default=False,
            use_formats=False)

    def first_error(self, data: object
                    ) -> jsonschema.ValidationError | None:
        """The error that best explains why ``data`` is invalid; None
        when it is valid."""
        try:
            self.passes(data)
        except fastjsonschema.JsonSchemaException:
            best: jsonschema.ValidationError | None = (
                jsonschema.exceptions.best_match(
                    self.judge.iter_errors(data)))
            return best
        return None


def _check_content_type(req: PlacementRequest) -> None:
    # Media types are case-insensitive (RFC 9110, section 8.3.1).
    if req.content_type.lower() != JSON_TYPE:
        raise errors.HTTPError(
            415, 'The request body must be JSON, sent with Content-Type: '
                 'application/json.')
    charset = req.headers.get('Content-Type', '').lower()
    if 'charset=' in charset and 'charset=utf-8' not in charset.replace(
            '"', '').replace(' ', ''):
        raise errors.HTTPError(415, 'The request body must be UTF-8.')


def _field_name(path: Iterable[object]) -> str:
    name = '/'.join(str(part) for part in path)
    if not name.isprintable():
        name = name.encode('unicode_escape').decode('ascii')
    return name or '(request body)'


def _path_to_control_character(value: object, path: tuple[object, ...] = ()
                               ) -> tuple[object, ...] | None:
    """The path of the first key or string holding a control character.

    NOTE: no field of this API admits one, and the schemas' patterns
    cannot refuse a final newline: Python's ``$``, which jsonschema
    uses, also matches before one.
    """
    if isinstance(value, str):
        return path if patterns.has_control_character(value) else None
    children: Iterable[tuple[object, object]]
    if isinstance(value, dict):
        children = value.items()
    elif isinstance(value, list):
        children = enumerate(value)
    else:
        return None
    for key, child in children:
        if isinstance(key, str) and patterns.has_control_character(key):
            return (*path, key)
        found = _path_to_control_character(child, (*path, key))
        if found is not None:
            return found
    return None


def read(req: PlacementRequest, validator: Schema,
         max_depth: int) -> dict[str, Any]:
    """The request body as a validated dict, or an HTTPError."""
    _check_content_type(req)
    text = _text(req)
    data = _parse(text)
    if _depth(data) > max_depth:
        raise errors.HTTPError(
            400, f'The request body nests deeper than {max_depth} levels.')
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(data):
        raise errors.HTTPError(
            400, 'Refused JSON in request body: a string holds half of a '
                 'UTF-16 surrogate pair, which is not a character.')
    _check_fields(data, text, validator)
    return data


def _text(req: PlacementRequest) -> str:
    try:
        raw = req.body
    except webob.exc.HTTPRequestEntityTooLarge:
        raise errors.HTTPError(
            413, 'The request body is larger than this service accepts.'
        ) from None
    if not raw:
        raise errors.HTTPError(400, 'The request body is empty; a JSON '
                                    'object is required.')
    try:
        return raw.decode('utf-8')
    except UnicodeDecodeError:
        raise errors.HTTPError(400, 'The request body is not valid '
                                    'UTF-8.') from None


def _parse(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text,
                          object_pairs_hook=_object_without_duplicates,
                          parse_constant=_refuse_constant,
                          parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise errors.HTTPError(
            400, f'Malformed JSON in request body: {exc.msg} at '
                 f'character {exc.pos}.') from None
    except _Refused as exc:
        raise errors.HTTPError(
            400, f'Refused JSON in request body: {exc}.') from None
    except (ValueError, RecursionError):
        # int() over its digit limit, or nesting too deep to parse.
        raise errors.HTTPError(
            400, 'Refused JSON in request body: a number is too long or '
                 'the nesting is too deep.') from None
    if not isinstance(data, dict):
        raise errors.HTTPError(400, 'The request body must be a JSON '
                                    'object.')
    return data


def _check_fields(data: dict[str, Any], text: str,
                  validator: Schema) -> None:
    error = validator.first_error(data)
    if error is not None:
        message = error.message
        if len(message) > _DETAIL_LIMIT:
            message = message[:_DETAIL_LIMIT] + '...'
        raise errors.HTTPError(
            400, f"Invalid input for field "
                 f"'{_field_name(error.absolute_path)}': {message}")
    # Strict JSON has control characters in strings only as escapes.
    if '\\' in text:
        path = _path_to_control_character(data)
        if path is not None:
            raise errors.HTTPError(
                400, f"Invalid input for field '{_field_name(path)}': "
                     f"control characters are not allowed.")
