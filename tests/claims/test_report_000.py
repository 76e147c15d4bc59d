"""Claims of seeds/000_d957e9ab57938184.txt, checked against the service."""

import os
import pickle
import string
import uuid

import pytest
import requests
import webtest

from placement_min import deploy
from tests import servers
from tests.claims import scenarios
from tests.conftest import SECURITY_HEADERS
from tests.conftest import Client

INVENTORY = scenarios.INVENTORY


# R000-1 -------------------------------------------------------------------

@pytest.mark.parametrize('kind', sorted(scenarios.RESPONSES))
def test_r000_1_csp_on_every_response(client, monkeypatch, kind):
    """Errors from every layer carry the same headers as successes."""
    response = scenarios.provoke(kind, client, monkeypatch)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (kind, name)


# placement_min.wsgi, with headers added below the security headers layer.
ADVERTISING_WSGI = """
from placement_min import deploy
from tests.claims import scenarios

deploy.MicroversionMiddleware = scenarios.advertising(
    deploy.MicroversionMiddleware)

from placement_min.wsgi import application  # noqa: E402
"""


def _start_advertising_uwsgi(directory, config_file):
    """uwsgi as servers.start_uwsgi starts it, on ADVERTISING_WSGI."""
    (directory / 'advertising_wsgi.py').write_text(ADVERTISING_WSGI)
    port = servers.free_port()
    command = [servers.executable('uwsgi'), '--ini', servers.UWSGI_INI,
               '--http', f'127.0.0.1:{port}', '--processes', '1',
               '--no-orphans', '--module', 'advertising_wsgi:application',
               '--pythonpath', str(directory), '--pythonpath', servers.REPO]
    server = servers.Server(command, port, config_file,
                            str(directory / 'uwsgi.log'))
    server.wait_until_serving(apps_loaded=1)
    return server


def test_r000_1_csp_on_responses_served_by_uwsgi(tmp_path, db_url):
    """As deployed, under uwsgi: what uwsgi itself adds or lets through
    must not drop a header, and a Server or X-Powered-By header from
    below must not get out."""
    config = servers.write_config(tmp_path, db_url)
    server = _start_advertising_uwsgi(tmp_path, config)
    admin = {'X-Auth-Token': 'admin',
             'OpenStack-API-Version': 'placement latest'}
    try:
        responses = [
            requests.get(server.url + '/', timeout=30),
            requests.get(server.url + '/resource_providers', timeout=30),
            requests.get(server.url + '/resource_providers', headers=admin,
                         timeout=30),
            requests.get(server.url + '/resource_providers/%C0%AE',
                         headers=admin, timeout=30),
            requests.patch(server.url + '/resource_providers',
                           headers=admin, timeout=30),
            requests.post(server.url + '/resource_providers',
                          data=b'{"name": "' + b'x' * 200000 + b'"}',
                          headers={**admin,
                                   'Content-Type': 'application/json'},
                          timeout=30),
        ]
    finally:
        server.stop()
    assert [r.status_code for r in responses] == [200, 401, 200, 404, 405,
                                                  413]
    for response in responses:
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (
                response.status_code, name)
        name, value = scenarios.WITNESS
        assert response.headers.get(name) == value, response.status_code
        for name, _value in scenarios.ADVERTISING:
            assert name not in response.headers, (response.status_code,
                                                  name)
        assert response.headers['Content-Type'] == 'application/json'


# R000-2 -------------------------------------------------------------------

def _provider_names(client):
    return [rp['name'] for rp in client.request(
        'GET', '/resource_providers', status=200).json['resource_providers']]


@pytest.mark.parametrize('body', [
    b'[]', b'"compute"', b'42', b'null', b'true', b'{"name": "a"',
    b'{"name": "a", "x": ' + b'[' * 50000 + b']' * 50000 + b'}',
    b'{"name": "a", "uuid": ' + b'9' * 10000 + b'}',
    '{"name": "caf\u00e9"}'.encode('latin-1'),
], ids=['array', 'string', 'number', 'null', 'bool', 'truncated',
        'very-deep', 'long-int', 'latin-1'])
def test_r000_2_body_parsing_refuses_non_objects_and_tricks(client, body):
    """Only a whole JSON object in UTF-8 is read; nesting too deep for the
    parser and integers too long to convert are a 400, not a crash."""
    response = scenarios.raw(client, 'POST', '/resource_providers', body)
    assert response.status_int == 400, response.body
    scenarios.assert_no_internals(scenarios.error_of(response)['detail'])
    assert _provider_names(client) == []


REFUSED_JSON = 'Refused JSON in request body'
CONTROL = 'control characters are not allowed'

