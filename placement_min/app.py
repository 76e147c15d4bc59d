"""The innermost WSGI application: route, enforce what the operation
declares, call the handler, render domain errors."""

import logging
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIEnvironment

from oslo_config import cfg

from placement_min import errors
from placement_min import jsonbody
from placement_min import query
from placement_min.handlers import path_items
from placement_min.handlers.operation import Operation
from placement_min.request import PlacementRequest
from placement_min.router import Router
from placement_min.storage.database import Database

LOG = logging.getLogger(__name__)

_JSON_OFFERS = ['application/json']


def _accepts_json(req: PlacementRequest) -> bool:
    accept = req.environ.get('HTTP_ACCEPT')
    if not accept:
        return True
    # NOTE: the substring test is only safe without q-values, since
    # "application/json;q=0" refuses JSON.
    if 'q=' not in accept and ('application/json' in accept
                               or '*/*' in accept):
        return True
    return bool(req.accept.acceptable_offers(_JSON_OFFERS))


def _path(req: PlacementRequest) -> str:
    """The decoded path; one that is not UTF-8 names nothing here: 404."""
    try:
        return req.path_info
    except UnicodeDecodeError:
        raise errors.HTTPError(
            404, 'The resource could not be found: its path is not '
                 'UTF-8.') from None


def _enforce(req: PlacementRequest, operation: Operation,
             raw_items: dict[str, str]) -> None:
    """What the operation declares, in the order clients see it: policy
    (403), path items (404/400), query string (400), the operation's
    precheck if any (404), body (415/400)."""
    if operation.policy is not None:
        target = (operation.policy_target(req)
                  if operation.policy_target is not None else None)
        req.context.can(operation.policy, target)
    req.path_items = {
        name: operation.path.get(name, path_items.DEFAULTS[name])(value)
        for name, value in raw_items.items()}
    req.query = query.parse(req.environ,
                            operation.query_at(req.version))
    if operation.precheck is not None:
        operation.precheck(req)
    validator = operation.body_at(req.version)
    if validator is not None:
        req.payload = jsonbody.read(req, validator, req.max_json_depth)


class PlacementApp:

    def __init__(self, db: Database, max_json_depth: int,
                 router: Router | None = None, *,
                 conf: cfg.ConfigOpts) -> None:
        self.db = db
        self.max_json_depth = max_json_depth
        self.router = router or Router()
        self.conf = conf

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        req = PlacementRequest(environ)
        req.db = self.db
        req.conf = self.conf
        req.max_json_depth = self.max_json_depth
        try:
            handler, raw_items = self.router.match(
                req.method, _path(req), req.version)
            if not _accepts_json(req):
                raise errors.HTTPError(
                    406, 'Only application/json responses can be served.')
            _enforce(req, handler.operation, raw_items)
            response = handler(req)
        except errors.PlacementError as exc:
            if exc.status is None:
                raise  # nobody chose a status: the fault barrier's 500
            return errors.respond(environ, start_response, exc.status,
                                  exc.detail, exc.code,
                                  headers=exc.headers)
        return response(environ, start_response)
