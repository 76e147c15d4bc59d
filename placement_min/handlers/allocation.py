"""/allocations/{consumer_uuid} and /resource_providers/{uuid}/allocations.

NOTE: a consumer uuid in the path that is not a UUID is refused with 400
for every method: PUT would otherwise create a consumer that cannot
exist, and GET and DELETE answer the same so that a typo is reported.
"""

from placement_min import errors
from placement_min import responses
from placement_min.handlers import operation
from placement_min.handlers import path_items
from placement_min.policies import allocation as policies
from placement_min.query import UUID_RE
from placement_min.schemas import allocation as schemas
from placement_min.schemas import response_bodies
from placement_min.storage import allocation as storage

_OWNER_SINCE = (1, 12)
_DICT_FORMAT_SINCE = (1, 12)
_CONSUMER_GENERATION_SINCE = (1, 28)
_CONSUMER_TYPE_SINCE = (1, 38)


def _consumer_uuid(req) -> str:
    value = req.path_items['consumer_uuid']
    if not UUID_RE.fullmatch(value):
        raise errors.HTTPError(
            400, f'Consumer uuid {errors.shorten(value)!r} in the path is '
                 'not a UUID.')
    return value.lower()


def _allocations_by_provider(req, data: dict) -> dict[str, dict[str, int]]:
    """{provider uuid: resources} from either body format.

    A provider named twice (in the list format, or in two spellings of
    its uuid) is refused rather than merged or overwritten.
    """
    if req.version >= _DICT_FORMAT_SINCE:
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
    {200: response_bodies.CONSUMER_ALLOCATIONS}, query={(1, 0): {}},
    errors=(400,))
def show_allocations(req):
    req.context.can(policies.LIST)
    req.query_params({})
    consumer = storage.get_for_consumer(req.db, _consumer_uuid(req))
    if consumer is None:
        return responses.json_response(req, {'allocations': {}})
    body = {'allocations': consumer['allocations']}
    if req.version >= _OWNER_SINCE:
        body['project_id'] = consumer['project_id']
        body['user_id'] = consumer['user_id']
    if req.version >= _CONSUMER_GENERATION_SINCE:
        body['consumer_generation'] = consumer['generation']
    if req.version >= _CONSUMER_TYPE_SINCE:
        body['consumer_type'] = consumer['consumer_type']
    return responses.json_response(req, body,
                                   last_modified=consumer['updated_at'])


@operation.declare(
    'Replace all allocations of a consumer, all or nothing.', {204: None},
    bodies=dict(schemas.PUT_BY_VERSION), errors=(400, 409))
def replace_allocations(req):
    req.context.can(policies.UPDATE)
    consumer_uuid = _consumer_uuid(req)
    data = req.json_body(schemas.put_validator(req.version))
    consumer = storage.ConsumerWrite(
        uuid=consumer_uuid,
        project_id=data.get('project_id'),
        user_id=data.get('user_id'),
        consumer_type=data.get('consumer_type'),
        check_generation=req.version >= _CONSUMER_GENERATION_SINCE,
        generation=data.get('consumer_generation'))
    storage.replace_for_consumer(req.db, consumer,
                                 _allocations_by_provider(req, data))
    return responses.empty_response()


@operation.declare('Delete all allocations of a consumer.', {204: None},
                   errors=(400, 404, 409))
def delete_allocations(req):
    req.context.can(policies.DELETE)
    storage.delete_for_consumer(req.db, _consumer_uuid(req))
    return responses.empty_response()


@operation.declare('List the allocations against a resource provider.',
                   {200: response_bodies.PROVIDER_ALLOCATIONS},
                   query={(1, 0): {}}, errors=(404,))
def list_for_provider(req):
    req.context.can(policies.PROVIDER_LIST)
    req.query_params({})
    generation, allocations, newest = storage.list_for_provider(
        req.db, path_items.provider_uuid(req))
    body = {'resource_provider_generation': generation,
            'allocations': {consumer: {'resources': resources}
                            for consumer, resources in allocations.items()}}
    return responses.json_response(req, body, last_modified=newest)
