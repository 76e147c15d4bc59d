"""/resource_providers/{uuid}/aggregates (1.1+)."""

from placement_min import errors
from placement_min import microversion as mv
from placement_min import query
from placement_min import responses
from placement_min.handlers import operation
from placement_min.policies import aggregate as policies
from placement_min.schemas import aggregate as schemas
from placement_min.schemas import response_bodies
from placement_min.storage import aggregate as storage


def _body(req, generation: int, uuids: list[str]) -> dict:
    body = {'aggregates': uuids}
    if req.version >= mv.AGGREGATES_GENERATION:
        body['resource_provider_generation'] = generation
    return body


def _provider_exists(req) -> None:
    """The provider is looked up before the body is read: an unknown
    provider is a 404 whatever the body holds, as in Placement."""
    storage.check_provider(req.db, req.path_items['uuid'])


def _normalised(uuids: list[str]) -> list[str]:
    """Every spelling of a uuid (upper case, no dashes, braces,
    urn:uuid:) as one lowercase dashed aggregate uuid.

    NOTE: Placement stores the spelling it was sent, so two spellings
    are two aggregates there; here they are one, and a body naming one
    aggregate twice, in any spellings, is refused.
    """
    seen = {}
    for position, value in enumerate(uuids):
        uuid = query.normalise_uuid_like(value)
        if uuid in seen:
            raise errors.HTTPError(
                400, f'Aggregates {seen[uuid] + 1} and {position + 1} of the '
                     f'list are both aggregate {uuid}.')
        seen[uuid] = position
    return list(seen)


@operation.declare(
    'List the aggregates of a resource provider; from 1.19 with its '
    'generation.', {200: response_bodies.PROVIDER_AGGREGATES},
    policy=policies.LIST, errors=(404,))
def list_aggregates(req):
    generation, uuids = storage.list_for_provider(req.db,
                                                  req.path_items['uuid'])
    return responses.json_response(req, _body(req, generation, uuids))


@operation.declare(
    'Replace the aggregates of a resource provider: a list before 1.19; '
    'from 1.19 with the generation, which rises by one.',
    {200: response_bodies.PROVIDER_AGGREGATES},
    policy=policies.UPDATE, precheck=_provider_exists,
    bodies={mv.AGGREGATES: schemas.set_v1_1,
            mv.AGGREGATES_GENERATION: schemas.set_v1_19},
    errors=(400, 404, 409))
def replace_aggregates(req):
    data = req.payload
    if req.version >= mv.AGGREGATES_GENERATION:
        uuids, generation = (data['aggregates'],
                             data['resource_provider_generation'])
    else:
        uuids, generation = data, None
    uuids = _normalised(uuids)
    generation = storage.set_for_provider(req.db, req.path_items['uuid'],
                                          uuids, generation)
    return responses.json_response(req, _body(req, generation, uuids))
