"""GET /allocation_candidates against the brute-force oracle.

Each example draws a small world and a valid request (strategies.py),
seeds the world into an application on a fresh database through the
HTTP API (seeding.py), and asks for candidates without ``limit``: the
service must return exactly the oracle's set of candidates, each once,
and the provider summaries the oracle derives from them.

Hypothesis is derandomized, so a run is repeatable;
PLACEMENT_MIN_AC_EXAMPLES sets the number of examples.
"""

import contextlib
import os

import hypothesis
import webtest

from placement_min import conf as placement_conf
from placement_min import deploy
from placement_min.storage import database
from tests import databases
from tests.allocation_candidates import oracle
from tests.allocation_candidates import seeding
from tests.allocation_candidates import strategies

EXAMPLES = int(os.environ.get('PLACEMENT_MIN_AC_EXAMPLES', '60'))


@contextlib.contextmanager
def fresh_app(migrated_database, directory) -> webtest.TestApp:
    """An application on a database as freshly migrated, as the db_url
    and app fixtures build it, but once per example rather than per
    test."""
    if isinstance(migrated_database, str):
        url = databases.copy_sqlite(migrated_database,
                                    str(directory / 'placement-min.sqlite'))
    else:
        databases.clear(migrated_database)
        url = databases.url_string(migrated_database.url)
    conf = placement_conf.build_conf(args=[])
    conf.set_override('connection', url, 'placement_database')
    conf.set_override('state_path', str(directory))
    db = database.Database.from_conf(conf)
    try:
        yield webtest.TestApp(deploy.loadapp(conf, db))
    finally:
        db.engine.dispose()


def _describe(world, request, query, missing, extra) -> str:
    return (f'\nGET /allocation_candidates?{query}\n'
            f'at {request.version}, on {world!r}\n'
            f'missing: {sorted(missing, key=repr)}\n'
            f'unexpected: {sorted(extra, key=repr)}')


def test_candidates_match_the_oracle(migrated_database, tmp_path_factory):
    @hypothesis.settings(
        max_examples=EXAMPLES, derandomize=True, database=None,
        deadline=None, print_blob=False,
        suppress_health_check=[hypothesis.HealthCheck.too_slow,
                               hypothesis.HealthCheck.data_too_large])
    @hypothesis.given(scenario=strategies.scenarios())
    def check(scenario):
        world, request = scenario
        expected = oracle.candidates(world, request)
        with fresh_app(migrated_database,
                       tmp_path_factory.mktemp('ac')) as app:
            seeding.seed(app, world, traits=strategies.CUSTOM_TRAITS,
                         classes=(strategies.CUSTOM_CLASS,))
            query = seeding.query_string(request)
            response = app.get(f'/allocation_candidates?{query}',
                               headers=seeding.headers(request.version),
                               expect_errors=True)
        assert response.status_int == 200, (
            f'{query} at {request.version}: {response.status} '
            f'{response.text}')
        got = seeding.parse_candidates(request.version, response.json)
        assert len(got) == len(set(got)), f'repeated results: {got}'
        assert set(got) == expected, _describe(
            world, request, query, expected - set(got), set(got) - expected)
        assert seeding.parse_summaries(response.json) == (
            oracle.provider_summaries(world, request, expected))

    check()
