"""Option listing for oslo-config-generator (namespace placement_min)."""

from collections.abc import Sequence

from oslo_config import cfg

from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import sizelimit

from placement_min.conf import api
from placement_min.conf import database
from placement_min.conf import paths
from placement_min.conf import placement
from placement_min.conf import security_headers
from placement_min.conf import workarounds


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    # NOTE: the two oslo.middleware groups are listed here because this
    # service relies on them (body size limit, trusted proxy headers);
    # the other library namespaces are listed in config-generator.conf.
    return [
        ('DEFAULT', paths.OPTS),
        (api.GROUP, api.OPTS),
        (database.GROUP, database.OPTS),
        (placement.GROUP, placement.OPTS),
        (security_headers.GROUP, security_headers.OPTS),
        (workarounds.GROUP, workarounds.OPTS),
        ('oslo_middleware', [*sizelimit.OPTS, *http_proxy_to_wsgi.OPTS]),
    ]
