"""The WSGI entry point uwsgi loads: placement_min.wsgi:application.

PLACEMENT_MIN_CONFIG_FILE names the configuration file (optional).
Loaded in each worker after the fork (uwsgi lazy-apps), so every process
has its own database engine.
"""

import gc
import os

from placement_min import deploy
from placement_min.conf import CONFIG_FILE_ENV

_config = os.environ.get(CONFIG_FILE_ENV)
application = deploy.init_application([_config] if _config else None)
# NOTE: the objects loaded so far (modules, the application, the
# libraries' caches) live as long as the worker; frozen, the collector
# stops walking them on every full collection, which a request building
# thousands of allocation candidates would otherwise trigger (tens of
# milliseconds each, measured).
gc.freeze()
# NOTE: and the collector runs when tracked objects outnumber those freed
# by its threshold (700 by default). A request's objects live until its
# answer is sent, so the collections during a large answer (1,000
# allocation candidates make some 25,000 containers: 35 collections)
# free nothing and cost a seventh of its time, measured. Above the most
# one answer holds at once, collections come with lasting growth only.
gc.set_threshold(50_000, 10, 10)
