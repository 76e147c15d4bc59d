"""The [placement] group: rules of the Placement API itself."""

from oslo_config import cfg

GROUP = 'placement'

OPTS = [
    cfg.IntOpt(
        'allocation_conflict_retry_count',
        default=10,
        min=0,
        help='How many times an allocation write (PUT, POST and DELETE of '
             'allocations, POST /reshaper) is tried before the client '
             'gets 409 placement.concurrent_update. A try is run again '
             'when it lost a race the client did not ask to detect: a '
             'resource provider changed by another request (clients send '
             'no provider generations with allocations), a consumer '
             'changed when the client sent no consumer generation, or a '
             'deadlock or serialisation failure reported by the '
             'database. Each try re-reads and re-checks everything. As '
             'in Placement, 0 refuses every allocation write with 409.'),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)
