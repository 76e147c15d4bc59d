"""Bodies of POST /resource_providers and PUT /resource_providers/{uuid}."""

import copy

from placement_min.jsonbody import Schema
from placement_min.schemas import common
from placement_min.schemas.common import JSONSchema

NAME = common.text(200)

CREATE_V1_0: JSONSchema = {
    'type': 'object',
    'properties': {'name': NAME, 'uuid': common.UUID},
    'required': ['name'],
    'additionalProperties': False,
}

CREATE_V1_14 = copy.deepcopy(CREATE_V1_0)
CREATE_V1_14['properties']['parent_provider_uuid'] = {
    'anyOf': [common.UUID, {'type': 'null'}]}

UPDATE_V1_0: JSONSchema = {
    'type': 'object',
    'properties': {'name': NAME},
    'required': ['name'],
    'additionalProperties': False,
}

UPDATE_V1_14 = copy.deepcopy(UPDATE_V1_0)
UPDATE_V1_14['properties']['parent_provider_uuid'] = {
    'anyOf': [common.UUID, {'type': 'null'}]}

create_v1_0 = Schema(CREATE_V1_0)
create_v1_14 = Schema(CREATE_V1_14)
update_v1_0 = Schema(UPDATE_V1_0)
update_v1_14 = Schema(UPDATE_V1_14)
