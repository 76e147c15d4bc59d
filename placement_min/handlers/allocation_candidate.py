"""/allocation_candidates (1.10+): where a request could be allocated
(doc/api.md section 11).

The query is declared by version in ``placement_min.request_groups``;
storage reads the relevant provider trees in a fixed number of
statements, ``placement_min.candidate_search`` combines them, and this
module shapes the answer for the request's version.
"""

import logging
from typing import Any

import webob
from oslo_config import cfg

from placement_min import candidate_search
from placement_min import microversion as mv
from placement_min import request_groups
from placement_min import responses
from placement_min.handlers import operation
from placement_min.policies import allocation_candidate as policies
from placement_min.request import PlacementRequest
from placement_min.schemas import response_bodies
from placement_min.storage import allocation_candidate as storage

LOG = logging.getLogger(__name__)


def _settings(conf: cfg.ConfigOpts) -> candidate_search.Settings:
    options = conf.placement
    return candidate_search.Settings(
        randomize=options.randomize_allocation_candidates,
        max_candidates=options.max_allocation_candidates,
        breadth_first=(options.allocation_candidates_generation_strategy
                       == 'breadth-first'),
        budget_ms=options.allocation_candidates_budget_ms)


def _amounts(request: request_groups.CandidateRequest) -> storage.Amounts:
    """{class: (smallest, largest amount any group asks of it)}."""
    amounts: storage.Amounts = {}
    for group in request.groups:
        for rc, amount in group.resources.items():
            low, high = amounts.get(rc, (amount, amount))
            amounts[rc] = (min(low, amount), max(high, amount))
    return amounts


def _allocation_request(version: mv.Version, uuids: dict[int, str],
                        candidate: candidate_search.Candidate
                        ) -> dict[str, Any]:
    """One candidate in the shape of ``version``; ``uuids`` maps
    provider ids to uuids."""
    by_provider: dict[str, dict[str, int]] = {}
    for (rp_id, rc), amount in candidate.allocations:
        uuid = uuids[rp_id]
        found = by_provider.get(uuid)
        if found is None:
            by_provider[uuid] = {rc: amount}
        else:
            found[rc] = amount
    if version < mv.ALLOCATIONS_BY_PROVIDER:
        return {'allocations': [
            {'resource_provider': {'uuid': uuid}, 'resources': resources}
            for uuid, resources in by_provider.items()]}
    body: dict[str, Any] = {'allocations': {uuid: {'resources': resources}
                            for uuid, resources in by_provider.items()}}
    if version >= mv.CANDIDATES_MAPPINGS:
        body['mappings'] = {suffix: [uuids[p] for p in rp_ids]
                            for suffix, rp_ids in candidate.mappings}
    return body


def _summarised(version: mv.Version, providers: dict[int, storage.Provider],
                candidates: list[candidate_search.Candidate]) -> list[int]:
    """Ids of the providers the summaries show: those the candidates use
    and, from 1.29, every provider of their trees."""
    used = {rp_id for c in candidates for (rp_id, _rc), _n in c.allocations}
    used.update(p for c in candidates for _s, ps in c.mappings for p in ps)
    if version < mv.CANDIDATES_NESTED:
        return sorted(used)
    roots = {providers[p].root_id for p in used}
    return sorted(rp.id for rp in providers.values() if rp.root_id in roots)


def _summary(version: mv.Version, rp: storage.Provider,
             providers: dict[int, storage.Provider],
             requested: set[str]) -> dict[str, Any]:
    all_classes = version >= mv.SUMMARIES_ALL_INVENTORY
    summary: dict[str, Any] = {'resources': {
        rc: {'capacity': inventory.capacity, 'used': inventory.used}
        for rc, inventory in rp.inventories.items()
        if all_classes or rc in requested}}
    if version >= mv.CANDIDATES_REQUIRED:
        summary['traits'] = sorted(rp.traits)
    if version >= mv.CANDIDATES_NESTED:
        parent = (providers[rp.parent_id] if rp.parent_id is not None
                  else None)
        summary['parent_provider_uuid'] = parent.uuid if parent else None
        summary['root_provider_uuid'] = providers[rp.root_id].uuid
    return summary


@operation.declare(
    'List allocation candidates: the ways the requested resources could '
    'be allocated, by request group, with a summary of each provider '
    'involved.',
    {200: response_bodies.ALLOCATION_CANDIDATES},
    policy=policies.LIST, query=request_groups.QUERY, errors=(400,))
def list_candidates(req: PlacementRequest) -> webob.Response:
    request = request_groups.request_from(req.query, req.version)
    world = storage.load(req.db, _amounts(request), request.trait_names(),
                         req.version < mv.CANDIDATES_NESTED,
                         any_sharing=any(not group.resources
                                         for group in request.groups))
    result = candidate_search.find(request, world, req.version,
                                   _settings(req.conf))
    if result.cut:
        LOG.warning('Allocation candidate search cut by its work budget '
                    '(%d ms) with %d candidates found',
                    req.conf.placement.allocation_candidates_budget_ms,
                    len(result.candidates))
    providers = world.providers
    uuids = {rp_id: rp.uuid for rp_id, rp in providers.items()}
    requested = request.class_names()
    body = {
        'allocation_requests': [
            _allocation_request(req.version, uuids, candidate)
            for candidate in result.candidates],
        'provider_summaries': {
            providers[rp_id].uuid: _summary(req.version, providers[rp_id],
                                            providers, requested)
            for rp_id in _summarised(req.version, providers,
                                     result.candidates)},
    }
    return responses.json_response(req, body)
