"""Microversions 1.0 to 1.39: what a request asked for, strictly parsed.

microversion-parse finds this service's value in the header (any case,
several services in one header); a stricter format check than its own
``int()`` parse refuses values such as ``01.5`` or ``1.5 ``.
"""

import functools
import re
from wsgiref.types import WSGIEnvironment

import microversion_parse

SERVICE_TYPE = 'placement'
HEADER = 'OpenStack-API-Version'

Version = microversion_parse.Version

# The features, by the version that added them. Code tests
# ``req.version >= FEATURE``, never a bare tuple.
BASE = Version(1, 0)
AGGREGATES = Version(1, 1)
CUSTOM_RESOURCE_CLASSES = Version(1, 2)
PROVIDERS_MEMBER_OF = Version(1, 3)
PROVIDERS_RESOURCES = Version(1, 4)
DELETE_ALL_INVENTORIES = Version(1, 5)
TRAITS = Version(1, 6)
RESOURCE_CLASS_PUT_ENSURES = Version(1, 7)
ALLOCATION_OWNER_REQUIRED = Version(1, 8)
PROJECT_USAGES = Version(1, 9)
ALLOCATION_CANDIDATES = Version(1, 10)
ALLOCATIONS_LINK = Version(1, 11)
ALLOCATIONS_BY_PROVIDER = Version(1, 12)
POST_ALLOCATIONS = Version(1, 13)
NESTED_PROVIDERS = Version(1, 14)
CACHE_HEADERS = Version(1, 15)
CANDIDATES_LIMIT = Version(1, 16)
CANDIDATES_REQUIRED = Version(1, 17)
PROVIDERS_REQUIRED = Version(1, 18)
AGGREGATES_GENERATION = Version(1, 19)
CREATE_PROVIDER_RETURNS_BODY = Version(1, 20)
CANDIDATES_MEMBER_OF = Version(1, 21)
FORBIDDEN_TRAITS = Version(1, 22)
ERROR_CODES = Version(1, 23)
MEMBER_OF_REPEATED = Version(1, 24)
GRANULAR_GROUPS = Version(1, 25)
RESERVED_EQUALS_TOTAL = Version(1, 26)
SUMMARIES_ALL_INVENTORY = Version(1, 27)
CONSUMER_GENERATIONS = Version(1, 28)
CANDIDATES_NESTED = Version(1, 29)
RESHAPER = Version(1, 30)
CANDIDATES_IN_TREE = Version(1, 31)
FORBIDDEN_AGGREGATES = Version(1, 32)
STRING_SUFFIXES = Version(1, 33)
CANDIDATES_MAPPINGS = Version(1, 34)
ROOT_REQUIRED = Version(1, 35)
SAME_SUBTREE = Version(1, 36)
REPARENT_PROVIDERS = Version(1, 37)
CONSUMER_TYPES = Version(1, 38)
ANY_OF_TRAITS = Version(1, 39)

