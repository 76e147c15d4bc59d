"""/resource_providers/{uuid}/inventories[/{resource_class}]."""

from placement_min import errors
from placement_min import responses
from placement_min.handlers import operation
from placement_min.handlers import path_items
from placement_min.policies import inventory as policies
from placement_min.schemas import inventory as schemas
from placement_min.schemas import response_bodies
from placement_min.storage import inventory as storage

_RESERVED_EQUALS_TOTAL_SINCE = (1, 26)


def inventory_fields(req, uuid: str, rc: str, data: dict) -> dict:
    """The stored fields: defaults filled in, cross-field rules checked.

    NOTE: min_unit > max_unit is refused (such an inventory could never
    be allocated); max_unit > total is accepted as Placement does, since
    max_unit defaults to the largest integer.
    """
    fields = dict(schemas.DEFAULTS)
    fields.update((k, data[k]) for k in storage.FIELDS if k in data)
    fields['allocation_ratio'] = float(fields['allocation_ratio'])
    total, reserved = fields['total'], fields['reserved']
    if req.version >= _RESERVED_EQUALS_TOTAL_SINCE:
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


def _class_in_path(req, uuid: str, missing) -> str:
    rc = path_items.resource_class(req)
    if rc is None:
        raise missing(uuid=uuid, resource_class=req.path_items[
            'resource_class'])
    return rc


def _one_body(generation: int, fields: dict) -> dict:
    return {'resource_provider_generation': generation, **fields}


def _all_body(generation: int, inventories: dict) -> dict:
    return {'resource_provider_generation': generation,
            'inventories': inventories}


@operation.declare('List the inventories of a resource provider.',
                   {200: response_bodies.INVENTORIES}, errors=(404,))
def list_inventories(req):
    req.context.can(policies.LIST)
    generation, inventories, newest = storage.list_for_provider(
        req.db, path_items.provider_uuid(req))
    return responses.json_response(req, _all_body(generation, inventories),
                                   last_modified=newest)


@operation.declare(
    'Add the inventory of one resource class to a resource provider.',
    {201: response_bodies.INVENTORY}, bodies={(1, 0): schemas.create},
    errors=(400, 404, 409))
def create_inventory(req):
    req.context.can(policies.CREATE)
    uuid = path_items.provider_uuid(req)
    data = req.json_body(schemas.create)
    rc = data['resource_class']
    fields = inventory_fields(req, uuid, rc, data)
    generation = storage.create_one(req.db, uuid, rc, fields)
    return responses.json_response(
        req, _one_body(generation, fields), status=201,
        headers={'Location':
                 f'/resource_providers/{uuid}/inventories/{rc}'})


@operation.declare(
    'Replace all inventories of a resource provider at once.',
    {200: response_bodies.INVENTORIES},
    bodies={(1, 0): schemas.replace_all}, errors=(400, 404, 409))
def replace_inventories(req):
    req.context.can(policies.UPDATE)
    uuid = path_items.provider_uuid(req)
    data = req.json_body(schemas.replace_all)
    inventories = {rc: inventory_fields(req, uuid, rc, fields)
                   for rc, fields in data['inventories'].items()}
    generation = storage.replace_all(
        req.db, uuid, data['resource_provider_generation'], inventories)
    return responses.json_response(req, _all_body(generation, inventories))


@operation.declare('Delete all inventories of a resource provider.',
                   {204: None}, errors=(404, 409))
def delete_inventories(req):
    """DELETE all inventories (1.5+)."""
    req.context.can(policies.DELETE)
    storage.replace_all(req.db, path_items.provider_uuid(req), None, {})
    return responses.empty_response()


@operation.declare(
    'Show the inventory of one resource class on a resource provider.',
    {200: response_bodies.INVENTORY}, errors=(404,))
def show_inventory(req):
    req.context.can(policies.SHOW)
    uuid = path_items.provider_uuid(req)
    rc = _class_in_path(req, uuid, errors.InventoryNotFound)
    generation, fields, updated_at = storage.get_one(req.db, uuid, rc)
    return responses.json_response(req, _one_body(generation, fields),
                                   last_modified=updated_at)


@operation.declare(
    'Update the inventory of one resource class on a resource provider.',
    {200: response_bodies.INVENTORY},
    bodies={(1, 0): schemas.update_one}, errors=(400, 404, 409))
def update_inventory(req):
    req.context.can(policies.UPDATE)
    uuid = path_items.provider_uuid(req)
    rc = _class_in_path(req, uuid, errors.InventoryClassAbsent)
    data = req.json_body(schemas.update_one)
    fields = inventory_fields(req, uuid, rc, data)
    generation = storage.update_one(
        req.db, uuid, rc, data['resource_provider_generation'], fields)
    return responses.json_response(req, _one_body(generation, fields))


@operation.declare(
    'Delete the inventory of one resource class from a resource provider.',
    {204: None}, errors=(404, 409))
def delete_inventory(req):
    req.context.can(policies.DELETE)
    uuid = path_items.provider_uuid(req)
    rc = _class_in_path(req, uuid, errors.InventoryNotFound)
    storage.delete_one(req.db, uuid, rc)
    return responses.empty_response()
