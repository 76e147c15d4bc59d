"""placement-min-manage: database administration.

    placement-min-manage [--config-file F] db sync
    placement-min-manage [--config-file F] db version
"""

import argparse
import sys

from placement_min import conf as placement_conf
from placement_min.storage import database
from placement_min.storage import migration


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='placement-min-manage')
    parser.add_argument('--config-file', action='append', default=[],
                        help='configuration file (may be repeated)')
    sub = parser.add_subparsers(dest='group', required=True)
    db_parser = sub.add_parser('db', help='database schema')
    db_parser.add_argument('action', choices=['sync', 'version'])
    args = parser.parse_args(argv)

    conf = placement_conf.build_conf(args.config_file)
    engine = database.create_engine(conf)
    try:
        if args.action == 'sync':
            migration.sync(engine)
            print(f'Database at revision {migration.current_version(engine)}')
        else:
            print(migration.current_version(engine) or 'empty')
    finally:
        engine.dispose()
    return 0


if __name__ == '__main__':
    sys.exit(main())
