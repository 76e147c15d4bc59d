"""/resource_providers and /resource_providers/{uuid}."""

import functools
import uuid as uuidlib
from collections.abc import Callable
from json.encoder import encode_basestring_ascii as _json_string

import webob

from placement_min import filters
from placement_min import microversion as mv
from placement_min import query
from placement_min import responses
from placement_min.handlers import operation
from placement_min.policies import resource_provider as policies
from placement_min.request import PlacementRequest
from placement_min.schemas import response_bodies
from placement_min.schemas import resource_provider as schemas
from placement_min.storage import resource_provider as storage

_NAME = query.text_value(200)


def _name_or_nothing(value: str) -> str | None:
    """``name``: exact; empty means no filter, as in Placement."""
    return _NAME(value) if value else None


_name_value = query.QueryCheck(
    _name_or_nothing, {'anyOf': [{'const': ''}, _NAME.schema]})


def list_query(version: mv.Version) -> query.QueryMap:
    """The filters of GET /resource_providers at ``version``."""
    accepted: query.QueryMap = {'name': _name_value,
                                'uuid': query.uuid_value}
    if version >= mv.PROVIDERS_MEMBER_OF:
        accepted['member_of'] = filters.member_of_check(version)
    if version >= mv.PROVIDERS_RESOURCES:
        accepted['resources'] = filters.resources_value
    if version >= mv.NESTED_PROVIDERS:
        accepted['in_tree'] = query.uuid_value
    if version >= mv.PROVIDERS_REQUIRED:
        accepted['required'] = filters.required_check(version)
    return accepted


# Each version at which a filter appears or accepts more.
LIST_QUERIES = {version: list_query(version) for version in (
    mv.BASE, mv.PROVIDERS_MEMBER_OF, mv.PROVIDERS_RESOURCES,
    mv.NESTED_PROVIDERS, mv.PROVIDERS_REQUIRED, mv.FORBIDDEN_TRAITS,
    mv.MEMBER_OF_REPEATED, mv.FORBIDDEN_AGGREGATES, mv.ANY_OF_TRAITS)}


# The links after self, inventories and usages, in their order, with the
# version that added each.
_LINKS_SINCE = ((mv.AGGREGATES, 'aggregates'), (mv.TRAITS, 'traits'),
                (mv.ALLOCATIONS_LINK, 'allocations'))

# Writes a provider's fields, in the order of the storage rows (uuid,
# name, generation, parent_provider_uuid, root_provider_uuid), as JSON.
Writer = Callable[[str, str, int, str | None, str | None], bytes]


def _quoted(value: str | None) -> str:
    return 'null' if value is None else _json_string(value)


@functools.lru_cache(maxsize=64)
def provider_writer(version: mv.Version, script_name: str) -> Writer:
    """What writes one provider as every response shows it: the JSON
    ``json.dumps`` gives for {uuid, name, generation, links} and, from
    1.14, parent_provider_uuid and root_provider_uuid; links under the
    service's mount point ``script_name``.

    NOTE: written as text from parts made once per version and mount
    point, each string quoted by json's own C encoder: building a dict
    and a list of link dicts per provider, then encoding them, cost
    more than the database's work for a list of thousands.
    """
    prefix = _json_string(f'{script_name}/resource_providers/')[1:-1]
    rels = ['inventories', 'usages'] + [
        rel for since, rel in _LINKS_SINCE if version >= since]
    # The text of the links around the copies of the provider's uuid.
    around_uuid = ['"links": [{"rel": "self", "href": "' + prefix]
    path_end = ''
    for rel in rels:
        around_uuid.append(
            f'{path_end}"}}, {{"rel": "{rel}", "href": "{prefix}')
        path_end = '/' + rel
    nested = version >= mv.NESTED_PROVIDERS
    around_uuid.append(path_end + (
        '"}], "parent_provider_uuid": ' if nested else '"}]}'))

    def write(uuid: str, name: str, generation: int,
              parent_uuid: str | None, root_uuid: str | None) -> bytes:
        quoted = _json_string(uuid)
        return (f'{{"uuid": {quoted}, "name": {_json_string(name)}, '
                f'"generation": {generation}, '
                f'{quoted[1:-1].join(around_uuid)}').encode('ascii')

    def write_nested(uuid: str, name: str, generation: int,
                     parent_uuid: str | None, root_uuid: str | None
                     ) -> bytes:
        quoted = _json_string(uuid)
        # NOTE: most providers are roots; their root is quoted already.
        root = quoted if root_uuid == uuid else _quoted(root_uuid)
        return (f'{{"uuid": {quoted}, "name": {_json_string(name)}, '
                f'"generation": {generation}, '
                f'{quoted[1:-1].join(around_uuid)}{_quoted(parent_uuid)}, '
                f'"root_provider_uuid": {root}}}').encode('ascii')
    return write_nested if nested else write


