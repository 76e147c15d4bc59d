"""The middleware pipeline, assembled in one visible place."""

import logging
from wsgiref.types import WSGIApplication

from oslo_config import cfg
from oslo_log import log as oslo_logging
from oslo_middleware import cors
from oslo_middleware import healthcheck
from oslo_middleware import http_proxy_to_wsgi

from placement_min import conf as placement_conf
from placement_min import errors
from placement_min import openapi
from placement_min.app import PlacementApp
from placement_min.context import create_enforcer
from placement_min.middleware.access_log import AccessLog
from placement_min.middleware.auth import IdentityToContext
from placement_min.middleware.auth import NoAuth2
from placement_min.middleware.auth import PublicPaths
from placement_min.middleware.auth import keystone_auth_token
from placement_min.middleware.body_size import body_size_limit
from placement_min.middleware.fault import FaultBarrier
from placement_min.middleware.microversion import MicroversionMiddleware
from placement_min.middleware.request_context import RequestContextMiddleware
from placement_min.middleware.request_id import RequestId
from placement_min.middleware.security_headers import SecurityHeaders
from placement_min.storage import migration
from placement_min.storage.database import Database

LOG = logging.getLogger(__name__)


def build_pipeline(conf: cfg.ConfigOpts, db: Database) -> WSGIApplication:
    """The WSGI application: middleware around PlacementApp.

    Listed innermost first, each wrapping the one before it; the comment
    on each layer says why it sits there.
    """
    placement = PlacementApp(db, conf.api.max_json_depth, conf=conf)
    # Identity into the context, right before the handlers that use it.
    app: WSGIApplication = IdentityToContext(placement)
    # Authentication guards everything but the public paths below.
    if conf.api.auth_strategy == 'keystone':
        app = keystone_auth_token(app, conf)
    else:
        app = NoAuth2(app)
    # The version document, the health check and the API description
    # need no token.
    public: dict[str, WSGIApplication] = {
        '/': placement,
        '/healthcheck': healthcheck.Healthcheck(None, conf),
        openapi.DOCUMENT_PATH: openapi.DocumentApp(conf.api.serve_openapi)}
    app = PublicPaths(app, public)
    # Size limit before anything can read a body.
    app = body_size_limit(app, conf)
    # CORS answers preflight requests, which carry no token, before auth.
    if conf.cors.allowed_origin:
        app = cors.CORS(app, conf)
    # Every exception and library error page below becomes a JSON error.
    app = FaultBarrier(app)
    # The version is known to all below (error codes from 1.23) and
    # stamped on every response they produce, errors included.
    app = MicroversionMiddleware(app)
    # Outside every layer that answers, so every response has them.
    app = SecurityHeaders(app, conf)
    # Scheme and client address from a trusted proxy, before anything
    # (HSTS, logs) reads them; only when configured, since it trusts
    # those headers and does nothing else (it costs every request).
    if conf.oslo_middleware.enable_proxy_headers_parsing:
        app = http_proxy_to_wsgi.HTTPProxyToWSGI(app, conf)
    # Sees the final status of every response, from any layer below.
    app = AccessLog(app)
    # The context, so that every log line below has the request id.
    app = RequestContextMiddleware(app, create_enforcer(conf))
    # The request id first of all: every layer below can use it, and it
    # is stamped on every response.
    pipeline: WSGIApplication = RequestId(app, conf)
    return pipeline


def loadapp(conf: cfg.ConfigOpts,
            db: Database | None = None) -> WSGIApplication:
    """Build the application for ``conf``: the database (its schema
    synced, or checked to be current and its standard rows added), then
    the pipeline. Logging is the caller's to set up
    (``init_application`` does)."""
    db = db or Database.from_conf(conf)
    if conf.placement_database.sync_on_startup:
        migration.sync(db.engine)
    else:
        try:
            migration.check_current(db)
            migration.ensure_standard_rows(db)
        except errors.DatabaseUnavailable:
            # NOTE: a worker that uwsgi (re)starts while the database is
            # away must still load, or uwsgi (need-app) ends the whole
            # service. It answers 503 until the database is back; the
            # next worker to start, or "db sync", adds the standard rows.
            LOG.warning('Database unavailable while loading; its schema '
                        'revision and standard resource classes and '
                        'traits not checked')
    return build_pipeline(conf, db)


def setup_logging(conf: cfg.ConfigOpts) -> None:
    """oslo.log as configured, and the option values at DEBUG."""
    oslo_logging.setup(conf, 'placement-min')
    conf.log_opt_values(logging.getLogger(__name__), logging.DEBUG)


def init_application(config_files: list[str] | None = None
                     ) -> WSGIApplication:
    """The WSGI application of a process: configuration, logging, then
    ``loadapp``."""
    conf = placement_conf.build_conf(config_files)
    setup_logging(conf)
    return loadapp(conf)
