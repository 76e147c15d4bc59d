"""``python -m benchmarks``: run the benchmark and print the report."""

import sys

from benchmarks.driver import main

sys.exit(main())
