"""Fixtures: an application on a fresh database, and scenario helpers.

The database is SQLite in a temporary directory unless
PLACEMENT_MIN_TEST_DB_URL names another (PostgreSQL, MariaDB); either
way each test starts on a freshly migrated schema (see tests/databases).
"""

import pytest
import webtest

from placement_min import conf as placement_conf
from placement_min import context as placement_context
from placement_min import deploy
from placement_min.storage import database
from placement_min.storage import migration
from tests import databases

ADMIN = {'X-Auth-Token': 'admin'}
USER = {'X-Auth-Token': 'alice:project-a'}
LATEST = 'placement latest'
# The security headers of every response, with their default values
# (doc/api.md section 10).
SECURITY_HEADERS = {
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; "
                               "base-uri 'none'; form-action 'none'",
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
}


def version_header(version: str) -> dict:
    return {'OpenStack-API-Version': f'placement {version}'}


def pytest_sessionstart(session):
    """A database server that cannot be reached fails the run at once;
    it never turns into skipped tests."""
    server = databases.server_url()
    if server is not None:
        try:
            databases.check_server(server)
        except RuntimeError as exc:
            raise pytest.UsageError(str(exc)) from None


@pytest.fixture(scope='session')
def migrated_database(tmp_path_factory):
    """Migrated once per session: the SQLite file each test copies, or
    the server database each test empties."""
    server = databases.server_url()
    if server is None:
        path = str(tmp_path_factory.mktemp('template') / 'template.sqlite')
        databases.migrate(f'sqlite:///{path}')
        yield path
        return
    url = databases.create_database(server)
    engine = None
    try:
        databases.migrate(databases.url_string(url))
        engine = databases.engine_for(databases.url_string(url))
        yield engine
    finally:
        if engine is not None:
            engine.dispose()
        databases.drop_database(server, url)


@pytest.fixture
def db_url(migrated_database, tmp_path):
    """The URL of a database on the schema the migrations create, with
    no rows but the standard resource classes."""
    if isinstance(migrated_database, str):
        return databases.copy_sqlite(migrated_database,
                                     str(tmp_path / 'placement-min.sqlite'))
    databases.clear(migrated_database)
    return databases.url_string(migrated_database.url)


@pytest.fixture
def empty_db_url(tmp_path):
    """The URL of a database with no tables at all, dropped after the
    test."""
    server = databases.server_url()
    if server is None:
        yield f'sqlite:///{tmp_path}/empty.sqlite'
        return
    url = databases.create_database(server)
    try:
        yield databases.url_string(url)
    finally:
        databases.drop_database(server, url)


@pytest.fixture
def conf(db_url, tmp_path):
    conf = placement_conf.build_conf(args=[])
    conf.set_override('connection', db_url, 'placement_database')
    conf.set_override('state_path', str(tmp_path))
    return conf


@pytest.fixture
def db(conf):
    db = database.Database.from_conf(conf)
    migration.sync(db.engine)
    yield db
    db.engine.dispose()


class Client:
    """A webtest app with an admin token and scenario helpers."""

    def __init__(self, app: webtest.TestApp):
        self.app = app

    def request(self, method: str, path: str, body=None, version='latest',
                headers=None, status=None, token='admin'):
        all_headers = dict(version_header(version)) if version else {}
        if token is not None:
            all_headers['X-Auth-Token'] = token
        all_headers.update(headers or {})
        kwargs = {'headers': all_headers, 'expect_errors': True}
        if body is not None:
            kwargs['params'] = body
        call = getattr(self.app, method.lower() + ('_json' if body is not None
                                                    else ''))
        response = call(path, **kwargs)
        if status is not None:
            assert response.status_int == status, (
                f'{method} {path}: {response.status} {response.body!r}')
        return response

    def create_provider(self, name='rp', inventories=None, parent=None,
                        uuid=None) -> dict:
        """A provider with ``inventories`` ({class: fields}); its body."""
        body = {'name': name}
        if uuid:
            body['uuid'] = uuid
        if parent:
            body['parent_provider_uuid'] = parent
        rp = self.request('POST', '/resource_providers', body,
                          status=200).json
        if inventories:
            result = self.request(
                'PUT', f'/resource_providers/{rp["uuid"]}/inventories',
                {'resource_provider_generation': rp['generation'],
                 'inventories': inventories}, status=200).json
            rp['generation'] = result['resource_provider_generation']
        return rp


@pytest.fixture
def app(conf, db):
    return webtest.TestApp(deploy.loadapp(conf, db))


@pytest.fixture
def client(app):
    return Client(app)


@pytest.fixture
def seen_contexts(monkeypatch):
    """Every request context a policy check was made on."""
    seen = []
    original = placement_context.RequestContext.can

    def can(self, rule, target=None):
        seen.append(self)
        return original(self, rule, target)
    monkeypatch.setattr(placement_context.RequestContext, 'can', can)
    return seen
