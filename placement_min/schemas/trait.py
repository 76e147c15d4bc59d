"""Body of PUT /resource_providers/{uuid}/traits."""

from placement_min.jsonbody import Schema
from placement_min.schemas import common
from placement_min.schemas.common import JSONSchema

CUSTOM_TRAIT_PATTERN = '^CUSTOM_[A-Z0-9_]+$'

# Any string may name a trait here: one that is not a trait is refused
# by name (400) once the provider and its generation are checked.
NAME: JSONSchema = {'type': 'string', 'minLength': 1, 'maxLength': 255}

SET: JSONSchema = {
    'type': 'object',
    'properties': {
        'traits': {'type': 'array', 'items': NAME},
        'resource_provider_generation': common.GENERATION,
    },
    'required': ['traits', 'resource_provider_generation'],
    'additionalProperties': False,
}

set_for_provider = Schema(SET)
