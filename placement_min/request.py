"""The request object handlers receive."""

from typing import Any

import webob
from oslo_config import cfg

from placement_min import environ_keys
from placement_min import microversion
from placement_min.context import RequestContext
from placement_min.storage.database import Database


class PlacementRequest(webob.Request):
    """A webob request with what the application adds to it.

    ``path_items``, ``query`` and ``payload`` hold the path items, query
    parameters and body as the operation declared them, converted and
    validated by the application before the handler runs (``payload``
    stays empty for an operation that reads no body).

    Class-level defaults make webob store these attributes on the
    instance rather than in its slower environ-backed attribute dict.
    The defaults are never mutated: the application assigns new dicts.
    """

    # Set by PlacementApp on every request before anything reads it.
    db: Database = None  # type: ignore[assignment]
    conf: cfg.ConfigOpts = None  # type: ignore[assignment]
    max_json_depth: int = 8
    path_items: dict[str, str] = {}
    query: dict[str, Any] = {}
    payload: dict[str, Any] = {}

    @property
    def version(self) -> microversion.Version:
        version: microversion.Version = self.environ[
            environ_keys.MICROVERSION]
        return version

    @property
    def context(self) -> RequestContext:
        context: RequestContext = self.environ[environ_keys.CONTEXT]
        return context