# Each construct the reader refuses, in a body the schema would let
# through to the database (Infinity and 1e400 excepted: they are also
# above allocation_ratio's maximum, so there the refusal checked is the
# reader's own). $rp and $gen stand for the provider and its generation.
READER_ONLY = [
    ('nan', 'PUT', '/resource_providers/$rp/inventories',
     '{"resource_provider_generation": $gen, "inventories": '
     '{"VCPU": {"total": 8, "allocation_ratio": NaN}}}', REFUSED_JSON),
    ('nan-one', 'PUT', '/resource_providers/$rp/inventories/VCPU',
     '{"resource_provider_generation": $gen, "total": 8, '
     '"allocation_ratio": NaN}', REFUSED_JSON),
    ('nan-new', 'POST', '/resource_providers/$rp/inventories',
     '{"resource_class": "DISK_GB", "total": 8, "allocation_ratio": NaN}',
     REFUSED_JSON),
    ('infinity', 'PUT', '/resource_providers/$rp/inventories/VCPU',
     '{"resource_provider_generation": $gen, "total": 8, '
     '"allocation_ratio": Infinity}', REFUSED_JSON),
    ('overflow', 'PUT', '/resource_providers/$rp/inventories/VCPU',
     '{"resource_provider_generation": $gen, "total": 8, '
     '"allocation_ratio": 1e400}', REFUSED_JSON),
    ('duplicate-key', 'POST', '/resource_providers',
     '{"name": "first", "name": "second"}', REFUSED_JSON),
    ('duplicate-class', 'PUT', '/resource_providers/$rp/inventories',
     '{"resource_provider_generation": $gen, "inventories": '
     '{"VCPU": {"total": 8}, "VCPU": {"total": 1}}}', REFUSED_JSON),
    ('newline-in-name', 'POST', '/resource_providers', '{"name": "rp2\\n"}',
     CONTROL),
    ('newline-in-rename', 'PUT', '/resource_providers/$rp',
     '{"name": "renamed\\n"}', CONTROL),
    ('newline-in-class', 'POST', '/resource_classes',
     '{"name": "CUSTOM_NEW\\n"}', CONTROL),
    ('newline-in-project', 'PUT',
     '/allocations/6a1e5d4c-0b1f-4a5e-9c3d-2f7e8b9a0c1d',
     '{"allocations": {"$rp": {"resources": {"VCPU": 1}}}, '
     '"project_id": "p\\n", "user_id": "u", "consumer_generation": null, '
     '"consumer_type": "INSTANCE"}', CONTROL),
    ('newline-in-consumer-type', 'PUT',
     '/allocations/6a1e5d4c-0b1f-4a5e-9c3d-2f7e8b9a0c1d',
     '{"allocations": {"$rp": {"resources": {"VCPU": 1}}}, '
     '"project_id": "p", "user_id": "u", "consumer_generation": null, '
     '"consumer_type": "INSTANCE\\n"}', CONTROL),
    ('lone-surrogate', 'POST', '/resource_providers',
     '{"name": "rp\\ud800"}', 'surrogate'),
]


@pytest.mark.parametrize('method, path, body, refusal', [
    case[1:] for case in READER_ONLY], ids=[case[0] for case in READER_ONLY])
def test_r000_2_refused_constructs_never_reach_the_database(
        client, method, path, body, refusal):
    """NaN, Infinity, duplicate keys, control characters and lone
    surrogates, each in a body the schema would pass (see READER_ONLY):
    the reader refuses it with a 400 of its own, and nothing is stored."""
    rp = client.create_provider('rp', INVENTORY)
    before = scenarios.snapshot(client)
    fill = string.Template
    response = scenarios.raw(
        client, method, fill(path).substitute(rp=rp['uuid']),
        fill(body).substitute(rp=rp['uuid'],
                              gen=rp['generation']).encode())
    assert response.status_int == 400, response.body
    assert refusal in scenarios.error_of(response)['detail']
    assert scenarios.snapshot(client) == before


def test_r000_2_nesting_bound_is_the_reader_s(conf, db, client):
    """The bound ([api] max_json_depth) holds on its own: set below the
    depth of a valid body, it refuses that body, which the schema
    accepts; at its default a deep body meets it before the schema."""
    rp = client.create_provider('rp', INVENTORY)
    body = {'allocations': [{'resource_provider': {'uuid': rp['uuid']},
                             'resources': {'VCPU': 1}}]}
    path = f'/allocations/{uuid.uuid4()}'
    conf.set_override('max_json_depth', 3, 'api')
    shallow = Client(webtest.TestApp(deploy.loadapp(conf, db)))
    before = scenarios.snapshot(client)
    response = shallow.request('PUT', path, body, version='1.0', status=400)
    assert 'nests deeper than 3 levels' in scenarios.error_of(
        response)['detail']
    assert scenarios.snapshot(client) == before
    conf.set_override('max_json_depth', 4, 'api')
    Client(webtest.TestApp(deploy.loadapp(conf, db))).request(
        'PUT', path, body, version='1.0', status=204)
    deep = b'{"name": "a", "x": ' + b'{"y": ' * 8 + b'1' + b'}' * 9
    response = scenarios.raw(client, 'POST', '/resource_providers', deep)
    assert response.status_int == 400
    assert 'nests deeper than 8 levels' in scenarios.error_of(
        response)['detail']


