"""Error codes, domain exceptions, and the JSON error document.

Storage and handlers raise these exceptions with the facts (uuid, class,
field); each class states the HTTP status and error code it answers
with, so no table can miss one. ``error_body`` renders the JSON error
document. An exception class without a status is a programming error:
the application lets it through to the fault barrier, which answers 500.

NOTE: the code strings are part of the API: clients match on them, so
they never change once released.
"""

import json
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, TypeVar
from wsgiref.types import StartResponse, WSGIEnvironment

from placement_min import environ_keys
from placement_min import microversion

UNDEFINED_CODE = 'placement.undefined_code'
CONCURRENT_UPDATE = 'placement.concurrent_update'
INVENTORY_INUSE = 'placement.inventory.inuse'
DUPLICATE_NAME = 'placement.duplicate_name'
PROVIDER_INUSE = 'placement.resource_provider.inuse'
PROVIDER_CANNOT_DELETE_PARENT = (
    'placement.resource_provider.cannot_delete_parent')
PROVIDER_NOT_FOUND = 'placement.resource_provider.not_found'
QUERY_DUPLICATE_KEY = 'placement.query.duplicate_key'
QUERY_BAD_VALUE = 'placement.query.bad_value'
QUERY_MISSING_VALUE = 'placement.query.missing_value'

T = TypeVar('T')
Headers = Sequence[tuple[str, str]]

# Fixed here rather than taken from http.HTTPStatus, whose phrases
# change between Python releases (413 became "Content Too Large").
TITLES = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    406: 'Not Acceptable',
    409: 'Conflict',
    411: 'Length Required',
    413: 'Request Entity Too Large',
    415: 'Unsupported Media Type',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
}

GENERIC_500_DETAIL = (
    'The server failed to handle the request. The request id in this '
    'response identifies the failure in the server log.')
GENERIC_503_DETAIL = (
    'The database is unavailable. Try again later; nothing was changed '
    'by this request.')


def status_line(status: int) -> str:
    return f'{status} {TITLES.get(status, "Error")}'


# Outside strings JSON has none of these characters, so escaping them
# everywhere leaves the document's meaning unchanged.
_MARKUP_ESCAPES = str.maketrans({'<': '\\u003c', '>': '\\u003e',
                                 '&': '\\u0026'})


def error_body(status: int, detail: str, request_id: str | None,
               code: str | None,
               extra: dict[str, str] | None = None) -> bytes:
    """The JSON error document; ``code`` is None below microversion 1.23.

    json.dumps escapes quotes and control characters in whatever user
    input ``detail`` quotes, and ``<``, ``>`` and ``&`` become \\u
    escapes too, so no markup from the request is echoed back raw, even
    to a client that renders the error as HTML.
    """
    error: dict[str, Any] = {
        'status': status, 'title': TITLES.get(status, 'Error'),
        'detail': detail, 'request_id': request_id}
    if code is not None:
        error['code'] = code
    if extra:
        error.update(extra)
    return json.dumps({'errors': [error]}).translate(
        _MARKUP_ESCAPES).encode('utf-8')


