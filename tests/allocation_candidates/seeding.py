"""The oracle's worlds and requests on the wire.

``seed`` builds a World through the HTTP API of a webtest TestApp,
``query_string`` renders a Request as the query of GET
/allocation_candidates, and ``parse_candidates``/``parse_summaries``
read the answer back into the oracle's canonical form. Every write
uses the request shapes the API documents (README, openapi.json) and
checks its status, so a world that did not seed as drawn fails loudly
instead of being compared with the wrong answer.
"""

import urllib.parse
import uuid as uuidlib

import webtest

from tests.allocation_candidates import oracle

ADMIN_TOKEN = 'admin'
# Generous inventory fields under which any usage the world wants can
# be allocated before the real fields go in.
_LOOSE = {'reserved': 0, 'min_unit': 1, 'max_unit': oracle.MAX_INT,
          'step_size': 1}


def headers(version: str | tuple[int, int] = 'latest') -> dict:
    if isinstance(version, tuple):
        version = '{}.{}'.format(*version)
    return {'X-Auth-Token': ADMIN_TOKEN,
            'OpenStack-API-Version': f'placement {version}'}


def _write(app: webtest.TestApp, method: str, path: str, body=None,
           status: int | tuple[int, ...] = 200) -> webtest.TestResponse:
    kwargs = {'headers': headers(), 'status': status}
    if body is None:
        return getattr(app, method.lower())(path, **kwargs)
    return getattr(app, method.lower() + '_json')(path, body, **kwargs)


def _generation(app: webtest.TestApp, uuid: str) -> int:
    return app.get(f'/resource_providers/{uuid}', headers=headers(),
                   status=200).json['generation']


def _in_tree_order(world: oracle.World) -> list[oracle.Provider]:
    """Parents before their children."""
    done: list[oracle.Provider] = []
    pending = list(world.providers.values())
    while pending:
        ready = [p for p in pending
                 if p.parent is None or p.parent in {d.uuid for d in done}]
        done.extend(ready)
        pending = [p for p in pending if p not in ready]
    return done


def _inventory_body(inventory: oracle.Inventory) -> dict:
    return {'total': inventory.total, 'reserved': inventory.reserved,
            'min_unit': inventory.min_unit, 'max_unit': inventory.max_unit,
            'step_size': inventory.step_size,
            'allocation_ratio': inventory.allocation_ratio}


def _put_inventories(app: webtest.TestApp, uuid: str,
                     inventories: dict) -> None:
    _write(app, 'PUT', f'/resource_providers/{uuid}/inventories',
           {'resource_provider_generation': _generation(app, uuid),
            'inventories': inventories})


def seed(app: webtest.TestApp, world: oracle.World,
         traits: tuple[str, ...] = (), classes: tuple[str, ...] = ()) -> None:
    """Create ``world`` in the service behind ``app``.

    ``traits`` and ``classes`` are custom traits and classes to create
    besides those the world uses, so that requests may name them.
    Usage is made with one consumer, under loose inventory fields
    (reserved 0, any unit), before each inventory gets its real fields:
    raising reserved or min_unit above current usage is allowed, while
    allocating beyond them is not.
    """
    providers = _in_tree_order(world)
    used_traits = set().union(*(p.traits for p in providers))
    for trait in sorted(set(traits) | used_traits):
        if trait.startswith('CUSTOM_'):
            _write(app, 'PUT', f'/traits/{trait}', status=(201, 204))
    used_classes = {rc for p in providers for rc in p.inventories}
    for rc in sorted(set(classes) | used_classes):
        if rc.startswith('CUSTOM_'):
            _write(app, 'PUT', f'/resource_classes/{rc}', status=(201, 204))
    for p in providers:
        body = {'name': f'rp-{p.uuid}', 'uuid': p.uuid}
        if p.parent is not None:
            body['parent_provider_uuid'] = p.parent
        _write(app, 'POST', '/resource_providers', body)
    for p in providers:
        if p.traits:
            _write(app, 'PUT', f'/resource_providers/{p.uuid}/traits',
                   {'traits': sorted(p.traits),
                    'resource_provider_generation': _generation(app, p.uuid)})
        if p.aggregates:
            _write(app, 'PUT', f'/resource_providers/{p.uuid}/aggregates',
                   {'aggregates': sorted(p.aggregates),
                    'resource_provider_generation': _generation(app, p.uuid)})
    _seed_usage(app, [p for p in providers if p.usages])
    for p in providers:
        if p.inventories:
            _put_inventories(app, p.uuid, {
                rc: _inventory_body(inv)
                for rc, inv in p.inventories.items()})


