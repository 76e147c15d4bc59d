"""Fixtures: an application on a fresh database, and scenario helpers.

The database is SQLite in a temporary directory unless
PLACEMENT_MIN_TEST_DB_URL names another (PostgreSQL, MariaDB).
"""

import os

import pytest
import webtest

from placement_min import conf as placement_conf
from placement_min import deploy
from placement_min.storage import database
from placement_min.storage import migration

ADMIN = {'X-Auth-Token': 'admin'}
USER = {'X-Auth-Token': 'alice:project-a'}
LATEST = 'placement latest'


def version_header(version: str) -> dict:
    return {'OpenStack-API-Version': f'placement {version}'}


@pytest.fixture
def db_url(tmp_path):
    return os.environ.get('PLACEMENT_MIN_TEST_DB_URL') or (
        f'sqlite:///{tmp_path}/placement-min.sqlite')


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
