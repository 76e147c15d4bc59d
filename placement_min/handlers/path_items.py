"""Path items checked before they reach storage.

The application converts every path item with the converter named here
for it (an operation may declare another) before the handler runs. A
path item that cannot name an object is answered as that object not
existing (404), never as a server error.
"""

from placement_min import errors
from placement_min import patterns


def provider_uuid(value: str) -> str:
    if not patterns.is_uuid(value):
        raise errors.ResourceProviderNotFound(uuid=value)
    return value.lower()


def consumer_uuid(value: str) -> str:
    """A consumer uuid: 400 for every method when it is not a UUID (PUT
    would otherwise create a consumer that cannot exist, and GET and
    DELETE answer the same so that a typo is reported)."""
    if not patterns.is_uuid(value):
        raise errors.HTTPError(
            400, f'Consumer uuid {errors.shorten(value)!r} in the path is '
                 'not a UUID.')
    return value.lower()


def resource_class_name(value: str) -> str:
    """A resource class to look up: 404 when it cannot be one."""
    if not patterns.is_resource_class(value):
        raise errors.ResourceClassNotFound(name=value)
    return value


def as_is(value: str) -> str:
    """Left to the handler, which knows which error a bad value is."""
    return value


# The converter of each path item, by its name in the route templates.
DEFAULTS = {
    'uuid': provider_uuid,
    'consumer_uuid': consumer_uuid,
    'resource_class': as_is,
    'name': resource_class_name,
}