def _providers_json(req: PlacementRequest,
                    shown: storage.Providers) -> list[bytes]:
    write = provider_writer(req.version, req.script_name)
    return [write(uuid, name, generation, parent_uuid, root_uuid)
            for uuid, name, generation, parent_uuid, root_uuid, _changed
            in shown.rows]


def _provider_response(req: PlacementRequest, shown: storage.Providers,
                       headers: dict[str, str] | None = None
                       ) -> webob.Response:
    [body] = _providers_json(req, shown)
    return responses.encoded_json_response(req, body,
                                           last_modified=shown.newest,
                                           headers=headers)


@operation.declare(
    'List resource providers, filtered by name, uuid, aggregates (1.3+), '
    'capacity (1.4+), tree (1.14+) and traits (1.18+).',
    {200: response_bodies.PROVIDERS},
    policy=policies.LIST, query=LIST_QUERIES, errors=(400,))
def list_providers(req: PlacementRequest) -> webob.Response:
    given = dict(req.query)
    if 'member_of' in given:
        given['member_of'] = filters.MemberOf.merge(given['member_of'])
    if 'required' in given:
        given['required'] = filters.Required.merge(given['required'])
    shown = storage.list_providers(req.db, **given)
    return responses.encoded_json_response(
        req, responses.json_list('resource_providers',
                                 _providers_json(req, shown)),
        last_modified=shown.newest)


@operation.declare(
    'Create a resource provider: 201 without a body before 1.20, 200 '
    'with the provider from 1.20.',
    {200: response_bodies.PROVIDER, 201: None},
    policy=policies.CREATE,
    bodies={mv.BASE: schemas.create_v1_0,
            mv.NESTED_PROVIDERS: schemas.create_v1_14},
    errors=(400, 409))
def create_provider(req: PlacementRequest) -> webob.Response:
    data = req.payload
    rp_uuid = (data.get('uuid') or str(uuidlib.uuid4())).lower()
    parent = data.get('parent_provider_uuid')
    shown = storage.create(req.db, rp_uuid, data['name'],
                           parent.lower() if parent else None)
    location = responses.location(req, f'/resource_providers/{rp_uuid}')
    if req.version >= mv.CREATE_PROVIDER_RETURNS_BODY:
        return _provider_response(req, shown, headers=location)
    return responses.empty_response(201, headers=location)


@operation.declare('Show a resource provider.',
                   {200: response_bodies.PROVIDER}, policy=policies.SHOW,
                   errors=(404,))
def show_provider(req: PlacementRequest) -> webob.Response:
    return _provider_response(req, storage.get(req.db,
                                               req.path_items['uuid']))


@operation.declare(
    'Rename a resource provider or (1.14+) change its parent.',
    {200: response_bodies.PROVIDER},
    policy=policies.UPDATE,
    bodies={mv.BASE: schemas.update_v1_0,
            mv.NESTED_PROVIDERS: schemas.update_v1_14},
    errors=(400, 404, 409))
def update_provider(req: PlacementRequest) -> webob.Response:
    rp_uuid = req.path_items['uuid']
    data = req.payload
    tree = req.version >= mv.NESTED_PROVIDERS
    parent = data.get('parent_provider_uuid')
    shown = storage.update(
        req.db, rp_uuid, data['name'],
        parent_uuid=parent.lower() if parent else None,
        change_parent=tree and 'parent_provider_uuid' in data,
        allow_reparent=req.version >= mv.REPARENT_PROVIDERS)
    return _provider_response(req, shown)


@operation.declare('Delete a resource provider and its inventory.',
                   {204: None}, policy=policies.DELETE, errors=(404, 409))
def delete_provider(req: PlacementRequest) -> webob.Response:
    storage.delete(req.db, req.path_items['uuid'])
    return responses.empty_response()
