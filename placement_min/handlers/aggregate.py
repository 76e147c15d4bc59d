"""/resource_providers/{uuid}/aggregates (1.1+), as doc/api.md section
17 describes them."""

from typing import Any, cast

import webob

from placement_min import errors
from placement_min import microversion as mv
from placement_min import responses
from placement_min import uuids
from placement_min.handlers import operation
from placement_min.policies import aggregate as policies
from placement_min.request import PlacementRequest
from placement_min.schemas import aggregate as schemas
from placement_min.schemas import response_bodies
from placement_min.storage import aggregate as storage


def _body(req: PlacementRequest, generation: int,
          uuids: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {'aggregates': uuids}
    if req.version >= mv.AGGREGATES_GENERATION:
        body['resource_provider_generation'] = generation
    return body


def _provider_exists(req: PlacementRequest) -> None:
    """The provider is looked up before the body is read: an unknown
    provider is a 404 whatever the body holds, as in Placement."""
    storage.check_provider(req.db, req.path_items['uuid'])


def _normalised(given: list[str]) -> list[str]:
    """Every spelling of a uuid (upper case, no dashes, braces,
    urn:uuid:) as one lowercase dashed aggregate uuid.

    NOTE: Placement stores the spelling it was sent, so two spellings
    are two aggregates there; here they are one, and a body naming one
    aggregate twice, in any spellings, is refused.
    """
    seen: dict[str, int] = {}
    for position, value in enumerate(given):
        uuid = uuids.canonical(value)
        if uuid is None:  # the schema let through only uuid-like values
            raise errors.HTTPError(400, f'{errors.shorten(value, 60)!r} is '
                                        'not a UUID.')
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
def list_aggregates(req: PlacementRequest) -> webob.Response:
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
def replace_aggregates(req: PlacementRequest) -> webob.Response:
    data = req.payload
    given: list[str]
    generation: int | None
    if req.version >= mv.AGGREGATES_GENERATION:
        given, generation = (data['aggregates'],
                             data['resource_provider_generation'])
    else:
        # Before 1.19 the body is a bare list (schemas.set_v1_1 is an
        # array); req.payload is typed for the objects all other bodies
        # are.
        given, generation = cast(list[str], data), None
    uuids = _normalised(given)
    new_generation = storage.set_for_provider(
        req.db, req.path_items['uuid'], uuids, generation)
    return responses.json_response(req, _body(req, new_generation, uuids))
