"""/reshaper (1.30+): move inventory and the allocations on it at once."""

from typing import Any

import webob

from placement_min import errors
from placement_min import responses
from placement_min import uuids
from placement_min.handlers import allocation
from placement_min.handlers import inventory
from placement_min.handlers import operation
from placement_min.policies import reshaper as policies
from placement_min.request import PlacementRequest
from placement_min.schemas import reshaper as schemas
from placement_min.storage import reshaper as storage


def _inventories(req: PlacementRequest,
                 by_provider: dict[str, Any]) -> storage.Inventories:
    """{provider uuid: (generation, {class: fields})}, each inventory
    checked as PUT inventories checks it (reserved against total for the
    version, min_unit against max_unit)."""
    inventories: storage.Inventories = {}
    for key, entry in by_provider.items():
        uuid = uuids.canonical(key)
        if uuid is None:
            raise errors.ReshapeProviderNotFound(uuid=key,
                                                 part='inventories')
        if uuid in inventories:
            raise errors.HTTPError(
                400, f'Resource provider {uuid} appears more than once in '
                     'inventories.')
        inventories[uuid] = (
            entry['resource_provider_generation'],
            {rc: inventory.inventory_fields(req, uuid, rc, fields)
             for rc, fields in entry['inventories'].items()})
    return inventories


@operation.declare(
    'Replace the inventories of resource providers and the allocations of '
    'consumers in one transaction, all or nothing.', {204: None},
    policy=policies.RESHAPE, bodies=schemas.BY_VERSION,
    errors=(400, 409))
def reshape(req: PlacementRequest) -> webob.Response:
    data = req.payload
    storage.reshape(req.db, _inventories(req, data['inventories']),
                    allocation.consumer_writes(req, data['allocations']))
    return responses.empty_response()
