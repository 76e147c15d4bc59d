"""Bodies of the inventory writes, with the bounds of doc/api.md
section 7."""

from placement_min import patterns
from placement_min.jsonbody import Schema
from placement_min.schemas import common

MAX_FLOAT = 3.40282e+38

FIELDS = {
    'total': {'type': 'integer', 'minimum': 1, 'maximum': common.MAX_INT},
    'reserved': {'type': 'integer', 'minimum': 0,
                 'maximum': common.MAX_INT},
    'min_unit': {'type': 'integer', 'minimum': 1,
                 'maximum': common.MAX_INT},
    'max_unit': {'type': 'integer', 'minimum': 1,
                 'maximum': common.MAX_INT},
    'step_size': {'type': 'integer', 'minimum': 1,
                  'maximum': common.MAX_INT},
    'allocation_ratio': {'type': 'number', 'minimum': 0,
                         'exclusiveMinimum': True, 'maximum': MAX_FLOAT},
}

DEFAULTS = {
    'reserved': 0,
    'min_unit': 1,
    'max_unit': common.MAX_INT,
    'step_size': 1,
    'allocation_ratio': 1.0,
}

INVENTORY = {
    'type': 'object',
    'properties': FIELDS,
    'required': ['total'],
    'additionalProperties': False,
}

CREATE = {
    'type': 'object',
    'properties': {'resource_class': common.RESOURCE_CLASS, **FIELDS},
    'required': ['resource_class', 'total'],
    'additionalProperties': False,
}

UPDATE_ONE = {
    'type': 'object',
    'properties': {'resource_provider_generation': common.GENERATION,
                   **FIELDS},
    'required': ['resource_provider_generation', 'total'],
    'additionalProperties': False,
}

REPLACE_ALL = {
    'type': 'object',
    'properties': {
        'resource_provider_generation': common.GENERATION,
        'inventories': {
            'type': 'object',
            'patternProperties': {
                patterns.RESOURCE_CLASS: INVENTORY},
            'additionalProperties': False,
        },
    },
    'required': ['resource_provider_generation', 'inventories'],
    'additionalProperties': False,
}

create = Schema(CREATE)
update_one = Schema(UPDATE_ONE)
replace_all = Schema(REPLACE_ALL)
