"""The [workarounds] group: options kept for configuration compatibility."""

from oslo_config import cfg

GROUP = 'workarounds'

OPTS = [
    cfg.BoolOpt(
        'optimize_for_wide_provider_trees',
        default=False,
        help='Accepted for compatibility with Placement configurations, '
             'and without effect: the allocation candidate search always '
             'prunes partial combinations early and always checks '
             'capacity, so it never offers a candidate that does not '
             'fit.'),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)
