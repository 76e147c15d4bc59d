"""Schema pieces shared by several resources."""

from typing import Any

from placement_min import patterns

# A JSON schema, as the dict jsonschema reads.
JSONSchema = dict[str, Any]

MAX_INT = 2147483647

UUID = {'type': 'string', 'pattern': patterns.UUID}

RESOURCE_CLASS = {
    'type': 'string',
    'pattern': patterns.RESOURCE_CLASS,
    'minLength': 1,
    'maxLength': patterns.MAX_NAME_LENGTH,
}

CUSTOM_RESOURCE_CLASS = {
    'type': 'string',
    'pattern': patterns.CUSTOM_RESOURCE_CLASS,
    'maxLength': patterns.MAX_NAME_LENGTH,
}

GENERATION = {'type': 'integer', 'minimum': 0, 'maximum': MAX_INT}


def text(max_length: int) -> JSONSchema:
    """A string of 1 to ``max_length`` characters, none of them a control
    character."""
    return {'type': 'string', 'minLength': 1, 'maxLength': max_length,
            'pattern': patterns.NO_CONTROL_CHARACTERS}