def shorten(value: T, limit: int = 200) -> T | str:
    """Cap what a detail quotes of the request (a 100 KB path item)."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + '...'
    return value


class PlacementError(Exception):
    """Base of every error this service raises on purpose.

    ``detail`` is built from the facts with str.format on a constant
    template, so user input is only ever an argument, never a format.
    """

    template: ClassVar[str] = 'The request could not be completed.'
    # None on the abstract classes only; tests/unit/test_errors.py
    # checks that every class a handler can raise has one.
    status: int | None = None
    code: str = UNDEFINED_CODE
    # Headers the error response carries besides the usual ones.
    headers: Headers = ()

    def __init__(self, **facts: object) -> None:
        super().__init__(self.template.format(
            **{k: shorten(v) for k, v in facts.items()}))

    @property
    def detail(self) -> str:
        return str(self)


class HTTPError(PlacementError):
    """A request-level error a handler raises with its status directly.

    For problems with the request itself (its body, query, headers) that
    involve no stored object.
    """

    def __init__(self, status: int, detail: str,
                 code: str = UNDEFINED_CODE, headers: Headers = ()) -> None:
        Exception.__init__(self, detail)
        self.status = status
        self.code = code
        self.headers = headers


class PolicyDenied(PlacementError):
    status = 403
    code = UNDEFINED_CODE
    template = 'Policy does not allow {rule} to be performed.'


# Storage-level facts ------------------------------------------------------

class NotFound(PlacementError):
    status = 404
    code = UNDEFINED_CODE
    template = 'Not found.'


class ResourceProviderNotFound(NotFound):
    status = 404
    code = UNDEFINED_CODE
    template = 'No resource provider with uuid {uuid} found.'


class ParentProviderNotFound(PlacementError):
    status = 400
    code = UNDEFINED_CODE
    template = 'Parent resource provider {uuid} does not exist.'


class ResourceClassNotFound(NotFound):
    status = 404
    code = UNDEFINED_CODE
    template = 'No such resource class {name}.'


class UnknownResourceClass(PlacementError):
    """A body names a class that does not exist (400, not 404)."""

    status = 400
    code = UNDEFINED_CODE
    template = 'Unknown resource class in request: {name}.'


class InventoryNotFound(NotFound):
    status = 404
    code = UNDEFINED_CODE
    template = ('No inventory of class {resource_class} found for '
                'resource provider {uuid}.')


class InventoryClassAbsent(PlacementError):
    """PUT of one inventory whose class the provider does not have."""

    status = 400
    code = UNDEFINED_CODE
    template = ('No inventory of class {resource_class} found on resource '
                'provider {uuid}; create it with POST or PUT all '
                'inventories first.')


class InvalidInventory(PlacementError):
    status = 400
    code = UNDEFINED_CODE
    template = ('Invalid inventory of class {resource_class} for resource '
                'provider {uuid}: {reason}')


# NOTE: clients read some details, not only codes (tests/functional/
# test_client_phrases.py names each one): Nova before microversion 1.23
# retries an allocation write whose 409 says "concurrently updated"; from
# 1.28 it gives up on one that says "consumer generation conflict" and
# retries any other placement.concurrent_update. So a provider race says
# the first phrase and never the second.
class ConcurrentUpdate(PlacementError):
    status = 409
    code = CONCURRENT_UPDATE
    template = ('Resource provider {uuid} generation conflict: another '
                'request concurrently updated it; fetch it and retry.')


class ProviderGenerationMismatch(PlacementError):
    """The generation a client sent is not the provider's: a conflict
    no new try can win, unlike the races of ``ConcurrentUpdate``."""

    status = 409
    code = CONCURRENT_UPDATE
    template = ('Resource provider {uuid} generation conflict: the request '
                'sent generation {expected}, but another request '
                'concurrently updated it to {actual}; fetch it and retry.')


class TransactionConflict(PlacementError):
    """The database kept failing the transaction on concurrent writers."""

    status = 409
    code = CONCURRENT_UPDATE
    template = ('The request conflicted with requests that concurrently '
                'updated the same data and was not applied; retry it.')


class InventoryAlreadyExists(PlacementError):
    status = 409
    code = CONCURRENT_UPDATE
    template = ('Inventory of class {resource_class} already exists on '
                'resource provider {uuid}; update it with PUT.')


class ConsumerGenerationConflict(PlacementError):
    """Nova reads "consumer generation conflict" in the detail (see
    ConcurrentUpdate): the phrase starts it, exactly."""

    status = 409
    code = CONCURRENT_UPDATE
    template = ('consumer generation conflict on consumer {uuid}: '
                'expected generation {expected}, found {actual}; fetch its '
                'allocations and retry.')


class DuplicateName(PlacementError):
    status = 409
    code = DUPLICATE_NAME
    template = '{kind} with {field} {value} already exists.'


class DuplicateProvider(DuplicateName):
    """Nova creates a provider and, on a 409, takes it for a race on the
    uuid (and fetches the provider) unless the detail says "Conflicting
    resource provider name:"; so ``field`` says which one it is."""

    template = 'Conflicting resource provider {field}: {value} already exists.'


