"""Response builders that apply the microversion rules for caching."""

import datetime
import email.utils
import json
from collections.abc import Mapping
from typing import Any

import webob

from placement_min import microversion as mv
from placement_min.request import PlacementRequest
from placement_min.storage.database import utcnow


def _http_date(moment: datetime.datetime) -> str:
    return email.utils.format_datetime(moment.replace(
        tzinfo=datetime.UTC), usegmt=True)


def json_response(req: PlacementRequest, body: dict[str, Any],
                  status: int = 200,
                  last_modified: datetime.datetime | None = None,
                  headers: Mapping[str, str] | None = None
                  ) -> webob.Response:
    """A JSON response; from 1.15 with Last-Modified and no-cache.

    NOTE: bodies are trees the handlers build, never cyclic: the
    encoder's cycle bookkeeping (a quarter of its time on large answers)
    is off.
    """
    return encoded_json_response(
        req, json.dumps(body, check_circular=False).encode('utf-8'),
        status, last_modified, headers)


def encoded_json_response(req: PlacementRequest, body: bytes,
                          status: int = 200,
                          last_modified: datetime.datetime | None = None,
                          headers: Mapping[str, str] | None = None
                          ) -> webob.Response:
    """``json_response`` for a body its caller already wrote as JSON."""
    # NOTE: webob adds no charset to application/json (JSON is UTF-8).
    response = webob.Response(
        body=body, status=status,
        content_type='application/json')
    if req.version >= mv.CACHE_HEADERS:
        response.headers['Last-Modified'] = _http_date(
            last_modified or utcnow())
        response.headers['Cache-Control'] = 'no-cache'
    if headers:
        response.headers.update(headers.items())
    return response


def json_list(key: str, items: list[bytes]) -> bytes:
    """``{"key": [item, ...]}`` from items already written as JSON.

    NOTE: made in a single buffer (``items`` is changed): for a list
    of thousands of providers, a second multi-megabyte buffer (a copy,
    a str encoded) cost ten times what the join does, for the fresh
    memory it takes.
    """
    head = json.dumps({key: []})[:-2].encode('utf-8')
    if not items:
        return head + b']}'
    items[0] = head + items[0]
    items[-1] += b']}'
    return b', '.join(items)


def location(req: PlacementRequest, path: str) -> dict[str, str]:
    """The Location header of an object created or confirmed at
    ``path``, under the service's mount point as every link is."""
    return {'Location': f'{req.script_name}{path}'}


def empty_response(status: int = 204,
                   headers: Mapping[str, str] | None = None
                   ) -> webob.Response:
    """A bodiless response: no Content-Type, no caching headers."""
    response = webob.Response(status=status)
    response.headers.pop('Content-Type', None)
    if headers:
        response.headers.update(headers.items())
    return response


def empty_response_with_cache_headers(
        req: PlacementRequest, status: int,
        last_modified: datetime.datetime | None,
        headers: dict[str, str] | None = None) -> webob.Response:
    """A bodiless response that, from 1.15, still says when its object
    last changed: what GET and PUT /traits/{name} send, as Placement's
    clients expect."""
    response = empty_response(status, headers)
    if req.version >= mv.CACHE_HEADERS:
        response.headers['Last-Modified'] = _http_date(
            last_modified or utcnow())
        response.headers['Cache-Control'] = 'no-cache'
    return response


def newest(*moments: datetime.datetime | None
           ) -> datetime.datetime | None:
    """The latest of ``moments`` that are known; None if none is."""
    present = [m for m in moments if m is not None]
    return max(present) if present else None
