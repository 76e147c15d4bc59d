"""The OpenAPI 3.1 description of this API, built from the code.

Paths and methods come from the route table (``router.ROUTES``); bodies,
query parameters and statuses from each handler's ``operation``
declaration, whose validators are the ones the handler enforces. What
every request can get whatever its handler (a bad microversion, no
token, a refused body) is added here, from the pipeline's rules.
"""

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar
from wsgiref.types import StartResponse, WSGIEnvironment

from placement_min import errors
from placement_min import microversion
from placement_min import query
from placement_min import router
from placement_min import uuids
from placement_min.schemas import common
from placement_min.handlers.operation import Handler
from placement_min.microversion import Version
from placement_min.schemas import response_bodies
from placement_min.schemas.common import JSONSchema

T = TypeVar('T')
# A part of the description: a JSON object.
Document = dict[str, Any]
# (first version, last version, handler) of one handler of a method.
Variant = tuple[Version, Version, Handler]

OPENAPI_VERSION = '3.1.0'
DOCUMENT_PATH = '/openapi.json'
_JSON = 'application/json'

# Path items by name; a path item that does not match is a 404 (400 for
# a consumer uuid, which may be any uuid-like form), documented on the
# operation.
PATH_ITEMS = {
    'uuid': common.UUID,
    'consumer_uuid': uuids.UUID_LIKE,
    'resource_class': common.RESOURCE_CLASS,
    'name': common.RESOURCE_CLASS,
}

# Headers on every response (security headers with their defaults,
# which [security_headers] can change).
_EVERY_RESPONSE = {
    'Content-Security-Policy': 'The [security_headers] policy; by '
                               "default nothing may load: default-src "
                               "'none'.",
    'X-Content-Type-Options': 'Always nosniff.',
    'X-Frame-Options': 'DENY by default.',
    'Referrer-Policy': 'no-referrer by default.',
    'Cross-Origin-Resource-Policy': 'same-origin by default.',
    'OpenStack-API-Version': 'The microversion that served the request, '
                             'as "placement X.Y".',
    'Vary': 'openstack-api-version.',
    'x-openstack-request-id': 'The request id, also in error bodies and '
                              'in every server log line of the request.',
}

_SOMETIMES = {
    'Strict-Transport-Security': 'On requests that came over HTTPS.',
    'Location': 'The created or confirmed object.',
    'Last-Modified': 'From microversion 1.15, on responses with a body.',
    'Cache-Control': 'no-cache from microversion 1.15, on responses with '
                     'a body.',
    'Allow': 'The methods this path serves at the request\'s version.',
    'WWW-Authenticate': 'How to authenticate.',
}

_ERROR_MEANINGS = {
    400: 'Bad input: a malformed microversion, query parameter, path item '
         'or body (the detail names the field), or a refused value.',
    401: 'No token, or a token that is not valid.',
    403: 'The policy rule of the operation denies the caller.',
    404: 'No such object, or the path does not exist at this '
         'microversion.',
    405: 'The method is not served at this microversion.',
    406: 'A microversion outside the supported range (the error carries '
         'min_version and max_version), or an Accept header that does '
         'not allow JSON.',
    409: 'A conflict: a generation mismatch, a duplicate, or an object in '
         'use (the code says which).',
    413: 'The body is larger than [oslo_middleware] '
         'max_request_body_size.',
    415: 'The body is not sent as Content-Type: application/json (UTF-8).',
    500: 'An unexpected failure; the detail is fixed and the request id '
         'finds the traceback in the server log.',
    503: 'The database is unavailable; nothing was changed.',
}

_EXTRA_ERROR_HEADERS = {401: ['WWW-Authenticate'], 405: ['Allow']}


def _version(version: Version) -> str:
    return f'{version[0]}.{version[1]}'


def _versions_text(low: Version,
                   high: Version = microversion.MAX_VERSION) -> str:
    if tuple(high) >= microversion.MAX_VERSION:
        return f'microversion {_version(low)} and later'
    return f'microversions {_version(low)} to {_version(high)}'