# One line per version: what it added. MAX_VERSION is the last line.
CHANGELOG: tuple[tuple[Version, str], ...] = (
    (BASE, 'Providers, inventories, allocations, usages.'),
    (AGGREGATES, 'Provider aggregates; the "aggregates" link.'),
    (CUSTOM_RESOURCE_CLASSES, '/resource_classes: custom classes.'),
    (PROVIDERS_MEMBER_OF, 'member_of filter on GET /resource_providers.'),
    (PROVIDERS_RESOURCES, 'resources filter on GET /resource_providers.'),
    (DELETE_ALL_INVENTORIES, 'DELETE all inventories of a provider.'),
    (TRAITS, '/traits and provider traits; the "traits" link.'),
    (RESOURCE_CLASS_PUT_ENSURES, 'PUT /resource_classes/{name} creates or '
                                 'confirms, without a body.'),
    (ALLOCATION_OWNER_REQUIRED, 'PUT allocations requires project_id and '
                                'user_id.'),
    (PROJECT_USAGES, 'GET /usages of a project or user.'),
    (ALLOCATION_CANDIDATES, 'GET /allocation_candidates.'),
    (ALLOCATIONS_LINK, 'The "allocations" link of a provider.'),
    (ALLOCATIONS_BY_PROVIDER, 'Allocations keyed by provider uuid; '
                              'project_id and user_id in GET allocations.'),
    (POST_ALLOCATIONS, 'POST /allocations: several consumers at once.'),
    (NESTED_PROVIDERS, 'Provider trees: parent and root uuids, in_tree.'),
    (CACHE_HEADERS, 'Last-Modified and Cache-Control.'),
    (CANDIDATES_LIMIT, 'limit on allocation candidates.'),
    (CANDIDATES_REQUIRED, 'required traits on allocation candidates; '
                          'traits in provider summaries.'),
    (PROVIDERS_REQUIRED, 'required filter on GET /resource_providers.'),
    (AGGREGATES_GENERATION, 'Provider aggregates carry and check the '
                            'provider generation.'),
    (CREATE_PROVIDER_RETURNS_BODY, 'POST /resource_providers answers 200 '
                                   'with the provider.'),
    (CANDIDATES_MEMBER_OF, 'member_of on allocation candidates.'),
    (FORBIDDEN_TRAITS, 'Forbidden traits: !TRAIT.'),
    (ERROR_CODES, 'Error codes in error bodies.'),
    (MEMBER_OF_REPEATED, 'Repeated member_of: every one must match.'),
    (GRANULAR_GROUPS, 'Numbered request groups and group_policy.'),
    (RESERVED_EQUALS_TOTAL, 'Inventory reserved may equal total.'),
    (SUMMARIES_ALL_INVENTORY, 'Provider summaries list every inventory.'),
    (CONSUMER_GENERATIONS, 'Consumer generations on allocation writes.'),
    (CANDIDATES_NESTED, 'Allocation candidates span provider trees; '
                        'parent and root in summaries.'),
    (RESHAPER, 'POST /reshaper.'),
    (CANDIDATES_IN_TREE, 'in_tree on allocation candidates.'),
    (FORBIDDEN_AGGREGATES, 'Forbidden aggregates: member_of=!...'),
    (STRING_SUFFIXES, 'Request group suffixes may be strings.'),
    (CANDIDATES_MAPPINGS, 'mappings in allocation requests; accepted in '
                          'allocation writes.'),
    (ROOT_REQUIRED, 'root_required on allocation candidates.'),
    (SAME_SUBTREE, 'same_subtree and resourceless request groups.'),
    (REPARENT_PROVIDERS, 'A provider may be moved to another parent.'),
    (CONSUMER_TYPES, 'Consumer types on allocations and usages.'),
    (ANY_OF_TRAITS, 'required=in:A,B and repeated required.'),
)

MIN_VERSION = CHANGELOG[0][0]
MAX_VERSION = CHANGELOG[-1][0]


def before(feature: Version) -> Version:
    """The last version without ``feature``."""
    return Version(feature.major, feature.minor - 1)


_INVALID = ('Invalid microversion: the OpenStack-API-Version header must '
            'be "placement X.Y" or "placement latest".')
_FORMAT = re.compile(r'^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$')


class InvalidVersion(ValueError):
    """The header's value is not a version: 400."""


class UnacceptableVersion(ValueError):
    """A well-formed version this service does not serve: 406."""


def parse(environ: WSGIEnvironment) -> Version:
    """The version a request asked for; MIN_VERSION when it named none."""
    return _parse_header(environ.get('HTTP_OPENSTACK_API_VERSION'))


# NOTE: clients send a handful of distinct headers ("placement latest",
# "placement 1.39", ...): each is read once per process, not on every
# request. A refused header raises, and is never remembered.
@functools.lru_cache(maxsize=128)
def _parse_header(header: str | None) -> Version:
    """The version the OpenStack-API-Version header ``header`` names."""
    value = microversion_parse.get_version(
        {} if header is None else {'openstack-api-version': header},
        SERVICE_TYPE)
    if value is None:
        _refuse_unreadable_header(header)
        return MIN_VERSION
    if value.lower() == 'latest':
        return MAX_VERSION
    match = _FORMAT.match(value)
    if match is None:
        raise InvalidVersion(_INVALID)
    version = Version(int(match[1]), int(match[2]))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise UnacceptableVersion(
            f'Unacceptable microversion {version}: this service supports '
            f'{MIN_VERSION} to {MAX_VERSION}.')
    return version


def _refuse_unreadable_header(header: str | None) -> None:
    """A header naming other services only is fine; garbage is not.

    microversion-parse skips items it cannot read, which would serve a
    header such as "garbage" or "placement" at the minimum version.
    """
    if header is None:
        return
    if any(len(item.split()) != 2 for item in header.split(',')):
        raise InvalidVersion(_INVALID)


def response_header(version: Version) -> str:
    """The OpenStack-API-Version value of a response served at
    ``version``."""
    return f'{SERVICE_TYPE} {version.major}.{version.minor}'
