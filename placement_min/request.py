"""The request object handlers receive."""

import webob

from placement_min import jsonbody
from placement_min import microversion
from placement_min import query


class PlacementRequest(webob.Request):
    """A webob request with what the application adds to it.

    Class-level defaults make webob store these attributes on the
    instance rather than in its slower environ-backed attribute dict.
    """

    db = None
    max_json_depth = 8
    path_items: dict = {}

    @property
    def version(self):
        return self.environ[microversion.ENVIRON_KEY]

    @property
    def context(self):
        return self.environ['placement.context']

    def json_body(self, validator) -> dict:
        return jsonbody.read(self, validator, self.max_json_depth)

    def query_params(self, accepted: dict) -> dict:
        return query.parse(self.environ, accepted)
