"""/traits, /traits/{name} and /resource_providers/{uuid}/traits (1.6+),
as doc/api.md section 16 describes them."""

import re
from typing import Any

import webob

from placement_min import errors
from placement_min import microversion as mv
from placement_min import patterns
from placement_min import query
from placement_min import responses
from placement_min.handlers import operation
from placement_min.handlers import path_items
from placement_min.policies import trait as policies
from placement_min.request import PlacementRequest
from placement_min.schemas import response_bodies
from placement_min.schemas import trait as schemas
from placement_min.storage import trait as storage

_CUSTOM_RE = re.compile(schemas.CUSTOM_TRAIT_PATTERN)


def _name_filter(value: str) -> dict[str, object]:
    """``name=in:A,B`` or ``name=startswith:P``, as storage arguments.

    NOTE: an unknown operator is refused, where Placement lists every
    trait; the prefix is matched literally (Placement lets ``_`` and
    ``%`` act as SQL wildcards).
    """
    operator, colon, operand = value.partition(':')
    if not colon:
        raise ValueError('must be "in:NAME,NAME" or "startswith:PREFIX"')
    if patterns.has_control_character(value):
        raise ValueError('must not contain control characters')
    if operator == 'in':
        return {'names': frozenset(operand.split(','))}
    if operator == 'startswith':
        return {'prefix': operand}
    raise ValueError(f'unknown operator {errors.shorten(operator, 40)!r}; '
                     'use "in" or "startswith"')


name_filter = query.QueryCheck(
    _name_filter, {'type': 'string',
                   'pattern': f'^(in|startswith):[^{patterns.CONTROLS}]*$'})


def _associated_filter(value: str) -> bool:
    """``associated=true|false``, in any case."""
    lowered = value.lower()
    if lowered not in ('true', 'false'):
        raise ValueError('must be true or false')
    return lowered == 'true'


associated_filter = query.QueryCheck(
    _associated_filter, {'type': 'string',
                         'pattern': '^([tT][rR][uU][eE]|'
                                    '[fF][aA][lL][sS][eE])$'})

LIST_QUERY: query.QueryMap = {'name': name_filter,
                               'associated': associated_filter}


@operation.declare(
    'List traits, filtered by name (in: or startswith:) and by whether '
    'any provider has them.', {200: response_bodies.TRAITS},
    policy=policies.LIST, query={mv.TRAITS: LIST_QUERY})
def list_traits(req: PlacementRequest) -> webob.Response:
    filters = dict(req.query.get('name', {}))
    if 'associated' in req.query:
        filters['associated'] = req.query['associated']
    traits = storage.list_traits(req.db, **filters)
    return responses.json_response(
        req, {'traits': [t['name'] for t in traits]},
        last_modified=responses.newest(*(t['updated_at'] for t in traits)))


@operation.declare('Check that a trait exists.', {204: None},
                   policy=policies.SHOW, path={'name': path_items.trait_name},
                   errors=(404,))
def show_trait(req: PlacementRequest) -> webob.Response:
    found = storage.get(req.db, req.path_items['name'])
    return responses.empty_response_with_cache_headers(
        req, 204, found['created_at'])


@operation.declare(
    'Create a custom trait (201) or confirm that it exists (204), '
    'without a body.', {201: None, 204: None}, policy=policies.UPDATE,
    path={'name': path_items.as_is}, errors=(400,))
def ensure_trait(req: PlacementRequest) -> webob.Response:
    name = req.path_items['name']
    # NOTE: only the form is tested, so a standard trait is a 400 here
    # although it exists, as in Placement.
    if len(name) > 255 or not _CUSTOM_RE.fullmatch(name):
        raise errors.HTTPError(
            400, f'Trait {errors.shorten(name, 60)!r} cannot be created: '
                 'a custom trait is named CUSTOM_ followed by A-Z, 0-9 and '
                 '_ (at most 255 characters).')
    created, found = storage.ensure(req.db, name)
    return responses.empty_response_with_cache_headers(
        req, 201 if created else 204, found['created_at'],
        headers=responses.location(req, f'/traits/{name}'))


@operation.declare('Delete a custom trait that no provider has.',
                   {204: None}, policy=policies.DELETE,
                   path={'name': path_items.trait_name},
                   errors=(400, 404, 409))
def delete_trait(req: PlacementRequest) -> webob.Response:
    storage.delete(req.db, req.path_items['name'])
    return responses.empty_response()


def _provider_body(generation: int, names: list[str]) -> dict[str, Any]:
    return {'traits': names, 'resource_provider_generation': generation}


@operation.declare('List the traits of a resource provider.',
                   {200: response_bodies.PROVIDER_TRAITS},
                   policy=policies.PROVIDER_LIST, errors=(404,))
def list_provider_traits(req: PlacementRequest) -> webob.Response:
    generation, names, newest = storage.list_for_provider(
        req.db, req.path_items['uuid'])
    return responses.json_response(req, _provider_body(generation, names),
                                   last_modified=newest)


@operation.declare(
    'Replace the traits of a resource provider; its generation rises when '
    'the set changes.', {200: response_bodies.PROVIDER_TRAITS},
    policy=policies.PROVIDER_UPDATE,
    bodies={mv.TRAITS: schemas.set_for_provider}, errors=(400, 404, 409))
def replace_provider_traits(req: PlacementRequest) -> webob.Response:
    data = req.payload
    generation, names, newest = storage.set_for_provider(
        req.db, req.path_items['uuid'], data['traits'],
        data['resource_provider_generation'])
    return responses.json_response(req, _provider_body(generation, names),
                                   last_modified=newest)


@operation.declare('Remove every trait of a resource provider.',
                   {204: None}, policy=policies.PROVIDER_DELETE,
                   errors=(404, 409))
def delete_provider_traits(req: PlacementRequest) -> webob.Response:
    storage.delete_for_provider(req.db, req.path_items['uuid'])
    return responses.empty_response()
