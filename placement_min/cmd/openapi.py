"""placement-min-openapi: write the OpenAPI description of this API.

    placement-min-openapi [--output-file etc/placement-min/openapi.json]

The output depends only on the code, byte for byte, so the committed
file can be checked against it.
"""

import argparse
import sys

from placement_min import openapi

DEFAULT_OUTPUT = 'etc/placement-min/openapi.json'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='placement-min-openapi')
    parser.add_argument('--output-file', default=DEFAULT_OUTPUT,
                        help=f'where to write it (default: {DEFAULT_OUTPUT};'
                             ' - for standard output)')
    args = parser.parse_args(argv)
    text = openapi.dumps(openapi.build())
    if args.output_file == '-':
        sys.stdout.write(text)
    else:
        with open(args.output_file, 'w', encoding='utf-8') as output:
            output.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
