"""/resource_providers/{uuid}/usages and /usages (1.9+).

Usages change with every allocation write, so Last-Modified is always
the time of the response.
"""

import webob

from placement_min import microversion as mv
from placement_min import patterns
from placement_min import query
from placement_min import responses
from placement_min.context import PolicyTarget
from placement_min.handlers import operation
from placement_min.policies import usage as policies
from placement_min.request import PlacementRequest
from placement_min.schemas import common
from placement_min.schemas import response_bodies
from placement_min.storage import usage as storage


def _consumer_type(value: str) -> str:
    """A consumer type, or "all" or "unknown" (lowercase, as Placement)."""
    if value in (storage.ALL_TYPES, storage.UNKNOWN_TYPE):
        return value
    if not patterns.is_resource_class(value):
        raise ValueError('must be "all", "unknown", or a consumer type of '
                         'A-Z, 0-9 and _')
    return value


_consumer_type_value = query.QueryCheck(_consumer_type, {'anyOf': [
    {'enum': [storage.ALL_TYPES, storage.UNKNOWN_TYPE]},
    common.RESOURCE_CLASS]})


def _asked_project(req: PlacementRequest) -> PolicyTarget:
    """The project whose usages are asked for, as the policy target: a
    reader of that project may read them (placement:usages)."""
    project = query.single_raw_value(req.environ, 'project_id')
    return {} if project is None else {'project_id': project}


TOTALS_QUERY: query.QueryMap = {
    'project_id': query.required(query.text_value(255)),
    'user_id': query.text_value(255)}
TOTALS_QUERY_V1_38: query.QueryMap = {
    **TOTALS_QUERY, 'consumer_type': _consumer_type_value}


@operation.declare(
    'Show how much of each resource class of a provider is used.',
    {200: response_bodies.PROVIDER_USAGES}, policy=policies.PROVIDER,
    errors=(404,))
def list_for_provider(req: PlacementRequest) -> webob.Response:
    generation, usages = storage.for_provider(req.db,
                                              req.path_items['uuid'])
    return responses.json_response(
        req, {'resource_provider_generation': generation, 'usages': usages})


@operation.declare(
    'Total usages of a project, or of one of its users; from 1.38 by '
    'consumer type.', {200: response_bodies.USAGES},
    policy=policies.TOTAL, policy_target=_asked_project,
    query={mv.PROJECT_USAGES: TOTALS_QUERY,
           mv.CONSUMER_TYPES: TOTALS_QUERY_V1_38},
    errors=(400,))
def list_totals(req: PlacementRequest) -> webob.Response:
    """GET /usages?project_id=[&user_id=][&consumer_type= (1.38+)]."""
    if req.version >= mv.CONSUMER_TYPES:
        by_type = storage.for_project_by_type(req.db, **req.query)
        return responses.json_response(req, {'usages': by_type})
    usages = storage.for_project(req.db, **req.query)
    return responses.json_response(req, {'usages': usages})
