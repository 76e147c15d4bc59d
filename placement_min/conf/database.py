"""The [placement_database] group: where and how data is stored."""

from oslo_config import cfg

GROUP = 'placement_database'

OPTS = [
    cfg.StrOpt(
        'connection',
        secret=True,
        default='sqlite:///$state_path/placement-min.sqlite',
        help='SQLAlchemy URL of the database. PostgreSQL: postgresql+psycopg://user:pw@host/db;'
             ' MariaDB/MySQL: mysql+pymysql://user:pw@host/db.'),
    cfg.BoolOpt(
        'sync_on_startup',
        default=False,
        help='Run the schema migrations when the WSGI application is '
             'loaded. placement-min-api always syncs before it starts '
             'uwsgi; enable this for other WSGI servers.'),
    cfg.IntOpt(
        'sqlite_busy_timeout',
        default=10000,
        min=0,
        help='Milliseconds a SQLite connection waits for the write lock '
             'held by another worker before giving up.'),
    cfg.IntOpt(
        'pool_size',
        default=5,
        min=1,
        help='Connections kept open per worker process (server '
             'databases only). Each uwsgi worker builds its own engine '
             'and pool after the fork (lazy-apps = true in uwsgi.ini), '
             'so no connection is ever shared between processes.'),
    cfg.IntOpt(
        'max_overflow',
        default=10,
        min=0,
        help='Connections a worker may open beyond pool_size under load.'),
    cfg.IntOpt(
        'pool_timeout',
        default=10,
        min=1,
        help='Seconds to wait for a free pooled connection.'),
    cfg.IntOpt(
        'pool_recycle',
        default=3600,
        min=-1,
        help='Seconds after which a pooled connection is replaced, so '
             'that server-side idle timeouts never hit a request.'),
    cfg.BoolOpt(
        'pool_pre_ping',
        default=True,
        help='Test each pooled connection before use, so that a database '
             'restart costs no failed request.'),
    cfg.IntOpt(
        'max_retries',
        default=5,
        min=0,
        help='How often a transaction that lost a deadlock or '
             'serialisation race is retried before the client gets '
             '409 placement.concurrent_update. Allocation writes are '
             'tried [placement] allocation_conflict_retry_count times '
             'instead, whatever race they lose.'),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)
