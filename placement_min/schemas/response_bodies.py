"""Bodies of responses, as the API description documents them.

Handlers name these in their declarations; the fuzz tests check every
response body against them, so they stay true to what handlers send.
"""

from placement_min import patterns
from placement_min.schemas import common
from placement_min.schemas.common import JSONSchema
from placement_min.schemas import inventory

_NULLABLE_UUID = {'anyOf': [common.UUID, {'type': 'null'}]}


def _object(properties: JSONSchema,
            required: list[str] | None = None) -> JSONSchema:
    return {'type': 'object', 'properties': properties,
            'required': sorted(properties) if required is None
            else required,
            'additionalProperties': False}


def _list_of(key: str, item: JSONSchema) -> JSONSchema:
    return _object({key: {'type': 'array', 'items': item}})


LINKS = {'type': 'array', 'items': _object(
    {'rel': {'type': 'string'}, 'href': {'type': 'string'}})}

VERSIONS = _list_of('versions', _object({
    'id': {'type': 'string'},
    'min_version': {'type': 'string'},
    'max_version': {'type': 'string'},
    'status': {'type': 'string'},
    'links': LINKS,
}))

PROVIDER = _object({
    'uuid': common.UUID,
    'name': {'type': 'string'},
    'generation': common.GENERATION,
    'links': LINKS,
    # From microversion 1.14.
    'parent_provider_uuid': _NULLABLE_UUID,
    'root_provider_uuid': common.UUID,
}, required=['generation', 'links', 'name', 'uuid'])

PROVIDERS = _list_of('resource_providers', PROVIDER)

INVENTORY = _object({'resource_provider_generation': common.GENERATION,
                     **inventory.FIELDS})

INVENTORIES = _object({
    'resource_provider_generation': common.GENERATION,
    'inventories': {
        'type': 'object',
        'patternProperties': {
            patterns.RESOURCE_CLASS: _object(inventory.FIELDS)},
        'additionalProperties': False,
    },
})

RESOURCE_CLASS = _object({'name': common.RESOURCE_CLASS, 'links': LINKS})

RESOURCE_CLASSES = _list_of('resource_classes', RESOURCE_CLASS)

_TRAIT_NAMES = {'type': 'array', 'items': {'type': 'string'}}

TRAITS = _object({'traits': _TRAIT_NAMES})

PROVIDER_TRAITS = _object({
    'traits': _TRAIT_NAMES,
    'resource_provider_generation': common.GENERATION,
})

PROVIDER_AGGREGATES = _object({
    'aggregates': {'type': 'array', 'items': common.UUID},
    # From microversion 1.19.
    'resource_provider_generation': common.GENERATION,
}, required=['aggregates'])

ERROR = _object({
    'errors': {
        'type': 'array',
        'minItems': 1,
        'items': _object({
            'status': {'type': 'integer'},
            'title': {'type': 'string'},
            'detail': {'type': 'string'},
            # From microversion 1.23.
            'code': {'type': 'string', 'pattern': '^placement\\.'},
            'request_id': {'type': 'string',
                           'pattern': '^req-[0-9a-f-]{36}$'},
            # On 406 for an unacceptable microversion.
            'min_version': {'type': 'string'},
            'max_version': {'type': 'string'},
        }, required=['detail', 'request_id', 'status', 'title']),
    },
})

_AMOUNTS = {
    'type': 'object',
    'patternProperties': {patterns.RESOURCE_CLASS: {
        'type': 'integer', 'minimum': 0}},
    'additionalProperties': False,
}


def _by_provider(target: JSONSchema) -> JSONSchema:
    return {'type': 'object',
            'patternProperties': {patterns.UUID: target},
            'additionalProperties': False}


CONSUMER_ALLOCATIONS = _object({
    'allocations': _by_provider(_object({'generation': common.GENERATION,
                                         'resources': _AMOUNTS})),
    # From 1.12, 1.28 and 1.38, for a consumer that has allocations.
    'project_id': {'type': 'string'},
    'user_id': {'type': 'string'},
    'consumer_generation': common.GENERATION,
    'consumer_type': {'type': ['string', 'null']},
}, required=['allocations'])

PROVIDER_ALLOCATIONS = _object({
    'resource_provider_generation': common.GENERATION,
    # Keyed by consumer uuid.
    'allocations': _by_provider(_object({'resources': _AMOUNTS})),
})

PROVIDER_USAGES = _object({
    'resource_provider_generation': common.GENERATION,
    'usages': _AMOUNTS,
})

USAGES = _object({'usages': {'anyOf': [
    _AMOUNTS,
    # From 1.38: by consumer type ("all", "unknown", or a type).
    {'type': 'object', 'additionalProperties': {
        'type': 'object',
        'properties': {'consumer_count': {'type': 'integer', 'minimum': 0}},
        'required': ['consumer_count'],
        'patternProperties': {patterns.RESOURCE_CLASS: {
            'type': 'integer', 'minimum': 0}},
        'additionalProperties': False,
    }},
]}})

_SUMMARY_RESOURCES = {
    'type': 'object',
    'patternProperties': {patterns.RESOURCE_CLASS: _object({
        'capacity': {'type': 'integer', 'minimum': 0},
        'used': {'type': 'integer', 'minimum': 0}})},
    'additionalProperties': False,
}

ALLOCATION_CANDIDATES = _object({
    'allocation_requests': {'type': 'array', 'items': {'anyOf': [
        # 1.10-1.11: a list per request.
        _object({'allocations': {'type': 'array', 'items': _object({
            'resource_provider': _object({'uuid': common.UUID}),
            'resources': _AMOUNTS})}}),
        # 1.12+: keyed by provider; "mappings" from 1.34.
        _object({
            'allocations': _by_provider(_object({'resources': _AMOUNTS})),
            'mappings': {'type': 'object', 'additionalProperties': {
                'type': 'array', 'items': common.UUID, 'minItems': 1}},
        }, required=['allocations']),
    ]}},
    'provider_summaries': _by_provider(_object({
        'resources': _SUMMARY_RESOURCES,
        # From 1.17.
        'traits': {'type': 'array', 'items': {'type': 'string'}},
        # From 1.29.
        'parent_provider_uuid': _NULLABLE_UUID,
        'root_provider_uuid': common.UUID,
    }, required=['resources'])),
})
