"""Body of POST /reshaper (1.30+).

The new inventories of one or more providers, each with the provider's
generation, and the new allocations of any number of consumers in the
POST /allocations form of the same microversion.
"""

import copy

from placement_min import microversion as mv
from placement_min.jsonbody import Schema
from placement_min.schemas import allocation
from placement_min.schemas.common import JSONSchema
from placement_min.schemas import inventory


def _reshape(consumer: JSONSchema) -> JSONSchema:
    allocations = allocation.by_consumer(consumer)
    del allocations['minProperties']
    return {
        'type': 'object',
        'properties': {
            'inventories': {
                'type': 'object',
                'minProperties': 1,
                'patternProperties': {
                    allocation.UUID_KEY_PATTERN: inventory.REPLACE_ALL},
                'additionalProperties': False,
            },
            'allocations': copy.deepcopy(allocations),
        },
        'required': ['inventories', 'allocations'],
        'additionalProperties': False,
    }


# The first microversion of each body format -> its validator: the
# consumers' form follows POST /allocations, whose form at 1.30 is that
# of 1.28.
BY_VERSION = {
    since: Schema(_reshape(allocation.CONSUMER_BY_VERSION[form]))
    for since, form in ((mv.RESHAPER, mv.CONSUMER_GENERATIONS),
                        (mv.CANDIDATES_MAPPINGS, mv.CANDIDATES_MAPPINGS),
                        (mv.CONSUMER_TYPES, mv.CONSUMER_TYPES))
}
