"""Bodies of PUT /allocations/{consumer_uuid}, one per format.

1.0 lists allocations; 1.8 adds project_id and user_id; 1.12 keys them
by provider uuid; 1.28 adds consumer_generation and lets allocations be
empty (which removes them); 1.38 adds consumer_type.

NOTE: an amount of 0 is refused in every format: it would record a
consumer on a provider while using nothing of it.
"""

import copy

from placement_min import microversion as mv
from placement_min import patterns
from placement_min.jsonbody import Schema
from placement_min.schemas import common
from placement_min.schemas.common import JSONSchema

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
# resource class name alphabet.
CONSUMER_TYPE = common.RESOURCE_CLASS

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
        patterns.UUID: {
            'type': 'object',
            'properties': {'resources': RESOURCES},
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

PUT_V1_38 = copy.deepcopy(PUT_V1_28)
PUT_V1_38['properties']['consumer_type'] = CONSUMER_TYPE
PUT_V1_38['required'].append('consumer_type')

# The first microversion of each body format -> its validator.
PUT_BY_VERSION = {
    mv.BASE: Schema(PUT_V1_0),
    mv.ALLOCATION_OWNER_REQUIRED: Schema(PUT_V1_8),
    mv.ALLOCATIONS_BY_PROVIDER: Schema(PUT_V1_12),
    mv.CONSUMER_GENERATIONS: Schema(PUT_V1_28),
    mv.CONSUMER_TYPES: Schema(PUT_V1_38),
}
