"""/allocations/{consumer_uuid} and /resource_providers/{uuid}/allocations.

A consumer uuid in the path that is not a UUID is a 400 for every
method (``path_items.consumer_uuid``).
"""

from typing import Any

import webob

from placement_min import errors
from placement_min import microversion as mv
from placement_min import responses
from placement_min.handlers import operation
from placement_min.policies import allocation as policies
from placement_min.request import PlacementRequest
from placement_min.schemas import allocation as schemas
from placement_min.schemas import response_bodies
from placement_min.storage import allocation as storage


def _allocations_by_provider(req: PlacementRequest, data: dict[str, Any]
                             ) -> dict[str, dict[str, int]]:
    """{provider uuid: resources} from either body format.

    A provider named twice (in the list format, or in two spellings of
    its uuid) is refused rather than merged or overwritten.
    """
    if req.version >= mv.ALLOCATIONS_BY_PROVIDER:
        pairs = [(rp_uuid, target['resources'])
                 for rp_uuid, target in data['allocations'].items()]
    else:
        pairs = [(target['resource_provider']['uuid'], target['resources'])
                 for target in data['allocations']]
    allocations = {}
    for rp_uuid, resources in pairs:
        rp_uuid = rp_uuid.lower()
        if rp_uuid in allocations:
            raise errors.HTTPError(
                400, f'Resource provider {rp_uuid} appears more than once '
                     'in allocations.')
        allocations[rp_uuid] = resources
    return allocations


@operation.declare(
    'Show the allocations of a consumer ({} when it has none).',
    {200: response_bodies.CONSUMER_ALLOCATIONS}, policy=policies.LIST,
    errors=(400,))
def show_allocations(req: PlacementRequest) -> webob.Response:
    consumer = storage.get_for_consumer(req.db,
                                        req.path_items['consumer_uuid'])
    if consumer is None:
        return responses.json_response(req, {'allocations': {}})
    body = {'allocations': consumer['allocations']}
    if req.version >= mv.ALLOCATIONS_BY_PROVIDER:
        body['project_id'] = consumer['project_id']
        body['user_id'] = consumer['user_id']
    if req.version >= mv.CONSUMER_GENERATIONS:
        body['consumer_generation'] = consumer['generation']
    if req.version >= mv.CONSUMER_TYPES:
        body['consumer_type'] = consumer['consumer_type']
    return responses.json_response(req, body,
                                   last_modified=consumer['updated_at'])


@operation.declare(
    'Replace all allocations of a consumer, all or nothing.', {204: None},
    policy=policies.UPDATE, bodies=schemas.PUT_BY_VERSION,
    errors=(400, 409))
def replace_allocations(req: PlacementRequest) -> webob.Response:
    data = req.payload
    consumer = storage.ConsumerWrite(
        uuid=req.path_items['consumer_uuid'],
        project_id=data.get('project_id'),
        user_id=data.get('user_id'),
        consumer_type=data.get('consumer_type'),
        check_generation=req.version >= mv.CONSUMER_GENERATIONS,
        generation=data.get('consumer_generation'))
    storage.replace_for_consumer(req.db, consumer,
                                 _allocations_by_provider(req, data))
    return responses.empty_response()


@operation.declare('Delete all allocations of a consumer.', {204: None},
                   policy=policies.DELETE, errors=(400, 404, 409))
def delete_allocations(req: PlacementRequest) -> webob.Response:
    storage.delete_for_consumer(req.db, req.path_items['consumer_uuid'])
    return responses.empty_response()


@operation.declare('List the allocations against a resource provider.',
                   {200: response_bodies.PROVIDER_ALLOCATIONS},
                   policy=policies.PROVIDER_LIST, errors=(404,))
def list_for_provider(req: PlacementRequest) -> webob.Response:
    generation, allocations, newest = storage.list_for_provider(
        req.db, req.path_items['uuid'])
    body = {'resource_provider_generation': generation,
            'allocations': {consumer: {'resources': resources}
                            for consumer, resources in allocations.items()}}
    return responses.json_response(req, body, last_modified=newest)