def json_schema(draft4: Any) -> Any:
    """A Draft 4 schema in the JSON Schema dialect of OpenAPI 3.1.

    Only the boolean exclusive bounds differ among the keywords our
    schemas use. NOTE: Draft 4 also refuses 1.0 as an integer, which
    later drafts accept; the service keeps the stricter reading.
    """
    if isinstance(draft4, list):
        return [json_schema(item) for item in draft4]
    if not isinstance(draft4, dict):
        return draft4
    converted = {key: json_schema(value) for key, value in draft4.items()}
    for bound, exclusive in (('minimum', 'exclusiveMinimum'),
                             ('maximum', 'exclusiveMaximum')):
        if converted.get(exclusive) is True:
            converted[exclusive] = converted.pop(bound)
        elif converted.get(exclusive) is False:
            del converted[exclusive]
    return converted


def _variants(route: router.Route,
              entry: router.MethodEntry) -> list[Variant]:
    """(low, high, handler) for each handler of a method, clipped to the
    versions the route and the service exist at."""
    if not isinstance(entry, tuple):
        entry = (router.Since(route.since, entry),)
    variants = []
    for since in entry:
        low = max(since.low, route.since)
        high = min(since.high, microversion.MAX_VERSION)
        if low <= high:
            variants.append((low, high, since.handler))
    return variants


def _ranges(by_version: Mapping[Version, T], low: Version,
            high: Version) -> list[tuple[Version, Version, T]]:
    """(low, high, value) of a {first version: value} map within
    low..high."""
    starts = sorted(by_version)
    ranges = []
    for index, start in enumerate(starts):
        end = (microversion.before(starts[index + 1])
               if index + 1 < len(starts) else high)
        start, end = max(start, low), min(end, high)
        if start <= end:
            ranges.append((start, end, by_version[starts[index]]))
    return ranges


def _query_maps(variants: list[Variant]
                ) -> Iterator[tuple[Version, query.QueryMap]]:
    """(first version, accepted map) of every query map in force."""
    for low, high, handler in variants:
        for start, _end, accepted in _ranges(handler.operation.query, low,
                                             high):
            yield start, accepted


def _parameters(template: str,
                variants: list[Variant]) -> list[Document]:
    parameters: list[Document] = [{
        'name': name, 'in': 'path', 'required': True,
        'schema': json_schema(PATH_ITEMS[name]),
    } for name in router.path_item_names(template)]
    parameters.append({'$ref': '#/components/parameters/microversion'})
    first_seen, repeatable_from = {}, {}
    for start, accepted in _query_maps(variants):
        for name, check in accepted.items():
            if not isinstance(name, str):
                continue  # a suffixed family: see _families
            if name not in first_seen:
                first_seen[name] = (start, check)
            if (getattr(check, 'repeatable', False)
                    and name not in repeatable_from):
                repeatable_from[name] = start
    for name, (start, check) in sorted(first_seen.items()):
        parameter = {
            'name': name, 'in': 'query',
            'required': check.required,
            'schema': check.schema,
            'description': f'Accepted from {_versions_text(start)}, at most '
                           'once; any other parameter is a 400.',
        }
        if name in repeatable_from:
            parameter['schema'] = {'type': 'array', 'items': check.schema,
                                   'minItems': 1}
            parameter['style'] = 'form'
            parameter['explode'] = True
            parameter['description'] = (
                f'Accepted from {_versions_text(start)}; repeatable from '
                f'{_versions_text(repeatable_from[name])} (each value must '
                'match), at most once before; any other parameter is a 400.')
        parameters.append(parameter)
    return parameters


def _families(variants: list[Variant]) -> list[Document]:
    """Suffixed parameter names (``resources1``, ``required_gpu``): the
    prefix, the suffix pattern and the first version of each."""
    found: dict[tuple[str, str], Version] = {}
    for start, accepted in _query_maps(variants):
        for key in accepted:
            if not isinstance(key, str):
                found.setdefault((key.prefix, key.suffix.pattern), start)
    return [{'prefix': prefix, 'suffix': f'^{pattern}$',
             'since': f'{since.major}.{since.minor}'}
            for (prefix, pattern), since in sorted(
                found.items(), key=lambda item: (item[1], item[0]))]


