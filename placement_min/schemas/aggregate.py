"""Body of PUT /resource_providers/{uuid}/aggregates: a bare list before
1.19, the list with the provider generation from 1.19."""

from placement_min import uuids
from placement_min.jsonbody import Schema
from placement_min.schemas import common
from placement_min.schemas.common import JSONSchema

AGGREGATES: JSONSchema = {'type': 'array', 'items': uuids.UUID_LIKE,
              'uniqueItems': True}

SET_V1_19: JSONSchema = {
    'type': 'object',
    'properties': {
        'aggregates': AGGREGATES,
        'resource_provider_generation': common.GENERATION,
    },
    'required': ['aggregates', 'resource_provider_generation'],
    'additionalProperties': False,
}

set_v1_1 = Schema(AGGREGATES)
set_v1_19 = Schema(SET_V1_19)
