"""/resource_providers/{uuid}/inventories[/{rc}] (doc/api.md section 7).

Every refused write is checked to leave the stored inventory and the
provider generation exactly as they were.
"""

import uuid as uuidlib

import pytest
import sqlalchemy as sa

from placement_min.storage import tables
from placement_min.storage.database import utcnow

MAX_INT = 2147483647
MAX_FLOAT = 3.40282e+38
DEFAULTS = {'reserved': 0, 'min_unit': 1, 'max_unit': MAX_INT,
            'step_size': 1, 'allocation_ratio': 1.0}
CONFLICT = 'placement.concurrent_update'
IN_USE = 'placement.inventory.inuse'


def error(response) -> dict:
    return response.json['errors'][0]


def inventories_path(rp) -> str:
    return f'/resource_providers/{rp["uuid"]}/inventories'


def stored(client, rp) -> dict:
    return client.request('GET', inventories_path(rp), status=200).json


def allocate(db, rp, resource_class: str, used: int) -> None:
    """Allocation rows written directly, so that inventory is in use."""
    now = utcnow()
    stamps = {'created_at': now, 'updated_at': now}
    with db.engine.begin() as conn:
        rp_id = conn.execute(sa.select(tables.resource_providers.c.id).where(
            tables.resource_providers.c.uuid == rp['uuid'])).scalar_one()
        rc_id = conn.execute(sa.select(tables.resource_classes.c.id).where(
            tables.resource_classes.c.name == resource_class)).scalar_one()
        consumer_id = conn.execute(tables.consumers.insert().values(
            uuid=str(uuidlib.uuid4()), project_id='p', user_id='u',
            generation=0, **stamps)).inserted_primary_key[0]
        conn.execute(tables.allocations.insert().values(
            resource_provider_id=rp_id, consumer_id=consumer_id,
            resource_class_id=rc_id, used=used, **stamps))


@pytest.fixture
def rp(client):
    """A provider with 8 VCPU, at generation 1."""
    return client.create_provider('rp', {'VCPU': {'total': 8}})


def _post_body(rp, fields) -> tuple[str, dict]:
    return inventories_path(rp), {'resource_class': 'DISK_GB', **fields}


def _put_all_body(rp, fields) -> tuple[str, dict]:
    return inventories_path(rp), {
        'resource_provider_generation': rp['generation'],
        'inventories': {'VCPU': fields}}


def _put_one_body(rp, fields) -> tuple[str, dict]:
    return inventories_path(rp) + '/VCPU', {
        'resource_provider_generation': rp['generation'], **fields}


# The three inventory writes that set a class's fields: POST adds
# DISK_GB, the two PUTs change VCPU.
WRITES = {'post': ('POST', _post_body),
          'put_all': ('PUT', _put_all_body),
          'put_one': ('PUT', _put_one_body)}


def write(client, rp, kind, fields, status, version='latest'):
    method, build = WRITES[kind]
    path, body = build(rp, fields)
    return client.request(method, path, body, version=version,
                          status=status)


def written_class(kind) -> str:
    return 'DISK_GB' if kind == 'post' else 'VCPU'


# Every value at and just past each bound; the other fields make the
# inventory valid otherwise.
ACCEPTED = [
    {'total': 1},
    {'total': MAX_INT},
    {'total': 8, 'reserved': 0},
    {'total': MAX_INT, 'reserved': MAX_INT - 1},
    {'total': 8, 'min_unit': 1},
    {'total': 8, 'min_unit': MAX_INT},
    {'total': 8, 'max_unit': 1},
    {'total': 8, 'max_unit': MAX_INT},
    {'total': 8, 'step_size': 1},
    {'total': 8, 'step_size': MAX_INT},
    {'total': 8, 'allocation_ratio': 1e-6},
    {'total': 8, 'allocation_ratio': 16},
    {'total': 8, 'allocation_ratio': MAX_FLOAT},
]