class _Trap:
    """Creates a file when unpickled: proof that a loader ran code."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mknod, (self.marker,))


def test_r000_2_unsafe_loader_payloads_are_inert(client, tmp_path):
    """Bodies an unsafe deserialiser would execute are refused or kept as
    plain strings; no code runs and no object is constructed."""
    marker = str(tmp_path / 'constructed')
    payloads = [
        ('application/json', pickle.dumps(_Trap(marker))),
        ('application/json',
         f'!!python/object/apply:os.mknod ["{marker}"]'.encode()),
        ('application/x-yaml',
         f'!!python/object/apply:os.mknod ["{marker}"]'.encode()),
        ('application/python-pickle', pickle.dumps(_Trap(marker))),
        ('application/json',
         b'{"name": "a", "py/object": "os.mknod", "__class__": "x"}'),
    ]
    for content_type, body in payloads:
        response = scenarios.raw(client, 'POST', '/resource_providers',
                                 body, content_type=content_type)
        assert response.status_int in (400, 415), response.body
    tag = f'!!python/object/apply:os.mknod ["{marker}"]'
    rp = client.create_provider(tag)
    assert client.request('GET', f'/resource_providers/{rp["uuid"]}',
                          status=200).json['name'] == tag
    assert not os.path.exists(marker)
    assert _provider_names(client) == [tag]


# R000-3 -------------------------------------------------------------------

@pytest.mark.parametrize('path', [
    '/resource_providers/{bad}',
    '/resource_providers/{bad}/inventories',
    '/resource_providers/{bad}/inventories/VCPU',
])
@pytest.mark.parametrize('bad', ['not-a-uuid', "1'%20OR%20'1'='1",
                                 '%C0%AE%C0%AE', 'x' * 5000])
def test_r000_3_path_items_are_validated(client, path, bad):
    """A path item that cannot name a provider is a 404, never a 500;
    the detail quotes at most a bounded part of it."""
    response = client.request('GET', path.format(bad=bad), status=404)
    detail = scenarios.error_of(response)['detail']
    scenarios.assert_no_internals(detail)
    assert len(detail) < 400


@pytest.mark.parametrize('query, field', [
    ('bogus=1', 'bogus'),
    ('name=a&name=b', 'name'),
    ('uuid=not-a-uuid', 'uuid'),
    ('name=' + 'x' * 201, 'name'),
    ('in_tree=%27%3B', 'in_tree'),
])
def test_r000_3_query_parameters_are_validated(client, query, field):
    client.create_provider('rp', INVENTORY)
    response = client.request('GET', f'/resource_providers?{query}',
                              status=400)
    assert repr(field) in scenarios.error_of(response)['detail']


def test_r000_3_malformed_query_string_is_400(client):
    for query in ('name=%FF', 'name', '&&&', 'a=1&' * 30):
        client.request('GET', f'/resource_providers?{query}', status=400)


# R000-4 -------------------------------------------------------------------

@pytest.mark.parametrize('value', [
    'placement 1.a', 'placement 1', 'placement 01.5', 'placement 1.05',
    'placement 1.5.1', 'placement -1.0', 'placement 1,5', 'placement x',
    'placement 1.%(x)s', 'placement 99999.0',
])
def test_r000_4_malformed_microversion_is_400(client, value):
    response = client.request('GET', '/resource_providers', version=None,
                              headers={'OpenStack-API-Version': value},
                              status=400)
    scenarios.error_of(response)
    assert response.headers['OpenStack-API-Version'] == 'placement 1.0'


@pytest.mark.parametrize('version', ['0.9', '1.40', '2.0', '1.9999'])
def test_r000_4_unsupported_microversion_is_406(client, version):
    response = client.request('GET', '/resource_providers', version=version,
                              status=406)
    error = scenarios.error_of(response)
    assert (error['min_version'], error['max_version']) == ('1.0', '1.39')


def test_r000_4_accepted_microversion_is_the_one_used(client):
    for asked, used in (('1.0', '1.0'), ('1.39', '1.39'),
                        ('latest', '1.39')):
        response = client.request('GET', '/resource_providers',
                                  version=asked, status=200)
        assert response.headers['OpenStack-API-Version'] == (
            f'placement {used}')


# R000-5 -------------------------------------------------------------------

def test_r000_5_not_found_is_404_naming_the_object(client):
    missing = str(uuid.uuid4())
    for method, path in (
            ('GET', f'/resource_providers/{missing}'),
            ('DELETE', f'/resource_providers/{missing}'),
            ('GET', f'/resource_providers/{missing}/inventories'),
            ('GET', f'/resource_providers/{missing}/inventories/VCPU')):
        detail = scenarios.error_of(client.request(
            method, path, status=404))['detail']
        assert missing in detail, (method, path, detail)
    rp = client.create_provider('rp', INVENTORY)
    detail = scenarios.error_of(client.request(
        'GET', f'/resource_providers/{rp["uuid"]}/inventories/DISK_GB',
        status=404))['detail']
    assert 'DISK_GB' in detail and rp['uuid'] in detail
    detail = scenarios.error_of(client.request(
        'GET', '/resource_classes/CUSTOM_NOPE', status=404))['detail']
    assert 'CUSTOM_NOPE' in detail


# R000-6 -------------------------------------------------------------------

@pytest.mark.parametrize('fields, names', [
    ({'total': 4, 'reserved': 5}, ('reserved', 'total')),
    ({'total': 4, 'min_unit': 3, 'max_unit': 2}, ('min_unit', 'max_unit')),
    ({'total': 0}, ('total',)),
    ({'total': 4, 'allocation_ratio': 0}, ('allocation_ratio',)),
    ({'total': 4, 'step_size': 'two'}, ('step_size',)),
])
def test_r000_6_invalid_inventory_is_400_naming_what_is_wrong(client, fields,
                                                              names):
    rp = client.create_provider('rp', INVENTORY)
    path = f'/resource_providers/{rp["uuid"]}/inventories'
    before = client.request('GET', path, status=200).json
    response = client.request(
        'PUT', path, {'resource_provider_generation': rp['generation'],
                      'inventories': {'VCPU': fields}}, status=400)
    detail = scenarios.error_of(response)['detail']
    assert 'VCPU' in detail
    for name in names:
        assert name in detail, detail
    if 'Invalid input for field' not in detail:
        assert rp['uuid'] in detail
    assert client.request('GET', path, status=200).json == before


def test_r000_6_unknown_class_in_inventory_is_400_naming_it(client):
    rp = client.create_provider('rp')
    response = client.request(
        'PUT', f'/resource_providers/{rp["uuid"]}/inventories',
        {'resource_provider_generation': 0,
         'inventories': {'CUSTOM_UNKNOWN': {'total': 1}}}, status=400)
    assert 'CUSTOM_UNKNOWN' in scenarios.error_of(response)['detail']


# R000-7, R000-8 -----------------------------------------------------------

FORMAT_TRAPS = ['%(uuid)s', '{0}', '%s%s%n', '{uuid}', '{kind.__class__}',
                '%(name)s {name!r}']


@pytest.mark.parametrize('trap', FORMAT_TRAPS)
def test_r000_7_user_input_in_errors_is_never_a_format(client, trap):
    """Details quote the input as given: never interpreted, never failing
    with a 500 on a stray format specifier."""
    client.create_provider(trap)
    response = client.request('POST', '/resource_providers', {'name': trap},
                              status=409)
    assert trap in scenarios.error_of(response)['detail']
    response = client.request(
        'GET', '/resource_providers/' + trap.replace('%', '%25'), status=404)
    assert trap in scenarios.error_of(response)['detail']
    response = client.request(
        'GET', '/resource_providers?name=' + trap.replace('%', '%25'),
        status=200)
    assert [rp['name'] for rp in response.json['resource_providers']] == [
        trap]


def test_r000_7_format_traps_in_paths_are_logged_literally(client, caplog):
    caplog.set_level('INFO')
    path = '/resource_providers/%25(uuid)s%7B0%7D%0Aforged'
    client.request('GET', path, status=404)
    lines = [r.getMessage() for r in caplog.records
             if r.name == 'placement_min.access']
    assert len(lines) == 1
    assert '%(uuid)s{0}\\nforged' in lines[0]
    assert '\n' not in lines[0]


@pytest.mark.parametrize('language', ['de', 'fr-CA;q=0.8, *;q=0.1',
                                      '%(detail)s', '../../../etc/passwd',
                                      'x' * 1000])
def test_r000_8_messages_are_not_chosen_by_the_request(client, language):
    """Error texts are constants of the code: no header or value selects
    or alters a message template."""
    trap = '%(detail)s {detail}'
    client.create_provider(trap)
    plain = client.request('POST', '/resource_providers', {'name': trap},
                           status=409)
    localised = client.request('POST', '/resource_providers',
                               {'name': trap}, status=409,
                               headers={'Accept-Language': language})
    detail = scenarios.error_of(localised)['detail']
    assert detail == scenarios.error_of(plain)['detail']
    assert trap in detail
