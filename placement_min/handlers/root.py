"""GET /: the version document; no authentication needed."""

from placement_min import microversion
from placement_min import responses


def home(req):
    version = {
        'id': 'v1.0',
        'min_version': str(microversion.MIN_VERSION),
        'max_version': str(microversion.MAX_VERSION),
        'status': 'CURRENT',
        'links': [{'rel': 'self', 'href': ''}],
    }
    return responses.json_response(req, {'versions': [version]})