REFUSED = [
    ({'total': 0}, 'total'),
    ({'total': -1}, 'total'),
    ({'total': MAX_INT + 1}, 'total'),
    ({'total': 2 ** 64}, 'total'),
    ({'total': 1.5}, 'total'),
    ({'total': 8.0}, 'total'),
    ({'total': '8'}, 'total'),
    ({'total': None}, 'total'),
    ({'total': True}, 'total'),
    ({}, 'total'),
    ({'total': 8, 'reserved': -1}, 'reserved'),
    ({'total': 8, 'reserved': MAX_INT + 1}, 'reserved'),
    ({'total': 8, 'reserved': 2 ** 64}, 'reserved'),
    ({'total': 8, 'reserved': 0.5}, 'reserved'),
    ({'total': 8, 'min_unit': 0}, 'min_unit'),
    ({'total': 8, 'min_unit': MAX_INT + 1}, 'min_unit'),
    ({'total': 8, 'min_unit': 2 ** 64}, 'min_unit'),
    ({'total': 8, 'min_unit': 1.0}, 'min_unit'),
    ({'total': 8, 'max_unit': 0}, 'max_unit'),
    ({'total': 8, 'max_unit': MAX_INT + 1}, 'max_unit'),
    ({'total': 8, 'max_unit': 2 ** 64}, 'max_unit'),
    ({'total': 8, 'max_unit': 2.5}, 'max_unit'),
    ({'total': 8, 'step_size': 0}, 'step_size'),
    ({'total': 8, 'step_size': MAX_INT + 1}, 'step_size'),
    ({'total': 8, 'step_size': 2 ** 64}, 'step_size'),
    ({'total': 8, 'step_size': 1.5}, 'step_size'),
    ({'total': 8, 'allocation_ratio': 0}, 'allocation_ratio'),
    ({'total': 8, 'allocation_ratio': 0.0}, 'allocation_ratio'),
    ({'total': 8, 'allocation_ratio': -1.0}, 'allocation_ratio'),
    ({'total': 8, 'allocation_ratio': 3.5e38}, 'allocation_ratio'),
    ({'total': 8, 'allocation_ratio': 1e300}, 'allocation_ratio'),
    ({'total': 8, 'allocation_ratio': '1.0'}, 'allocation_ratio'),
    ({'total': 8, 'reserved': 9}, 'reserved'),
    ({'total': 8, 'min_unit': 5, 'max_unit': 4}, 'min_unit'),
    ({'total': 8, 'bogus': 1}, 'bogus'),
]


@pytest.mark.parametrize('kind', WRITES)
@pytest.mark.parametrize('fields', ACCEPTED)
def test_accepted_values_are_stored(client, rp, kind, fields):
    status = 201 if kind == 'post' else 200
    response = write(client, rp, kind, fields, status)
    expected = dict(DEFAULTS, **fields)
    body = response.json
    if kind == 'put_all':
        body = body['inventories']['VCPU']
        assert response.json['resource_provider_generation'] == 2
    else:
        assert body.pop('resource_provider_generation') == 2
    assert body == expected
    after = stored(client, rp)
    assert after['resource_provider_generation'] == 2
    assert after['inventories'][written_class(kind)] == expected


@pytest.mark.parametrize('fields, field', REFUSED)
def test_refused_values_change_nothing(client, rp, fields, field):
    before = stored(client, rp)
    for kind in WRITES:
        response = write(client, rp, kind, fields, 400)
        assert field in error(response)['detail'], kind
        assert stored(client, rp) == before, kind


def test_defaults(client, rp):
    body = write(client, rp, 'post', {'total': 10}, 201).json
    assert body == dict(DEFAULTS, total=10, resource_provider_generation=2)
    assert isinstance(body['allocation_ratio'], float)


@pytest.mark.parametrize('kind', WRITES)
def test_reserved_equal_to_total_from_1_26(client, rp, kind):
    before = stored(client, rp)
    fields = {'total': 8, 'reserved': 8}
    response = write(client, rp, kind, fields, 400, version='1.25')
    assert 'reserved' in error(response)['detail']
    assert stored(client, rp) == before
    write(client, rp, kind, fields, 201 if kind == 'post' else 200,
          version='1.26')
    assert stored(client, rp)['inventories'][written_class(kind)][
        'reserved'] == 8


