"""The service under real uwsgi, as deployed: the shipped uwsgi.ini,
two worker processes, and a client that reuses its connection."""

import os
import re

import pytest
import requests

import sqlalchemy as sa

from placement_min.storage import migration
from placement_min.storage import resource_class
from placement_min.storage import tables
from placement_min.storage import trait
from tests import databases
from tests import servers

HEADERS = {'X-Auth-Token': 'admin',
           'OpenStack-API-Version': 'placement latest'}


@pytest.fixture
def uwsgi(tmp_path, db_url):
    config = servers.write_config(tmp_path, db_url)
    server = servers.start_uwsgi(tmp_path, config, processes=2)
    yield server
    server.stop()


def _assert_stopped(server: servers.Server) -> None:
    server.stop()
    assert server.process.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(server.pid, 0)


def test_inventory_round_trip_on_one_connection(uwsgi):
    session = requests.Session()
    session.headers.update(HEADERS)
    url = uwsgi.url

    rp = session.post(f'{url}/resource_providers',
                      json={'name': 'compute-1'})
    assert rp.status_code == 200, rp.text
    path = f'{url}/resource_providers/{rp.json()["uuid"]}/inventories'
    inventories = {'VCPU': {'total': 8, 'allocation_ratio': 16.0},
                   'MEMORY_MB': {'total': 4096, 'reserved': 512}}
    put = session.put(path, json={'resource_provider_generation': 0,
                                  'inventories': inventories})
    assert put.status_code == 200, put.text
    assert put.json()['resource_provider_generation'] == 1
    shown = session.get(path)
    assert shown.status_code == 200
    assert shown.json() == put.json()

    stale = session.put(path, json={'resource_provider_generation': 0,
                                    'inventories': {}})
    assert stale.status_code == 409
    assert stale.json()['errors'][0]['code'] == 'placement.concurrent_update'
    assert session.get(path).json() == shown.json()

    # Error responses, among them bodies refused before they were read,
    # must leave the connection fit for the next request.
    no_token = session.post(f'{url}/resource_providers',
                            json={'name': 'x' * 5000},
                            headers={'X-Auth-Token': None})
    assert no_token.status_code == 401
    too_large = session.post(f'{url}/resource_providers',
                             data='{"name": "' + 'x' * 200000 + '"}',
                             headers={'Content-Type': 'application/json'})
    assert too_large.status_code == 413
    not_json = session.post(f'{url}/resource_providers', data='name=x')
    assert not_json.status_code == 415
    assert session.get(f'{url}/no/such/path').status_code == 404
    assert session.patch(path, json={}).status_code == 405
    for refused in (no_token, too_large, not_json):
        assert refused.json()['errors'][0]['status'] == refused.status_code
    for _ in range(40):
        assert session.get(path).json() == shown.json()

    assert session.delete(path).status_code == 204
    assert session.get(path).json()['inventories'] == {}
    provider = f'{url}/resource_providers/{rp.json()["uuid"]}'
    assert session.delete(provider).status_code == 204
    assert session.get(provider).status_code == 404

    # Keep-alive held: all of the above went over one connection.
    pools = session.get_adapter(url).poolmanager.pools
    assert [pools[key].num_connections for key in pools.keys()] == [1]

    # Each worker loaded the application, and so built its own engine,
    # after the fork; the master never did (lazy-apps).
    loaded = re.findall(re.escape(servers.APP_LOADED) + r'.* pid: (\d+)',
                        uwsgi.log())
    assert len(set(loaded)) == len(loaded) == 2
    assert str(uwsgi.pid) not in loaded
    _assert_stopped(uwsgi)


def test_console_script_serves(tmp_path, db_url):
    """README's first command: placement-min-api syncs, then serves."""
    config = servers.write_config(tmp_path, db_url)
    port = servers.free_port()
    server = servers.Server(
        [servers.executable('placement-min-api'), '--config-file', config,
         '--http', f'127.0.0.1:{port}'],
        port, config, str(tmp_path / 'api.log'))
    try:
        server.wait_until_serving()
        versions = requests.get(server.url + '/', timeout=10).json()
        assert versions['versions'][0]['max_version'] == '1.39'
    finally:
        _assert_stopped(server)


def test_four_workers_start_together_on_a_fresh_database(tmp_path,
                                                         empty_db_url):
    """Every worker adds the standard classes and traits it finds
    missing as it loads; four loading at once on a database that has
    the schema and no rows yet must all come up, the rows once each."""
    engine = databases.engine_for(empty_db_url)
    try:
        migration.sync(engine)
        with engine.begin() as conn:
            conn.execute(tables.traits.delete())
            conn.execute(tables.resource_classes.delete())
        config = servers.write_config(tmp_path, empty_db_url)
        server = servers.start_uwsgi(tmp_path, config, processes=4)
        try:
            log = server.log()
            assert log.count(servers.APP_LOADED) == 4, log
            for failure in ('Traceback', 'locked', 'died', 'ERROR'):
                assert failure not in log, log
            session = requests.Session()
            session.headers.update(HEADERS)
            for _ in range(8):
                assert session.get(
                    f'{server.url}/resource_classes').status_code == 200
        finally:
            assert server.stop() is not None
        with engine.connect() as conn:
            traits = list(conn.execute(
                sa.select(tables.traits.c.name)).scalars())
            classes = list(conn.execute(
                sa.select(tables.resource_classes.c.name)).scalars())
        assert sorted(traits) == sorted(trait.STANDARD)
        assert sorted(classes) == sorted(resource_class.STANDARD)
    finally:
        engine.dispose()
