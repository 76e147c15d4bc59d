"""Response builders that apply the microversion rules for caching."""

import datetime
import email.utils
import json

import webob

from placement_min.storage.database import utcnow

_CACHE_HEADERS_SINCE = (1, 15)


def _http_date(moment) -> str:
    return email.utils.format_datetime(moment.replace(
        tzinfo=datetime.UTC), usegmt=True)


def json_response(req, body: dict, status: int = 200,
                  last_modified=None, headers=None) -> webob.Response:
    """A JSON response; from 1.15 with Last-Modified and no-cache."""
    response = webob.Response(
        body=json.dumps(body).encode('utf-8'), status=status,
        content_type='application/json', charset=None)
    if req.version >= _CACHE_HEADERS_SINCE:
        response.headers['Last-Modified'] = _http_date(
            last_modified or utcnow())
        response.headers['Cache-Control'] = 'no-cache'
    if headers:
        response.headers.update(headers)
    return response


def empty_response(status: int = 204, headers=None) -> webob.Response:
    """A bodiless response: no Content-Type, no caching headers."""
    response = webob.Response(status=status)
    response.headers.pop('Content-Type', None)
    if headers:
        response.headers.update(headers)
    return response


def empty_response_with_cache_headers(req, status: int, last_modified,
                                      headers=None) -> webob.Response:
    """A bodiless response that, from 1.15, still says when its object
    last changed: what GET and PUT /traits/{name} send, as Placement's
    clients expect."""
    response = empty_response(status, headers)
    if req.version >= _CACHE_HEADERS_SINCE:
        response.headers['Last-Modified'] = _http_date(
            last_modified or utcnow())
        response.headers['Cache-Control'] = 'no-cache'
    return response


def newest(*moments):
    present = [m for m in moments if m is not None]
    return max(present) if present else None
