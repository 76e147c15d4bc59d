"""/resource_providers/{uuid}/inventories[/{resource_class}]."""

from typing import Any

import webob

from placement_min import errors
from placement_min import microversion as mv
from placement_min import patterns
from placement_min import responses
from placement_min.handlers import operation
from placement_min.handlers import path_items
from placement_min.policies import inventory as policies
from placement_min.request import PlacementRequest
from placement_min.schemas import inventory as schemas
from placement_min.schemas import response_bodies
from placement_min.storage import inventory as storage


def inventory_fields(req: PlacementRequest, uuid: str, rc: str,
                     data: dict[str, Any]) -> dict[str, Any]:
    """The stored fields: defaults filled in, cross-field rules checked.

    NOTE: min_unit > max_unit is refused (such an inventory could never
    be allocated); max_unit > total is accepted as Placement does, since
    max_unit defaults to the largest integer.
    """
    fields = dict(schemas.DEFAULTS)
    fields.update((k, data[k]) for k in storage.FIELDS if k in data)
    fields['allocation_ratio'] = float(fields['allocation_ratio'])
    total, reserved = fields['total'], fields['reserved']
    if req.version >= mv.RESERVED_EQUALS_TOTAL:
        if reserved > total:
            raise errors.InvalidInventory(
                uuid=uuid, resource_class=rc,
                reason='reserved must not exceed total.')
    elif reserved >= total:
        raise errors.InvalidInventory(
            uuid=uuid, resource_class=rc,
            reason='reserved must be less than total (before '
                   'microversion 1.26).')
    if fields['min_unit'] > fields['max_unit']:
        raise errors.InvalidInventory(
            uuid=uuid, resource_class=rc,
            reason='min_unit must not exceed max_unit.')
    return fields


def _class_in_path(req: PlacementRequest) -> str:
    """The class of a GET or DELETE: no inventory (404) when the path
    cannot name a class."""
    rc = req.path_items['resource_class']
    if not patterns.is_resource_class(rc):
        raise errors.InventoryNotFound(uuid=req.path_items['uuid'],
                                       resource_class=rc)
    return rc


def _one_body(generation: int, fields: dict[str, Any]) -> dict[str, Any]:
    return {'resource_provider_generation': generation, **fields}


def _all_body(generation: int,
              inventories: dict[str, Any]) -> dict[str, Any]:
    return {'resource_provider_generation': generation,
            'inventories': inventories}


@operation.declare('List the inventories of a resource provider.',
                   {200: response_bodies.INVENTORIES},
                   policy=policies.LIST, errors=(404,))
def list_inventories(req: PlacementRequest) -> webob.Response:
    generation, inventories, newest = storage.list_for_provider(
        req.db, req.path_items['uuid'])
    return responses.json_response(req, _all_body(generation, inventories),
                                   last_modified=newest)


@operation.declare(
    'Add the inventory of one resource class to a resource provider.',
    {201: response_bodies.INVENTORY}, policy=policies.CREATE,
    bodies={mv.BASE: schemas.create}, errors=(400, 404, 409))
def create_inventory(req: PlacementRequest) -> webob.Response:
    uuid = req.path_items['uuid']
    data = req.payload
    rc = data['resource_class']
    fields = inventory_fields(req, uuid, rc, data)
    generation = storage.create_one(req.db, uuid, rc, fields)
    return responses.json_response(
        req, _one_body(generation, fields), status=201,
        headers=responses.location(
            req, f'/resource_providers/{uuid}/inventories/{rc}'))


@operation.declare(
    'Replace all inventories of a resource provider at once.',
    {200: response_bodies.INVENTORIES},
    policy=policies.UPDATE, bodies={mv.BASE: schemas.replace_all},
    errors=(400, 404, 409))
def replace_inventories(req: PlacementRequest) -> webob.Response:
    uuid = req.path_items['uuid']
    data = req.payload
    inventories = {rc: inventory_fields(req, uuid, rc, fields)
                   for rc, fields in data['inventories'].items()}
    generation = storage.replace_all(
        req.db, uuid, data['resource_provider_generation'], inventories)
    return responses.json_response(req, _all_body(generation, inventories))


@operation.declare('Delete all inventories of a resource provider.',
                   {204: None}, policy=policies.DELETE, errors=(404, 409))
def delete_inventories(req: PlacementRequest) -> webob.Response:
    """DELETE all inventories (1.5+)."""
    storage.replace_all(req.db, req.path_items['uuid'], None, {})
    return responses.empty_response()


@operation.declare(
    'Show the inventory of one resource class on a resource provider.',
    {200: response_bodies.INVENTORY}, policy=policies.SHOW, errors=(404,))
def show_inventory(req: PlacementRequest) -> webob.Response:
    uuid = req.path_items['uuid']
    rc = _class_in_path(req)
    generation, fields, updated_at = storage.get_one(req.db, uuid, rc)
    return responses.json_response(req, _one_body(generation, fields),
                                   last_modified=updated_at)


@operation.declare(
    'Update the inventory of one resource class on a resource provider.',
    {200: response_bodies.INVENTORY},
    policy=policies.UPDATE, bodies={mv.BASE: schemas.update_one},
    errors=(400, 404, 409))
def update_inventory(req: PlacementRequest) -> webob.Response:
    """A class that does not exist is 404, as in Placement (clients show
    that status); one the provider has no inventory of is 400."""
    uuid = req.path_items['uuid']
    rc = path_items.resource_class_name(req.path_items['resource_class'])
    data = req.payload
    fields = inventory_fields(req, uuid, rc, data)
    generation = storage.update_one(
        req.db, uuid, rc, data['resource_provider_generation'], fields)
    return responses.json_response(req, _one_body(generation, fields))


@operation.declare(
    'Delete the inventory of one resource class from a resource provider.',
    {204: None}, policy=policies.DELETE, errors=(404, 409))
def delete_inventory(req: PlacementRequest) -> webob.Response:
    uuid = req.path_items['uuid']
    rc = _class_in_path(req)
    storage.delete_one(req.db, uuid, rc)
    return responses.empty_response()