def _request_body(variants: list[Variant]) -> Document | None:
    alternatives = []
    for low, high, handler in variants:
        for start, end, validator in _ranges(handler.operation.bodies, low,
                                             high):
            alternatives.append({
                'title': f'Body at {_versions_text(start, end)}',
                **json_schema(validator.schema)})
    if not alternatives:
        return None
    if len(alternatives) == 1:
        schema = alternatives[0]
    else:
        # anyOf, not oneOf: a body valid at several versions (a provider
        # with only a name) matches several alternatives.
        schema = {'anyOf': alternatives}
    return {'required': all(h.operation.bodies for *_v, h in variants),
            'description': 'A JSON object; its format depends on the '
                           'microversion (see each alternative\'s title).',
            'content': {_JSON: {'schema': schema}}}


def _header_refs(names: Iterable[str]) -> Document:
    return {name: {'$ref': f'#/components/headers/{name}'}
            for name in names}


def _success(status: int, schema: JSONSchema | None) -> Document:
    names = list(_EVERY_RESPONSE)
    response: Document = {'description': 'Success.'}
    if status == 201:
        names.append('Location')
    if schema is not None:
        names += ['Last-Modified', 'Cache-Control']
        response['content'] = {_JSON: {'schema': json_schema(schema)}}
    response['headers'] = _header_refs(names)
    return response


def _has_gaps(route: router.Route, variants: list[Variant]) -> bool:
    """Whether the method is unserved at some version of the route."""
    expected = tuple(route.since)
    for low, high, _handler in sorted(variants, key=lambda v: v[0]):
        if tuple(low) != expected:
            return True
        expected = (high[0], high[1] + 1)
    return microversion.before(microversion.Version(*expected)) != tuple(
        microversion.MAX_VERSION)


def _error_statuses(route: router.Route, variants: list[Variant],
                    has_body: bool) -> set[int]:
    """Statuses the pipeline gives on top of the handlers' own."""
    statuses = {400, 406, 500}
    if not all(handler.operation.public for *_v, handler in variants):
        statuses |= {401, 403, 503}
    if route.since > microversion.MIN_VERSION:
        statuses.add(404)
    if _has_gaps(route, variants):
        statuses.add(405)
    if has_body:
        statuses |= {413, 415}
    for *_v, handler in variants:
        statuses.update(handler.operation.errors)
    return statuses


def _operation(route: router.Route, variants: list[Variant]) -> Document:
    handlers = [handler for *_v, handler in variants]
    lines = [f'{_versions_text(low, high).capitalize()}: '
             f'{handler.operation.summary}'
             for low, high, handler in variants]
    operation: Document = {
        'operationId': '_or_'.join(
            f'{h.__module__.rsplit(".", 1)[-1]}.{h.__name__}'
            for h in handlers),
        'summary': handlers[-1].operation.summary,
        'description': '\n\n'.join(lines),
        'parameters': _parameters(route.template, variants),
    }
    families = _families(variants)
    if families:
        operation['description'] += '\n\nSuffixed query parameters ' \
            '(any other name is a 400): ' + '; '.join(
                f'{f["prefix"]}{{suffix}} with suffix matching '
                f'{f["suffix"]} from {f["since"]}' for f in families) + '.'
        operation['x-query-parameter-patterns'] = families
    body = _request_body(variants)
    if body is not None:
        operation['requestBody'] = body
    responses = {}
    for handler in handlers:
        for status, schema in handler.operation.success.items():
            responses[str(status)] = _success(status, schema)
    for status in sorted(_error_statuses(route, variants, body is not None)):
        responses[str(status)] = {
            '$ref': f'#/components/responses/error{status}'}
    operation['responses'] = responses
    if all(handler.operation.public for handler in handlers):
        operation['security'] = []
    return operation


