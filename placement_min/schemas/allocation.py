"""Bodies of PUT /allocations/{consumer_uuid} and POST /allocations.

PUT: 1.0 lists allocations; 1.8 adds project_id and user_id; 1.12 keys
them by provider uuid (each may carry the provider's ``generation``,
which is ignored, so that what GET returned can be sent back); 1.28 adds
consumer_generation and lets allocations be empty (which removes them);
1.34 accepts ``mappings`` (checked, not stored); 1.38 adds
consumer_type (doc/api.md sections 8 and 14). POST (1.13+) maps
consumer uuids to the PUT body of the same version, whose allocations
may always be empty (section 12).

NOTE: an amount of 0 is refused in every format: it would record a
consumer on a provider while using nothing of it.
"""

import copy

from placement_min import microversion as mv
from placement_min import patterns
from placement_min import uuids
from placement_min.jsonbody import Schema
from placement_min.schemas import common
from placement_min.schemas.common import JSONSchema

# Provider and consumer uuids as keys: 36 characters of hex digits and
# dashes, as Placement takes them; the handler then accepts those that
# are uuid-like and stores them lowercase dashed.
UUID_KEY_PATTERN = '^[0-9a-fA-F-]{36}$'

RESOURCES = {
    'type': 'object',
    'minProperties': 1,
    'patternProperties': {
        patterns.RESOURCE_CLASS: {
            'type': 'integer', 'minimum': 1, 'maximum': common.MAX_INT},
    },
    'additionalProperties': False,
}

# Keystone ids are at most 64 characters; 255 is the column's width.
OWNER_ID = common.text(255)

# Placement's consumer types (INSTANCE, MIGRATION, ...) share the
# resource class name alphabet. "unknown" is what GET shows for a
# consumer without a type: clients that send back what they got
# (osc-placement's "allocation unset") send it, and it leaves the type
# as stored.
CONSUMER_TYPE: JSONSchema = {
    'type': 'string',
    'pattern': '^([A-Z0-9_]+|unknown)$',
    'maxLength': patterns.MAX_NAME_LENGTH,
}

# Request group suffix (as allocation candidates name them, "" for the
# unsuffixed group) -> the providers that satisfied the group.
MAPPINGS: JSONSchema = {
    'type': 'object',
    'minProperties': 1,
    'patternProperties': {
        '^[a-zA-Z0-9_-]{0,64}$': {
            'type': 'array',
            'minItems': 1,
            'items': uuids.UUID_LIKE,
        },
    },
    'additionalProperties': False,
}

PUT_V1_0: JSONSchema = {
    'type': 'object',
    'properties': {
        'allocations': {
            'type': 'array',
            'minItems': 1,
            'items': {
                'type': 'object',
                'properties': {
                    'resource_provider': {
                        'type': 'object',
                        'properties': {'uuid': common.UUID},
                        'required': ['uuid'],
                        'additionalProperties': False,
                    },
                    'resources': RESOURCES,
                },
                'required': ['resource_provider', 'resources'],
                'additionalProperties': False,
            },
        },
    },
    'required': ['allocations'],
    'additionalProperties': False,
}

PUT_V1_8 = copy.deepcopy(PUT_V1_0)
PUT_V1_8['properties'].update(project_id=OWNER_ID, user_id=OWNER_ID)
PUT_V1_8['required'].extend(['project_id', 'user_id'])

PUT_V1_12 = copy.deepcopy(PUT_V1_8)
PUT_V1_12['properties']['allocations'] = {
    'type': 'object',
    'minProperties': 1,
    'patternProperties': {
        UUID_KEY_PATTERN: {
            'type': 'object',
            'properties': {'resources': RESOURCES,
                           'generation': common.GENERATION},
            'required': ['resources'],
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

PUT_V1_28 = copy.deepcopy(PUT_V1_12)
del PUT_V1_28['properties']['allocations']['minProperties']
PUT_V1_28['properties']['consumer_generation'] = {
    'anyOf': [common.GENERATION, {'type': 'null'}]}
PUT_V1_28['required'].append('consumer_generation')

PUT_V1_34 = copy.deepcopy(PUT_V1_28)
PUT_V1_34['properties']['mappings'] = MAPPINGS

PUT_V1_38 = copy.deepcopy(PUT_V1_34)
PUT_V1_38['properties']['consumer_type'] = CONSUMER_TYPE
PUT_V1_38['required'].append('consumer_type')

# The first microversion of each body format -> its validator.
PUT_BY_VERSION = {
    mv.BASE: Schema(PUT_V1_0),
    mv.ALLOCATION_OWNER_REQUIRED: Schema(PUT_V1_8),
    mv.ALLOCATIONS_BY_PROVIDER: Schema(PUT_V1_12),
    mv.CONSUMER_GENERATIONS: Schema(PUT_V1_28),
    mv.CANDIDATES_MAPPINGS: Schema(PUT_V1_34),
    mv.CONSUMER_TYPES: Schema(PUT_V1_38),
}


def by_consumer(consumer: JSONSchema) -> JSONSchema:
    """Consumer uuid -> ``consumer``, with at least one consumer."""
    return {
        'type': 'object',
        'minProperties': 1,
        'patternProperties': {UUID_KEY_PATTERN: consumer},
        'additionalProperties': False,
    }


def _emptiable(put: JSONSchema) -> JSONSchema:
    """A PUT body whose allocations may be empty, as in POST."""
    consumer = copy.deepcopy(put)
    consumer['properties']['allocations'].pop('minProperties', None)
    return consumer


# The consumer bodies of POST /allocations and POST /reshaper, by the
# first microversion of each.
CONSUMER_BY_VERSION = {
    mv.POST_ALLOCATIONS: _emptiable(PUT_V1_12),
    mv.CONSUMER_GENERATIONS: PUT_V1_28,
    mv.CANDIDATES_MAPPINGS: PUT_V1_34,
    mv.CONSUMER_TYPES: PUT_V1_38,
}

POST_BY_VERSION = {since: Schema(by_consumer(consumer))
                   for since, consumer in CONSUMER_BY_VERSION.items()}
