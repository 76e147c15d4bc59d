"""The request object handlers receive."""

from typing import Any

import webob

from placement_min import microversion


class PlacementRequest(webob.Request):
    """A webob request with what the application adds to it.

    ``path_items``, ``query`` and ``payload`` hold the path items, query
    parameters and body as the operation declared them, converted and
    validated by the application before the handler runs.

    Class-level defaults make webob store these attributes on the
    instance rather than in its slower environ-backed attribute dict.
    """

    db: Any = None
    conf: Any = None
    max_json_depth = 8
    path_items: dict[str, Any] = {}
    query: dict[str, Any] = {}
    payload: dict[str, Any] | None = None

    @property
    def version(self) -> microversion.Version:
        return self.environ[microversion.ENVIRON_KEY]

    @property
    def context(self) -> Any:
        return self.environ['placement.context']
