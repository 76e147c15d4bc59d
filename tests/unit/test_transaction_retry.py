"""A transaction the database fails as a deadlock victim or a
serialisation failure is run again, a bounded number of times; when the
retries run out the client gets 409 placement.concurrent_update, never
a 500, and nothing is half-applied.

The failures are injected where the real ones surface: as the driver's
own OperationalError, raised when the generation compare-and-set runs.
"""

import pytest
from sqlalchemy import event

from tests import databases

# backend, sqlstate, args: the failures as each backend's driver reports
# them. SQLite, which never reports them, checks them all.
FAILURES = {
    'postgresql-serialization-failure': (
        'postgresql', '40001',
        ('could not serialize access due to concurrent update',)),
    'postgresql-deadlock': ('postgresql', '40P01', ('deadlock detected',)),
    'mariadb-deadlock': (
        'mysql', None,
        (1213, 'Deadlock found when trying to get lock; try restarting '
               'transaction')),
    'mariadb-lock-wait-timeout': (
        'mysql', None,
        (1205, 'Lock wait timeout exceeded; try restarting transaction')),
}


def _failures_of_this_backend() -> list[str]:
    server = databases.server_url()
    backend = server.get_backend_name() if server else None
    return sorted(name for name, (of, _sqlstate, _args) in FAILURES.items()
                  if backend in (None, of))


class FailingCompareAndSet:
    """Fails the first ``times`` generation updates; counts attempts."""

    def __init__(self, engine, sqlstate, args, times):
        dbapi = engine.dialect.loaded_dbapi
        self.error = type('InjectedFailure', (dbapi.OperationalError,),
                          {'sqlstate': sqlstate})
        self.args = args
        self.times = times
        self.attempts = 0

    def __call__(self, conn, cursor, statement, *_ignored):
        if not statement.lstrip().upper().startswith(
                'UPDATE RESOURCE_PROVIDERS'):
            return
        self.attempts += 1
        if self.attempts <= self.times:
            raise self.error(*self.args)


@pytest.fixture(params=_failures_of_this_backend())
def inject(request, db):
    """inject(times): fail the next ``times`` compare-and-sets."""
    listeners = []

    def install(times):
        _backend, sqlstate, args = FAILURES[request.param]
        listener = FailingCompareAndSet(db.engine, sqlstate, args, times)
        event.listen(db.engine, 'before_cursor_execute', listener)
        listeners.append(listener)
        return listener

    yield install
    for listener in listeners:
        event.remove(db.engine, 'before_cursor_execute', listener)


def _inventories_path(client):
    rp = client.create_provider('rp', {'VCPU': {'total': 4}})
    return rp, f'/resource_providers/{rp["uuid"]}/inventories'


def test_retried_until_it_commits(client, db, inject):
    rp, path = _inventories_path(client)
    failing = inject(times=2)
    body = {'resource_provider_generation': rp['generation'],
            'inventories': {'VCPU': {'total': 16}}}
    result = client.request('PUT', path, body, status=200).json
    assert failing.attempts == 3
    # The two failed attempts rolled back: the generation moved once.
    assert result['resource_provider_generation'] == rp['generation'] + 1
    shown = client.request('GET', path, status=200).json
    assert shown['resource_provider_generation'] == rp['generation'] + 1
    assert shown['inventories']['VCPU']['total'] == 16


def test_gives_up_with_409_after_max_retries(client, db, inject):
    rp, path = _inventories_path(client)
    db.max_retries = 3
    before = client.request('GET', path, status=200).json
    failing = inject(times=1000)
    response = client.request(
        'PUT', path, {'resource_provider_generation': rp['generation'],
                      'inventories': {'VCPU': {'total': 16}}}, status=409)
    assert failing.attempts == 1 + db.max_retries
    error = response.json['errors'][0]
    assert error['code'] == 'placement.concurrent_update'
    detail = error['detail'].lower()
    assert not [word for word in ('deadlock', 'serializ', 'lock wait')
                if word in detail]
    assert client.request('GET', path, status=200).json == before
