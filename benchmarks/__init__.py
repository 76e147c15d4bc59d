"""Load benchmark of placement_min under uwsgi: ``python -m benchmarks``."""
