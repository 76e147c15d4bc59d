"""placement-min-api: sync the database, then serve under uwsgi.

    placement-min-api [--config-file F] [--http 127.0.0.1:8778] [--ini F]

The uwsgi settings come from etc/placement-min/uwsgi.ini (installed under
share/placement-min); command-line values override its socket.
"""

import argparse
import os
import shutil
import sys
import sysconfig

from placement_min.conf import CONFIG_FILE_ENV
from placement_min.cmd import manage

INI_NAME = 'uwsgi.ini'


def find_ini() -> str:
    """The uwsgi.ini of this installation, or of the source tree."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [
        os.path.join(sysconfig.get_path('data'), 'share', 'placement-min',
                     INI_NAME),
        os.path.join(sys.prefix, 'share', 'placement-min', INI_NAME),
        os.path.join(here, '..', '..', 'etc', 'placement-min', INI_NAME),
    ]
    for path in candidates:
        if os.path.exists(path):
            return os.path.abspath(path)
    raise SystemExit('placement-min-api: uwsgi.ini not found; pass --ini')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='placement-min-api')
    parser.add_argument('--config-file', help='configuration file')
    parser.add_argument('--http', default='127.0.0.1:8778',
                        help='address:port to serve on')
    parser.add_argument('--ini', help='uwsgi ini file')
    parser.add_argument('--processes', type=int,
                        help='worker processes (default: from the ini)')
    args = parser.parse_args(argv)

    uwsgi = shutil.which('uwsgi') or os.path.join(
        os.path.dirname(sys.executable), 'uwsgi')
    if not os.path.exists(uwsgi):
        raise SystemExit("placement-min-api: uwsgi is not installed; "
                         "install the 'server' extra")
    config = ['--config-file', args.config_file] if args.config_file else []
    manage.main([*config, 'db', 'sync'])
    if args.config_file:
        os.environ[CONFIG_FILE_ENV] = os.path.abspath(args.config_file)
    command = [uwsgi, '--ini', args.ini or find_ini(),
               '--http', args.http]
    if args.processes:
        command += ['--processes', str(args.processes)]
    os.execv(uwsgi, command)  # noqa: S606


if __name__ == '__main__':
    sys.exit(main())
