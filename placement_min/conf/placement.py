"""The [placement] group: rules of the Placement API itself, and how
allocation candidates are generated."""

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
    cfg.BoolOpt(
        'randomize_allocation_candidates',
        default=False,
        help='Shuffle allocation candidates; when a request has a limit '
             'below the number found, return a random sample of that '
             'size instead of the first ones found (the search then '
             'runs to the end, or to max_allocation_candidates).'),
    cfg.IntOpt(
        'max_allocation_candidates',
        default=-1,
        min=-1,
        help='Stop generating allocation candidates once this many '
             'distinct ones are found, before any limit is applied. '
             '-1: no cap (the work budget still applies).'),
    cfg.StrOpt(
        'allocation_candidates_generation_strategy',
        default='depth-first',
        choices=[
            ('depth-first', 'All candidates of one provider tree, then '
                            'the next tree.'),
            ('breadth-first', 'One candidate from each provider tree in '
                              'turn, so that a cap or limit spreads '
                              'over many trees.'),
        ],
        help='Order in which provider trees are searched for allocation '
             'candidates.'),
    cfg.IntOpt(
        'allocation_candidates_budget_ms',
        default=3000,
        min=1,
        help='Milliseconds of search one GET /allocation_candidates may '
             'spend combining providers. Past it the answer holds the '
             'candidates found so far and a warning is logged; the '
             'request never times out or fails for it.'),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)