@pytest.mark.parametrize('kind', WRITES)
def test_max_unit_above_total_is_accepted(client, rp, kind):
    write(client, rp, kind, {'total': 8, 'max_unit': 16},
          201 if kind == 'post' else 200)
    assert stored(client, rp)['inventories'][written_class(kind)][
        'max_unit'] == 16


def test_min_unit_above_max_unit_names_both(client, rp):
    response = write(client, rp, 'put_one',
                     {'total': 8, 'min_unit': 5, 'max_unit': 4}, 400)
    detail = error(response)['detail']
    assert 'min_unit' in detail and 'max_unit' in detail
    assert 'VCPU' in detail and rp['uuid'] in detail


class TestList:

    def test_empty_provider(self, client):
        rp = client.create_provider('empty')
        assert stored(client, rp) == {'resource_provider_generation': 0,
                                      'inventories': {}}

    def test_several_classes(self, client):
        rp = client.create_provider('rp', {'VCPU': {'total': 8},
                                           'MEMORY_MB': {'total': 1024}})
        body = stored(client, rp)
        assert body['resource_provider_generation'] == 1
        assert set(body['inventories']) == {'VCPU', 'MEMORY_MB'}
        assert body['inventories']['MEMORY_MB'] == dict(DEFAULTS,
                                                         total=1024)

    @pytest.mark.parametrize('method', ['GET', 'POST', 'PUT', 'DELETE'])
    def test_unknown_provider_is_404(self, client, method):
        missing = str(uuidlib.uuid4())
        body = {'GET': None, 'DELETE': None,
                'POST': {'resource_class': 'VCPU', 'total': 1},
                'PUT': {'resource_provider_generation': 0,
                        'inventories': {}}}[method]
        response = client.request(
            method, f'/resource_providers/{missing}/inventories', body,
            status=404)
        assert missing in error(response)['detail']


class TestCreate:

    def test_location(self, client, rp):
        response = write(client, rp, 'post', {'total': 1}, 201)
        assert response.headers['Location'].endswith(
            inventories_path(rp) + '/DISK_GB')

    def test_existing_class_is_409(self, client, rp):
        before = stored(client, rp)
        response = client.request(
            'POST', inventories_path(rp),
            {'resource_class': 'VCPU', 'total': 4}, status=409)
        assert error(response)['code'] == CONFLICT
        assert 'VCPU' in error(response)['detail']
        assert stored(client, rp) == before

    @pytest.mark.parametrize('rc, status', [
        ('CUSTOM_NOPE', 400), ('vcpu', 400), ('', 400), (5, 400)])
    def test_unknown_or_bad_class(self, client, rp, rc, status):
        before = stored(client, rp)
        response = client.request('POST', inventories_path(rp),
                                  {'resource_class': rc, 'total': 1},
                                  status=status)
        assert str(rc) in error(response)['detail'] or (
            'resource_class' in error(response)['detail'])
        assert stored(client, rp) == before

    def test_custom_class(self, client, rp):
        client.request('POST', '/resource_classes', {'name': 'CUSTOM_A'},
                       status=201)
        client.request('POST', inventories_path(rp),
                       {'resource_class': 'CUSTOM_A', 'total': 3},
                       status=201)
        assert stored(client, rp)['inventories']['CUSTOM_A']['total'] == 3

    def test_generation_not_accepted(self, client, rp):
        client.request('POST', inventories_path(rp), {
            'resource_class': 'DISK_GB', 'total': 1,
            'resource_provider_generation': 1}, status=400)


