"""/allocations, /allocations/{consumer_uuid} and
/resource_providers/{uuid}/allocations.

Consumer and provider uuids are accepted in every form Placement
accepts (``placement_min.uuids``, doc/api.md section 15) and stored
lowercase dashed; a consumer uuid in the path that is not uuid-like is
a 400 for every method (``path_items.consumer_uuid``).
"""

from typing import Any

import webob

from placement_min import errors
from placement_min import microversion as mv
from placement_min import responses
from placement_min import uuids
from placement_min.handlers import operation
from placement_min.policies import allocation as policies
from placement_min.request import PlacementRequest
from placement_min.schemas import allocation as schemas
from placement_min.schemas import response_bodies
from placement_min.storage import allocation as storage
from placement_min.storage.usage import UNKNOWN_TYPE


def _allocations_by_provider(req: PlacementRequest, data: dict[str, Any]
                             ) -> storage.Allocations:
    """{provider uuid: resources} from either body format.

    A provider named twice (in the list format, or in two spellings of
    its uuid) is refused rather than merged or overwritten. A
    per-provider ``generation`` (1.12+) is ignored, as in Placement:
    clients send back what GET returned.
    """
    if req.version >= mv.ALLOCATIONS_BY_PROVIDER:
        pairs = [(rp_uuid, target['resources'])
                 for rp_uuid, target in data['allocations'].items()]
    else:
        pairs = [(target['resource_provider']['uuid'], target['resources'])
                 for target in data['allocations']]
    allocations: storage.Allocations = {}
    for key, resources in pairs:
        rp_uuid = uuids.canonical(key)
        if rp_uuid is None:
            raise errors.AllocationProviderNotFound(uuid=key)
        if rp_uuid in allocations:
            raise errors.HTTPError(
                400, f'Resource provider {rp_uuid} appears more than once '
                     'in allocations.')
        allocations[rp_uuid] = resources
    return allocations


def consumer_write(req: PlacementRequest, uuid: str,
                   data: dict[str, Any]) -> storage.Write:
    """What one consumer's body (PUT, or an item of POST) asks for.

    A consumer_type of "unknown", which GET shows for a consumer without
    a type, leaves the type as stored.
    """
    consumer_type = data.get('consumer_type')
    return (storage.ConsumerWrite(
        uuid=uuid,
        project_id=data.get('project_id'),
        user_id=data.get('user_id'),
        consumer_type=None if consumer_type == UNKNOWN_TYPE
        else consumer_type,
        check_generation=req.version >= mv.CONSUMER_GENERATIONS,
        generation=data.get('consumer_generation')),
        _allocations_by_provider(req, data))


def consumer_writes(req: PlacementRequest,
                    by_consumer: dict[str, Any]) -> list[storage.Write]:
    """The writes of a {consumer uuid: body} map (POST /allocations and
    /reshaper); a consumer named twice, in two spellings, is refused."""
    writes: dict[str, storage.Write] = {}
    for key, data in by_consumer.items():
        uuid = uuids.canonical(key)
        if uuid is None:
            raise errors.HTTPError(
                400, f'Consumer uuid {errors.shorten(key)!r} is not a '
                     'UUID.')
        if uuid in writes:
            raise errors.HTTPError(
                400, f'Consumer {uuid} appears more than once.')
        writes[uuid] = consumer_write(req, uuid, data)
    return list(writes.values())


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
        # A consumer written below 1.38 has no type: "unknown", as in
        # Placement and in GET /usages.
        body['consumer_type'] = consumer['consumer_type'] or UNKNOWN_TYPE
    return responses.json_response(req, body,
                                   last_modified=consumer['updated_at'])


@operation.declare(
    'Replace all allocations of a consumer, all or nothing.', {204: None},
    policy=policies.UPDATE, bodies=schemas.PUT_BY_VERSION,
    errors=(400, 409))
def replace_allocations(req: PlacementRequest) -> webob.Response:
    storage.replace_for_consumers(req.db, [consumer_write(
        req, req.path_items['consumer_uuid'], req.payload)])
    return responses.empty_response()


@operation.declare(
    'Replace the allocations of several consumers in one transaction, '
    'all or nothing; {} removes a consumer\'s allocations.', {204: None},
    policy=policies.MANAGE, bodies=schemas.POST_BY_VERSION,
    errors=(400, 409))
def post_allocations(req: PlacementRequest) -> webob.Response:
    storage.replace_for_consumers(req.db, consumer_writes(req, req.payload))
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
