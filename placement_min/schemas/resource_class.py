"""Bodies of POST /resource_classes and PUT /resource_classes/{name}."""

from placement_min.jsonbody import Schema
from placement_min.schemas import common

CREATE = {
    'type': 'object',
    'properties': {'name': common.CUSTOM_RESOURCE_CLASS},
    'required': ['name'],
    'additionalProperties': False,
}

# 1.2 to 1.6: PUT renames, with the same body as POST.
RENAME = CREATE

create = Schema(CREATE)
rename = Schema(RENAME)