class TestReplaceAll:

    def put(self, client, rp, generation, inventories, status,
            version='latest'):
        return client.request(
            'PUT', inventories_path(rp),
            {'resource_provider_generation': generation,
             'inventories': inventories}, version=version, status=status)

    def test_replaces_the_whole_set(self, client, rp):
        body = self.put(client, rp, 1, {'DISK_GB': {'total': 100},
                                        'MEMORY_MB': {'total': 64}},
                        200).json
        assert body['resource_provider_generation'] == 2
        assert set(body['inventories']) == {'DISK_GB', 'MEMORY_MB'}
        assert stored(client, rp) == body

    def test_empty_set_removes_all(self, client, rp):
        self.put(client, rp, 1, {}, 200)
        assert stored(client, rp) == {'resource_provider_generation': 2,
                                      'inventories': {}}

    def test_unknown_class_is_400_and_atomic(self, client, rp):
        before = stored(client, rp)
        response = self.put(client, rp, 1, {'DISK_GB': {'total': 1},
                                            'CUSTOM_NOPE': {'total': 1}},
                            400)
        assert 'CUSTOM_NOPE' in error(response)['detail']
        assert stored(client, rp) == before

    def test_one_bad_inventory_refuses_all(self, client, rp):
        before = stored(client, rp)
        self.put(client, rp, 1, {'DISK_GB': {'total': 1},
                                 'VCPU': {'total': 0}}, 400)
        assert stored(client, rp) == before

    @pytest.mark.parametrize('body, field', [
        ({'inventories': {}}, 'resource_provider_generation'),
        ({'resource_provider_generation': 1}, 'inventories'),
        ({'resource_provider_generation': -1, 'inventories': {}},
         'resource_provider_generation'),
        ({'resource_provider_generation': 2 ** 64, 'inventories': {}},
         'resource_provider_generation'),
        ({'resource_provider_generation': '1', 'inventories': {}},
         'resource_provider_generation'),
        ({'resource_provider_generation': 1, 'inventories': []},
         'inventories'),
        ({'resource_provider_generation': 1,
          'inventories': {'vcpu': {'total': 1}}}, 'vcpu'),
        ({'resource_provider_generation': 1,
          'inventories': {'VCPU': 8}}, 'VCPU'),
    ])
    def test_bad_body_is_400(self, client, rp, body, field):
        before = stored(client, rp)
        response = client.request('PUT', inventories_path(rp), body,
                                  status=400)
        assert field in error(response)['detail']
        assert stored(client, rp) == before

    @pytest.mark.parametrize('generation', [0, 2, 99])
    def test_stale_generation_is_409(self, client, rp, generation):
        before = stored(client, rp)
        response = self.put(client, rp, generation,
                            {'VCPU': {'total': 1}}, 409)
        assert error(response)['code'] == CONFLICT
        assert rp['uuid'] in error(response)['detail']
        assert stored(client, rp) == before

    def test_stale_generation_has_no_code_at_1_22(self, client, rp):
        response = self.put(client, rp, 0, {}, 409, version='1.22')
        assert 'code' not in error(response)
        response = self.put(client, rp, 0, {}, 409, version='1.23')
        assert error(response)['code'] == CONFLICT

    def test_removing_a_class_in_use_is_409(self, client, db, rp):
        allocate(db, rp, 'VCPU', 2)
        before = stored(client, rp)
        response = self.put(client, rp, 1, {'DISK_GB': {'total': 1}}, 409)
        assert error(response)['code'] == IN_USE
        assert 'VCPU' in error(response)['detail']
        assert stored(client, rp) == before

    def test_shrinking_below_usage_is_accepted(self, client, db, rp,
                                               caplog):
        allocate(db, rp, 'VCPU', 6)
        self.put(client, rp, 1, {'VCPU': {'total': 4}}, 200)
        assert stored(client, rp)['inventories']['VCPU']['total'] == 4
        assert any('below its current usage' in r.getMessage()
                   for r in caplog.records)