def _seed_usage(app: webtest.TestApp,
                providers: list[oracle.Provider]) -> None:
    if not providers:
        return
    for p in providers:
        _put_inventories(app, p.uuid, {
            rc: dict(_LOOSE, total=inv.total,
                     allocation_ratio=inv.allocation_ratio)
            for rc, inv in p.inventories.items()})
    consumer = str(uuidlib.uuid4())
    _write(app, 'PUT', f'/allocations/{consumer}', {
        'allocations': {p.uuid: {'resources': dict(p.usages)}
                        for p in providers},
        'project_id': 'project', 'user_id': 'user',
        'consumer_generation': None, 'consumer_type': 'INSTANCE'},
        status=204)


def _member_of_value(aggregates: frozenset[str], forbidden: bool) -> str:
    values = sorted(aggregates)
    value = values[0] if len(values) == 1 else 'in:' + ','.join(values)
    return '!' + value if forbidden else value


def query_pairs(request: oracle.Request) -> list[tuple[str, str]]:
    """The query parameters of ``request``, in a stable order.

    Each group's all-of and forbidden traits go in one ``required{S}``
    (the only form before 1.39), each any-of set in its own
    ``required{S}=in:...``; each member_of set in its own
    ``member_of{S}`` (a single aggregate bare, several with ``in:``),
    the forbidden aggregates in one ``member_of{S}=!...``.
    """
    pairs = []
    for suffix, group in sorted(request.groups.items()):
        if group.resources:
            pairs.append((f'resources{suffix}', ','.join(
                f'{rc}:{n}' for rc, n in sorted(group.resources.items()))))
        traits = sorted(group.required) + [
            '!' + t for t in sorted(group.forbidden)]
        if traits:
            pairs.append((f'required{suffix}', ','.join(traits)))
        for any_of in group.required_any:
            pairs.append((f'required{suffix}', 'in:' + ','.join(
                sorted(any_of))))
        for any_of in group.member_of:
            pairs.append((f'member_of{suffix}',
                          _member_of_value(any_of, forbidden=False)))
        if group.forbidden_aggregates:
            pairs.append((f'member_of{suffix}', _member_of_value(
                group.forbidden_aggregates, forbidden=True)))
        if group.in_tree is not None:
            pairs.append((f'in_tree{suffix}', group.in_tree))
    if request.group_policy is not None:
        pairs.append(('group_policy', request.group_policy))
    root = sorted(request.root_required) + [
        '!' + t for t in sorted(request.root_forbidden)]
    if root:
        pairs.append(('root_required', ','.join(root)))
    for suffixes in request.same_subtree:
        pairs.append(('same_subtree', ','.join(suffixes)))
    return pairs


def query_string(request: oracle.Request) -> str:
    return urllib.parse.urlencode(query_pairs(request), safe=',:!')


def parse_candidates(version: tuple[int, int],
                     body: dict) -> list[oracle.Candidate]:
    """The response's allocation requests in the oracle's canonical
    form, as a list so that a repeated result stays visible."""
    results = []
    for item in body['allocation_requests']:
        if version >= (1, 12):
            allocations = [(rp, rc, n)
                           for rp, value in item['allocations'].items()
                           for rc, n in value['resources'].items()]
        else:
            allocations = [(a['resource_provider']['uuid'], rc, n)
                           for a in item['allocations']
                           for rc, n in a['resources'].items()]
        mappings = frozenset(
            (suffix, tuple(sorted(rps)))
            for suffix, rps in item.get('mappings', {}).items())
        results.append((frozenset(allocations), mappings))
    return results


def parse_summaries(body: dict) -> dict:
    """``provider_summaries`` with traits sorted, as the oracle gives
    them."""
    summaries = {}
    for rp, summary in body['provider_summaries'].items():
        summary = dict(summary)
        if 'traits' in summary:
            summary['traits'] = sorted(summary['traits'])
        summaries[rp] = summary
    return summaries
