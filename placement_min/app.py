"""The innermost WSGI application: route, call the handler, map errors."""

import logging

from placement_min import errors
from placement_min.request import PlacementRequest
from placement_min.router import Router

LOG = logging.getLogger(__name__)

_JSON_OFFERS = ['application/json']


def _accepts_json(req) -> bool:
    accept = req.environ.get('HTTP_ACCEPT')
    if not accept:
        return True
    # NOTE: the substring test is only safe without q-values, since
    # "application/json;q=0" refuses JSON.
    if 'q=' not in accept and ('application/json' in accept
                               or '*/*' in accept):
        return True
    return bool(req.accept.acceptable_offers(_JSON_OFFERS))


def _path(req) -> str:
    """The decoded path; one that is not UTF-8 names nothing here: 404."""
    try:
        return req.path_info
    except UnicodeDecodeError:
        raise errors.HTTPError(
            404, 'The resource could not be found: its path is not '
                 'UTF-8.') from None


class PlacementApp:

    def __init__(self, db, max_json_depth: int, router: Router | None = None):
        self.db = db
        self.max_json_depth = max_json_depth
        self.router = router or Router()

    def __call__(self, environ, start_response):
        req = PlacementRequest(environ)
        req.db = self.db
        req.max_json_depth = self.max_json_depth
        try:
            handler, req.path_items = self.router.match(
                req.method, _path(req), req.version)
            if not _accepts_json(req):
                raise errors.HTTPError(
                    406, 'Only application/json responses can be served.')
            response = handler(req)
        except errors.PlacementError as exc:
            status, code = errors.http_status_for(exc)
            return errors.respond(environ, start_response, status,
                                  exc.detail, code,
                                  headers=getattr(exc, 'headers', ()))
        return response(environ, start_response)
