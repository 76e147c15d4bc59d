"""GET /: the version document; no authentication needed."""

import webob

from placement_min import microversion
from placement_min import responses
from placement_min.handlers import operation
from placement_min.request import PlacementRequest
from placement_min.schemas import response_bodies


@operation.declare('The version document: which microversions are served.',
                   {200: response_bodies.VERSIONS}, public=True)
def home(req: PlacementRequest) -> webob.Response:
    version = {
        'id': 'v1.0',
        'min_version': str(microversion.MIN_VERSION),
        'max_version': str(microversion.MAX_VERSION),
        'status': 'CURRENT',
        'links': [{'rel': 'self', 'href': ''}],
    }
    return responses.json_response(req, {'versions': [version]})