class TestOne:

    def path(self, rp, rc='VCPU') -> str:
        return inventories_path(rp) + '/' + rc

    def test_show(self, client, rp):
        body = client.request('GET', self.path(rp), status=200).json
        assert body == dict(DEFAULTS, total=8,
                            resource_provider_generation=1)

    @pytest.mark.parametrize('rc', ['DISK_GB', 'CUSTOM_NOPE', 'vcpu',
                                    'A' * 300])
    def test_show_absent_is_404(self, client, rp, rc):
        response = client.request('GET', self.path(rp, rc), status=404)
        assert rp['uuid'] in error(response)['detail']

    def test_update_class_absent_on_provider_is_400(self, client, rp):
        before = stored(client, rp)
        response = client.request(
            'PUT', self.path(rp, 'DISK_GB'),
            {'resource_provider_generation': 1, 'total': 1}, status=400)
        assert 'DISK_GB' in error(response)['detail']
        assert stored(client, rp) == before

    @pytest.mark.parametrize('rc', ['CUSTOM_NOPE', 'vcpu'])
    def test_update_unknown_class_is_400(self, client, rp, rc):
        before = stored(client, rp)
        response = client.request(
            'PUT', self.path(rp, rc),
            {'resource_provider_generation': 1, 'total': 1}, status=400)
        assert rc in error(response)['detail']
        assert stored(client, rp) == before

    def test_update_stale_generation_is_409(self, client, rp):
        before = stored(client, rp)
        for version, has_code in (('1.22', False), ('1.23', True)):
            response = client.request(
                'PUT', self.path(rp),
                {'resource_provider_generation': 0, 'total': 1},
                version=version, status=409)
            assert ('code' in error(response)) is has_code
        assert error(response)['code'] == CONFLICT
        assert stored(client, rp) == before

    def test_update_without_generation_is_400(self, client, rp):
        response = client.request('PUT', self.path(rp), {'total': 1},
                                  status=400)
        assert 'resource_provider_generation' in error(response)['detail']

    def test_delete(self, client, rp):
        response = client.request('DELETE', self.path(rp), status=204)
        assert response.body == b''
        assert stored(client, rp) == {'resource_provider_generation': 2,
                                      'inventories': {}}
        client.request('DELETE', self.path(rp), status=404)

    @pytest.mark.parametrize('rc', ['DISK_GB', 'CUSTOM_NOPE', 'vcpu'])
    def test_delete_absent_is_404(self, client, rp, rc):
        before = stored(client, rp)
        client.request('DELETE', self.path(rp, rc), status=404)
        assert stored(client, rp) == before

    def test_delete_in_use_is_409(self, client, db, rp):
        allocate(db, rp, 'VCPU', 1)
        before = stored(client, rp)
        response = client.request('DELETE', self.path(rp), status=409)
        assert error(response)['code'] == IN_USE
        assert stored(client, rp) == before


class TestDeleteAll:

    def test_405_at_1_4(self, client, rp):
        response = client.request('DELETE', inventories_path(rp),
                                  version='1.4', status=405)
        assert response.headers['Allow'] == 'GET, POST, PUT'
        assert stored(client, rp)['inventories']

    def test_204_at_1_5(self, client, rp):
        response = client.request('DELETE', inventories_path(rp),
                                  version='1.5', status=204)
        assert response.body == b''
        assert stored(client, rp) == {'resource_provider_generation': 2,
                                      'inventories': {}}

    def test_in_use_is_409(self, client, db, rp):
        allocate(db, rp, 'VCPU', 1)
        before = stored(client, rp)
        response = client.request('DELETE', inventories_path(rp),
                                  status=409)
        assert error(response)['code'] == IN_USE
        assert stored(client, rp) == before


def test_generation_goes_up_by_exactly_one_per_change(client):
    rp = client.create_provider('rp')
    path = inventories_path(rp)
    steps = [
        ('POST', path, {'resource_class': 'VCPU', 'total': 8}),
        ('PUT', path + '/VCPU', {'resource_provider_generation': 1,
                                 'total': 16}),
        ('PUT', path, {'resource_provider_generation': 2,
                       'inventories': {'VCPU': {'total': 4},
                                       'DISK_GB': {'total': 10},
                                       'MEMORY_MB': {'total': 512}}}),
        ('DELETE', path + '/DISK_GB', None),
        ('DELETE', path, None),
    ]
    for expected, (method, step_path, body) in enumerate(steps, start=1):
        client.request(method, step_path, body)
        assert stored(client, rp)['resource_provider_generation'] == (
            expected)
        shown = client.request('GET', f'/resource_providers/{rp["uuid"]}')
        assert shown.json['generation'] == expected
