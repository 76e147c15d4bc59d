"""Schema pieces shared by several resources."""

MAX_INT = 2147483647

UUID = {
    'type': 'string',
    'pattern': '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
               '[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
}

# The forms of a UUID that oslo.utils' is_uuid_like accepts and clients
# send: dashed or not, any case, in braces, after "urn:uuid:". Where the
# API takes these (aggregates), they are normalised to lowercase dashed.
UUID_LIKE_PATTERN = ('^(urn:uuid:)?[{]?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?'
                     '[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}[}]?$')

UUID_LIKE = {'type': 'string', 'pattern': UUID_LIKE_PATTERN}

RESOURCE_CLASS_PATTERN = '^[A-Z0-9_]+$'
CUSTOM_CLASS_PATTERN = '^CUSTOM_[A-Z0-9_]+$'

RESOURCE_CLASS = {
    'type': 'string',
    'pattern': RESOURCE_CLASS_PATTERN,
    'minLength': 1,
    'maxLength': 255,
}

GENERATION = {'type': 'integer', 'minimum': 0, 'maximum': MAX_INT}
