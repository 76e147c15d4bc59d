"""Where the service keeps its state when no database URL is given."""

import os

from oslo_config import cfg

DEFAULT_STATE_PATH = os.path.join(
    os.environ.get('XDG_STATE_HOME') or os.path.expanduser('~/.local/state'),
    'placement-min')

OPTS = [
    cfg.StrOpt(
        'state_path',
        default=DEFAULT_STATE_PATH,
        sample_default='$XDG_STATE_HOME/placement-min',
        help='Directory for the default SQLite database file.'),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS)
