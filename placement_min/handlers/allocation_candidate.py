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
from placement_min import filters
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


def _allocation_requests(version: mv.Version,
                         providers: dict[int, storage.Provider],
                         result: candidate_search.Result
                         ) -> list[dict[str, Any]]:
    """The candidates in the shape of ``version``.

    Equal parts recur across candidates (what one provider gives, a
    group's providers): each is built once and shared, the answer being
    only encoded.
    """
    candidates, suffixes = result.candidates, result.suffixes
    if version < mv.ALLOCATIONS_BY_PROVIDER:
        parts: dict[tuple[int, candidate_search.Resources],
                    dict[str, Any]] = {}

        def listed(rp_id: int, resources: candidate_search.Resources
                   ) -> dict[str, Any]:
            key = (rp_id, resources)
            found = parts.get(key)
            if found is None:
                found = parts[key] = {
                    'resource_provider': {'uuid': providers[rp_id].uuid},
                    'resources': dict(resources)}
            return found
        return [{'allocations': [listed(rp_id, resources)
                                 for rp_id, resources in c.allocations]}
                for c in candidates]
    uuids = {rp_id: providers[rp_id].uuid
             for c in candidates for rp_id, _ in c.allocations}
    amounts: dict[candidate_search.Resources, dict[str, Any]] = {}

    def given(resources: candidate_search.Resources) -> dict[str, Any]:
        found = amounts.get(resources)
        if found is None:
            found = amounts[resources] = {'resources': dict(resources)}
        return found

    def allocations(c: candidate_search.Candidate) -> dict[str, Any]:
        return {uuids[rp_id]: given(resources)
                for rp_id, resources in c.allocations}

    if version < mv.CANDIDATES_MAPPINGS:
        return [{'allocations': allocations(c)} for c in candidates]

    # The mappings' lists of uuids, each made once: the unsuffixed
    # group's by its providers, a suffixed group's by its provider. A
    # request has an unsuffixed group for every candidate or for none.
    has_unsuffixed = bool(candidates and candidates[0].unsuffixed)
    together: dict[tuple[int, ...], list[str]] = {}
    for c in candidates:
        if c.unsuffixed not in together:
            together[c.unsuffixed] = [providers[p].uuid
                                      for p in c.unsuffixed]
    alone = {p: [providers[p].uuid]
             for p in set().union(*(c.groups for c in candidates))}

    def mappings(c: candidate_search.Candidate) -> dict[str, list[str]]:
        named = {'': together[c.unsuffixed]} if has_unsuffixed else {}
        named.update(zip(suffixes, map(alone.__getitem__, c.groups),
                         strict=True))
        return named

    return [{'allocations': allocations(c), 'mappings': mappings(c)}
            for c in candidates]


def _summarised(version: mv.Version, world: storage.World,
                candidates: list[candidate_search.Candidate]) -> list[int]:
    """Ids of the providers the summaries show: those the candidates use
    and, from 1.29, every provider of their trees."""
    used = {rp_id for c in candidates for rp_id, _ in c.allocations}
    # A resourceless group's provider is in the mappings only (the
    # unsuffixed group always has resources).
    used.update(*(c.groups for c in candidates))
    if version < mv.CANDIDATES_NESTED:
        return sorted(used)
    providers, trees = world.providers, world.trees
    roots = {providers[p].root_id for p in used}
    return sorted(p for root in roots for p in trees[root])


def _summaries(version: mv.Version, world: storage.World,
               candidates: list[candidate_search.Candidate],
               requested: set[str]) -> dict[str, dict[str, Any]]:
    providers = world.providers
    all_classes = version >= mv.SUMMARIES_ALL_INVENTORY
    traits = version >= mv.CANDIDATES_REQUIRED
    nested = version >= mv.CANDIDATES_NESTED
    summaries: dict[str, dict[str, Any]] = {}
    for rp_id in _summarised(version, world, candidates):
        rp = providers[rp_id]
        resources = {}
        for rc, inventory in rp.inventories.items():
            if all_classes or rc in requested:
                resources[rc] = {'capacity': inventory.capacity,
                                 'used': inventory.used}
        if nested:
            summaries[rp.uuid] = {
                'resources': resources, 'traits': sorted(rp.traits),
                'parent_provider_uuid': (
                    None if rp.parent_id is None
                    else providers[rp.parent_id].uuid),
                'root_provider_uuid': providers[rp.root_id].uuid}
        elif traits:
            summaries[rp.uuid] = {'resources': resources,
                                  'traits': sorted(rp.traits)}
        else:
            summaries[rp.uuid] = {'resources': resources}
    return summaries


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
                                         for group in request.groups),
                         member_of=any(group.aggregates != filters.MemberOf()
                                       for group in request.groups))
    result = candidate_search.find(request, world, req.version,
                                   _settings(req.conf))
    if result.cut:
        LOG.warning('Allocation candidate search cut by its work budget '
                    '(%d ms) with %d candidates found',
                    req.conf.placement.allocation_candidates_budget_ms,
                    len(result.candidates))
    body = {
        'allocation_requests': _allocation_requests(
            req.version, world.providers, result),
        'provider_summaries': _summaries(req.version, world,
                                         result.candidates,
                                         request.class_names()),
    }
    return responses.json_response(req, body)
