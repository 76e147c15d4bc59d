"""Configuration: one module per option group, loaded into one object."""

from oslo_config import cfg
from oslo_log import log as logging
from oslo_middleware import cors
from oslo_middleware import http_proxy_to_wsgi

from placement_min.conf import api
from placement_min.conf import database
from placement_min.conf import paths
from placement_min.conf import placement
from placement_min.conf import security_headers
from placement_min.conf import workarounds

GROUP_MODULES = (paths, api, database, placement, security_headers,
                 workarounds)
# Environment variable naming the configuration file the WSGI entry
# point loads.
CONFIG_FILE_ENV = 'PLACEMENT_MIN_CONFIG_FILE'


def build_conf(config_files: list[str] | None = None,
               args: list[str] | None = None) -> cfg.ConfigOpts:
    """A fresh ConfigOpts with every group registered and files parsed.

    A fresh object per application (never the global CONF) lets tests
    build apps with different settings side by side.
    """
    conf = cfg.ConfigOpts()
    for module in GROUP_MODULES:
        module.register(conf)
    logging.register_options(conf)
    conf.register_opts(cors.CORS_OPTS, 'cors')
    conf.register_opts(http_proxy_to_wsgi.OPTS, 'oslo_middleware')
    conf(args or [], project='placement-min',
         default_config_files=config_files or [])
    return conf
