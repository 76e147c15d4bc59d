"""/resource_classes and /resource_classes/{name} (1.2+)."""

from typing import Any

import webob

from placement_min import errors
from placement_min import microversion as mv
from placement_min import patterns
from placement_min import responses
from placement_min.handlers import operation
from placement_min.handlers import path_items
from placement_min.policies import resource_class as policies
from placement_min.request import PlacementRequest
from placement_min.schemas import resource_class as schemas
from placement_min.schemas import response_bodies
from placement_min.storage import resource_class as storage


def _body(name: str) -> dict[str, Any]:
    return {'name': name,
            'links': [{'rel': 'self', 'href': f'/resource_classes/{name}'}]}


@operation.declare('List resource classes, standard and custom.',
                   {200: response_bodies.RESOURCE_CLASSES},
                   policy=policies.LIST)
def list_classes(req: PlacementRequest) -> webob.Response:
    classes = storage.list_classes(req.db)
    return responses.json_response(
        req, {'resource_classes': [_body(rc['name']) for rc in classes]},
        last_modified=responses.newest(*(rc['updated_at']
                                         for rc in classes)))


@operation.declare('Create a custom resource class.', {201: None},
                   policy=policies.CREATE,
                   bodies={mv.CUSTOM_RESOURCE_CLASSES: schemas.create},
                   errors=(400, 409))
def create_class(req: PlacementRequest) -> webob.Response:
    name = req.payload['name']
    storage.create(req.db, name)
    return responses.empty_response(
        201, headers=responses.location(req, f'/resource_classes/{name}'))


@operation.declare('Show a resource class.',
                   {200: response_bodies.RESOURCE_CLASS},
                   policy=policies.SHOW, errors=(404,))
def show_class(req: PlacementRequest) -> webob.Response:
    rc = storage.get(req.db, req.path_items['name'])
    return responses.json_response(req, _body(rc['name']),
                                   last_modified=rc['updated_at'])


@operation.declare('Rename a custom resource class.',
                   {200: response_bodies.RESOURCE_CLASS},
                   policy=policies.UPDATE,
                   bodies={mv.CUSTOM_RESOURCE_CLASSES: schemas.rename},
                   errors=(400, 404, 409))
def rename_class(req: PlacementRequest) -> webob.Response:
    """PUT at 1.2 to 1.6: rename a custom class."""
    name = req.path_items['name']
    new_name = req.payload['name']
    rc = storage.rename(req.db, name, new_name)
    return responses.json_response(req, _body(rc['name']),
                                   last_modified=rc['updated_at'])


@operation.declare(
    'Create a custom resource class (201) or confirm that it exists '
    '(204), without a body.', {201: None, 204: None}, policy=policies.UPDATE,
    path={'name': path_items.as_is}, errors=(400,))
def ensure_class(req: PlacementRequest) -> webob.Response:
    """PUT from 1.7: create the custom class (201) or confirm it (204)."""
    name = req.path_items['name']
    if (not patterns.is_resource_class(name)
            or schemas.create.first_error({'name': name}) is not None):
        raise errors.HTTPError(
            400, 'A resource class created with PUT must be named '
                 'CUSTOM_ followed by A-Z, 0-9 and _ (at most 255 '
                 'characters).')
    created = storage.ensure(req.db, name)
    location = responses.location(req, f'/resource_classes/{name}')
    return responses.empty_response(201 if created else 204,
                                    headers=location)


@operation.declare('Delete a custom resource class.', {204: None},
                   policy=policies.DELETE, errors=(400, 404, 409))
def delete_class(req: PlacementRequest) -> webob.Response:
    storage.delete(req.db, req.path_items['name'])
    return responses.empty_response()