def _document_operation() -> Document:
    return {
        'operationId': 'openapi.document',
        'summary': 'This description; served when [api] serve_openapi is '
                   'true, otherwise 404.',
        'parameters': [{'$ref': '#/components/parameters/microversion'}],
        'security': [],
        'responses': {
            '200': _success(200, {'type': 'object'}),
            **{str(status): {'$ref': f'#/components/responses/error{status}'}
               for status in (400, 404, 405, 406, 500)},
        },
    }


def _components() -> Document:
    headers = {name: {'description': text, 'required': True,
                      'schema': {'type': 'string'}}
               for name, text in _EVERY_RESPONSE.items()}
    headers.update({name: {'description': text, 'schema': {'type': 'string'}}
                    for name, text in _SOMETIMES.items()})
    error_responses = {f'error{status}': {
        'description': f'{errors.TITLES[status]}: {meaning}',
        'headers': _header_refs([*_EVERY_RESPONSE,
                                 *_EXTRA_ERROR_HEADERS.get(status, [])]),
        'content': {_JSON: {'schema': {'$ref': '#/components/schemas/Error'}}},
    } for status, meaning in _ERROR_MEANINGS.items()}
    return {
        'schemas': {'Error': json_schema(response_bodies.ERROR)},
        'headers': headers,
        'responses': error_responses,
        'parameters': {'microversion': {
            'name': 'OpenStack-API-Version', 'in': 'header',
            'required': False,
            'description': 'The microversion: "placement X.Y" from '
                           f'{microversion.MIN_VERSION} to '
                           f'{microversion.MAX_VERSION}, or "placement '
                           'latest", possibly among other services\' '
                           '("compute 2.1, placement 1.5"). Absent: 1.0. '
                           'Malformed: 400; out of range: 406.',
            'schema': {'type': 'string'},
        }},
        'securitySchemes': {'token': {
            'type': 'apiKey', 'in': 'header', 'name': 'X-Auth-Token',
            'description': 'A keystone token; with auth_strategy = noauth2 '
                           '(development and tests) "user" or '
                           '"user:project", and the roles, project and '
                           'scope the X-Roles, X-Project-Id and '
                           'OpenStack-System-Scope headers give.'}},
    }


def build(routes: Iterable[router.Route] = router.ROUTES) -> Document:
    """The description of ``routes``, as a JSON-ready dict."""
    paths = {}
    for route in routes:
        path = {}
        for method, entry in route.methods.items():
            variants = _variants(route, entry)
            if variants:
                path[method.lower()] = _operation(route, variants)
        paths[route.template] = path
    paths[DOCUMENT_PATH] = {'get': _document_operation()}
    return {
        'openapi': OPENAPI_VERSION,
        'info': {
            'title': 'placement_min',
            'version': str(microversion.MAX_VERSION),
            'description': 'The OpenStack Placement inventory API '
                           f'(microversions {microversion.MIN_VERSION} to '
                           f'{microversion.MAX_VERSION}), hardened. '
                           'Every request may send OpenStack-API-Version; '
                           'every response carries the headers documented '
                           'on it, errors included.',
        },
        'security': [{'token': []}],
        'paths': paths,
        'components': _components(),
    }


def dumps(document: Document) -> str:
    """Stable text: sorted keys, fixed indentation, final newline."""
    return json.dumps(document, sort_keys=True, indent=2) + '\n'


class DocumentApp:
    """Serves the description at DOCUMENT_PATH, or 404 when disabled."""

    def __init__(self, enabled: bool) -> None:
        self.body = dumps(build()).encode('utf-8') if enabled else None

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        if self.body is None:
            return errors.respond(
                environ, start_response, 404,
                f'The resource {DOCUMENT_PATH} could not be found.')
        if environ['REQUEST_METHOD'] != 'GET':
            return errors.respond(
                environ, start_response, 405,
                f'The method {errors.shorten(environ["REQUEST_METHOD"])} '
                'is not allowed for this resource; allowed: GET.',
                headers=[('Allow', 'GET')])
        start_response('200 OK', [('Content-Type', _JSON),
                                  ('Content-Length', str(len(self.body)))])
        return [self.body]