class InventoryInUse(PlacementError):
    """Nova before microversion 1.23 finds this case by matching "Inventory
    for (.+) on resource provider (.+) in use" in the detail."""

    status = 409
    code = INVENTORY_INUSE
    template = ('Inventory for {resource_class} on resource provider {uuid} '
                'in use: allocations use it, so it cannot be removed.')


class ResourceProviderInUse(PlacementError):
    status = 409
    code = PROVIDER_INUSE
    template = ('Resource provider {uuid} has allocations and cannot be '
                'deleted.')


class CannotDeleteParent(PlacementError):
    status = 409
    code = PROVIDER_CANNOT_DELETE_PARENT
    template = ('Resource provider {uuid} has child providers and cannot '
                'be deleted; delete the children first.')


class ResourceClassInUse(PlacementError):
    status = 409
    code = UNDEFINED_CODE
    template = ('Resource class {name} is used by inventory and cannot be '
                'deleted.')


class StandardResourceClass(PlacementError):
    status = 400
    code = UNDEFINED_CODE
    template = ('Resource class {name} is a standard class and cannot be '
                'created, changed or deleted.')


class ProviderTreeConflict(PlacementError):
    """A re-parenting that the tree rules forbid."""

    status = 400
    code = UNDEFINED_CODE
    template = 'Resource provider {uuid} cannot be re-parented: {reason}'


class AllocationConflict(PlacementError):
    """An allocation that the inventory rules refuse (capacity, units)."""

    status = 409
    code = UNDEFINED_CODE
    template = ('Unable to allocate {amount} {resource_class} on resource '
                'provider {uuid}: {reason}')


class AllocationProviderNotFound(PlacementError):
    """An allocation body names a provider that does not exist (400)."""

    status = 400
    code = UNDEFINED_CODE
    template = 'Allocation for resource provider {uuid} that does not exist.'


class ReshapeProviderNotFound(PlacementError):
    """A reshape names a provider that does not exist (400)."""

    status = 400
    code = PROVIDER_NOT_FOUND
    template = ('Resource provider {uuid} named in the {part} of the '
                'reshape does not exist.')


class AllocationTargetMissing(PlacementError):
    status = 409
    code = UNDEFINED_CODE
    template = ('Resource provider {uuid} has no inventory of class '
                '{resource_class}.')


class ConsumerNotFound(NotFound):
    status = 404
    code = UNDEFINED_CODE
    template = 'No allocations for consumer {uuid}.'


class TraitNotFound(NotFound):
    status = 404
    code = UNDEFINED_CODE
    template = 'No such trait {name}.'


class UnknownTraits(PlacementError):
    """A body or query names traits that do not exist (400, not 404)."""

    status = 400
    code = UNDEFINED_CODE
    template = 'No such trait(s): {names}.'


class StandardTrait(PlacementError):
    status = 400
    code = UNDEFINED_CODE
    template = ('Trait {name} is a standard trait and cannot be deleted; '
                'only CUSTOM_ traits can.')


class TraitInUse(PlacementError):
    status = 409
    code = UNDEFINED_CODE
    template = ('Trait {name} is associated with at least one resource '
                'provider and cannot be deleted.')


class DatabaseUnavailable(Exception):
    """The database cannot be reached; carries no driver text on purpose."""


def respond(environ: WSGIEnvironment, start_response: StartResponse,
            status: int, detail: str, code: str = UNDEFINED_CODE,
            headers: Headers = (),
            extra: dict[str, str] | None = None) -> Iterable[bytes]:
    """Send the JSON error document as a plain WSGI response.

    The one renderer for every error, whichever layer found it: the
    version (for ``code``, from 1.23) and request id come from environ.
    """
    environ[environ_keys.ERROR_RENDERED] = True
    version = environ.get(environ_keys.MICROVERSION)
    show_code = version is not None and version >= microversion.ERROR_CODES
    body = error_body(status, detail, environ.get(environ_keys.REQUEST_ID),
                      code if show_code else None, extra)
    start_response(status_line(status), [
        ('Content-Type', 'application/json'),
        ('Content-Length', str(len(body))),
        *headers,
    ])
    return [body]
