"""The WSGI entry point uwsgi loads: placement_min.wsgi:application.

PLACEMENT_MIN_CONFIG_FILE names the configuration file (optional).
Loaded in each worker after the fork (uwsgi lazy-apps), so every process
has its own database engine.
"""

import os

from placement_min import deploy
from placement_min.conf import CONFIG_FILE_ENV

_config = os.environ.get(CONFIG_FILE_ENV)
application = deploy.init_application([_config] if _config else None)
