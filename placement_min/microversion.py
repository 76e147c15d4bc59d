"""Microversions 1.0 to 1.39: what a request asked for, strictly parsed.

microversion-parse finds this service's value in the header (any case,
several services in one header); a stricter format check than its own
``int()`` parse refuses values such as ``01.5`` or ``1.5 ``.
"""

import re

import microversion_parse

SERVICE_TYPE = 'placement'
HEADER = 'OpenStack-API-Version'
ENVIRON_KEY = 'placement.microversion'
MIN_VERSION = microversion_parse.Version(1, 0)
MAX_VERSION = microversion_parse.Version(1, 39)
_INVALID = ('Invalid microversion: the OpenStack-API-Version header must '
            'be "placement X.Y" or "placement latest".')
_FORMAT = re.compile(r'^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$')


class InvalidVersion(ValueError):
    """The header's value is not a version: 400."""


class UnacceptableVersion(ValueError):
    """A well-formed version this service does not serve: 406."""


def parse(environ: dict) -> microversion_parse.Version:
    """The version a request asked for; MIN_VERSION when it named none."""
    value = microversion_parse.get_version(
        microversion_parse.headers_from_wsgi_environ(environ), SERVICE_TYPE)
    if value is None:
        _refuse_unreadable_header(environ.get('HTTP_OPENSTACK_API_VERSION'))
        return MIN_VERSION
    if value.lower() == 'latest':
        return MAX_VERSION
    match = _FORMAT.match(value)
    if match is None:
        raise InvalidVersion(_INVALID)
    version = microversion_parse.Version(int(match[1]), int(match[2]))
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


def response_header(version) -> str:
    return f'{SERVICE_TYPE} {version.major}.{version.minor}'
