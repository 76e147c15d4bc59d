"""Claims of seeds/003_b06fcdbb11d878d4.txt, checked against the service,
the source tree and the installed dependencies."""

import configparser
import importlib.metadata
import logging
import pathlib
import re
import uuid

import pytest
import webtest
from keystonemiddleware import auth_token
from keystonemiddleware import fixture as ksm_fixture
from oslo_policy import opts as policy_opts
from packaging.requirements import Requirement
from packaging.version import Version

from placement_min import deploy
from placement_min import errors
from placement_min.storage import database
from tests import personas
from tests.claims import scenarios
from tests.conftest import Client

ROOT = pathlib.Path(__file__).resolve().parents[2]
SETUP_CFG = ROOT / 'setup.cfg'
USER = 'alice:project-a'

# The advisories the floors in setup.cfg exclude: for each package, a
# release the advisory names as affected, and the advisory. The last
# three are not dependencies of the code but carry HTTP for oslo.policy,
# oslo.config and keystonemiddleware (a client's token to keystone,
# keystone's answers back).
ADVISORIES = {
    'webob': ('1.8.7', 'CVE-2024-42353'),
    'sqlalchemy': ('1.2.17', 'CVE-2019-7548'),
    'pymysql': ('1.1.0', 'CVE-2024-36039'),
    'requests': ('2.32.3', 'CVE-2024-47081'),
    'urllib3': ('2.4.0', 'CVE-2025-50181'),
    'idna': ('3.6', 'CVE-2024-3651'),
}


# R003-1 -------------------------------------------------------------------

def test_r003_1_licence_is_apache_2_everywhere_it_is_declared():
    text = (ROOT / 'LICENSE').read_text('utf-8')
    assert 'Apache License' in text and 'Version 2.0, January 2004' in text
    assert 'TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION' in (
        text)
    metadata = _setup_cfg()['metadata']
    assert metadata['license'] == 'Apache-2.0'
    assert 'License :: OSI Approved :: Apache Software License' in (
        metadata['classifiers'])


# R003-2 -------------------------------------------------------------------

@pytest.mark.parametrize('kind', sorted(scenarios.RESPONSES))
def test_r003_2_every_response_states_its_microversion(client, monkeypatch,
                                                       kind):
    """The version is parsed before anything else runs, so every answer,
    errors included, says which version it was given at."""
    response = scenarios.provoke(kind, client, monkeypatch)
    assert response.headers['OpenStack-API-Version'] in (
        'placement 1.0', 'placement 1.39')
    assert response.headers['Vary'] == 'openstack-api-version'


# R003-3 -------------------------------------------------------------------

@pytest.mark.parametrize('kind', sorted(
    k for k, (status, _) in scenarios.RESPONSES.items() if status >= 400))
def test_r003_3_every_failure_is_a_json_error_document(client, monkeypatch,
                                                       kind):
    response = scenarios.provoke(kind, client, monkeypatch)
    error = scenarios.error_of(response)
    assert error['title'] == errors.TITLES[response.status_int]
    assert error['detail']
    scenarios.assert_no_internals(response.text)


# R003-4 -------------------------------------------------------------------

def test_r003_4_sql_fragments_in_consumer_fields_are_data(client):
    """The service does query a database; what keeps it safe is that
    every value is bound, which holds for the allocation fields too."""
    rp = client.create_provider('rp', scenarios.INVENTORY)
    injected = "p' OR '1'='1"
    consumer = str(uuid.uuid4())
    client.request('PUT', f'/allocations/{consumer}', {
        'allocations': {rp['uuid']: {'resources': {'VCPU': 2}}},
        'project_id': injected, 'user_id': "u'; DROP TABLE consumers; --",
        'consumer_generation': None, 'consumer_type': 'INSTANCE'},
        status=204)
    scenarios.allocate(client, rp['uuid'], 1)
    shown = client.request('GET', f'/allocations/{consumer}',
                           status=200).json
    assert shown['project_id'] == injected
    assert shown['user_id'] == "u'; DROP TABLE consumers; --"
    usages = client.app.get('/usages', params={'project_id': injected},
                            headers={'X-Auth-Token': 'admin',
                                     'OpenStack-API-Version':
                                     'placement 1.9'}).json
    assert usages == {'usages': {'VCPU': 2}}
    assert client.request('GET', "/usages?project_id=x'%20OR%20'1'='1",
                          version='1.9', status=200).json == {'usages': {}}


# R003-5 -------------------------------------------------------------------

def test_r003_5_user_content_comes_back_only_as_json_data(client):
    """Names are user content; they are returned as JSON strings, never
    as a document a browser would render."""
    name = '<svg onload=alert(1)>'
    rp = client.create_provider(name)
    for path in (f'/resource_providers/{rp["uuid"]}',
                 '/resource_providers'):
        response = client.request('GET', path, status=200)
        assert response.headers['Content-Type'] == 'application/json'
        assert response.headers['X-Content-Type-Options'] == 'nosniff'
        assert name in response.text
    for accept in ('text/html', 'application/xhtml+xml', 'image/svg+xml'):
        response = client.request('GET', f'/resource_providers/{rp["uuid"]}',
                                  headers={'Accept': accept}, status=406)
        assert response.headers['Content-Type'] == 'application/json'


# R003-6 -------------------------------------------------------------------

@pytest.mark.parametrize('kind', sorted(scenarios.RESPONSES))
def test_r003_6_no_response_sets_a_cookie(client, monkeypatch, kind):
    response = scenarios.provoke(kind, client, monkeypatch)
    assert 'Set-Cookie' not in response.headers


CROSS_ORIGIN = 'https://evil.example'
CROSS_ORIGIN_REQUESTS = [
    ('GET', {'Origin': CROSS_ORIGIN}),
    ('OPTIONS', {'Origin': CROSS_ORIGIN,
                 'Access-Control-Request-Method': 'DELETE'}),
]


def test_r003_6_no_origin_is_trusted_by_default(client, conf, db):
    """CORS is off unless an operator names origins: a page elsewhere may
    neither read an answer nor get a preflight approved. With an origin
    configured, the same requests are approved, so this can fail."""
    for method, headers in CROSS_ORIGIN_REQUESTS:
        response = client.request(method, '/resource_providers',
                                  headers=headers)
        assert 'Access-Control-Allow-Origin' not in response.headers, method
    conf.set_override('allowed_origin', [CROSS_ORIGIN], 'cors')
    opened = Client(webtest.TestApp(deploy.build_pipeline(conf, db)))
    for method, headers in CROSS_ORIGIN_REQUESTS:
        response = opened.request(method, '/resource_providers',
                                  headers=headers)
        assert response.headers['Access-Control-Allow-Origin'] == (
            CROSS_ORIGIN), method


def test_r003_6_credentials_a_browser_adds_are_not_honoured(client):
    """Only the X-Auth-Token header authenticates; a browser never sends
    it on its own, so a forged cross-site request has no credentials."""
    before = scenarios.snapshot(client)
    for headers in ({'Cookie': 'X-Auth-Token=admin; token=admin'},
                    {'Authorization': 'Basic YWRtaW46YWRtaW4='},
                    {'Origin': 'https://evil.example',
                     'Cookie': 'session=admin'}):
        client.request('POST', '/resource_providers', {'name': 'csrf'},
                       token=None, headers=headers, status=401)
    client.request('POST', '/resource_providers?X-Auth-Token=admin',
                   {'name': 'csrf'}, token=None, status=401)
    form = scenarios.raw(client, 'POST', '/resource_providers',
                         b'name=csrf', token='admin',
                         content_type='application/x-www-form-urlencoded')
    assert form.status_int == 415
    assert scenarios.snapshot(client) == before


# R003-7 -------------------------------------------------------------------

def test_r003_7_unreachable_database_reveals_nothing(conf, caplog,
                                                     tmp_path):
    """A database that cannot be opened gives a bare 503; neither the body
    nor the log shows its location or the driver's message."""
    caplog.set_level(logging.DEBUG)
    hidden = tmp_path / 'hidden-location-41e7'
    # A directory where the database file should be: opening it fails.
    (hidden / 'placement.sqlite').mkdir(parents=True)
    conf.set_override('connection', f'sqlite:///{hidden}/placement.sqlite',
                      'placement_database')
    db = database.Database.from_conf(conf)
    try:
        client = Client(webtest.TestApp(deploy.build_pipeline(conf, db)))
        response = client.request('GET', '/resource_providers', status=503)
    finally:
        db.engine.dispose()
    error = scenarios.error_of(response)
    assert error['detail'] == errors.GENERIC_503_DETAIL
    for secret in ('hidden-location-41e7', 'sqlite', 'unable to open'):
        assert secret not in response.text
    logged = caplog.text + ''.join(r.exc_text or '' for r in caplog.records)
    assert 'hidden-location-41e7' not in logged
    assert 'Database unavailable' in logged


@pytest.mark.parametrize('kind', sorted(scenarios.RESPONSES))
def test_r003_7_server_software_is_never_advertised(conf, db, monkeypatch,
                                                    kind):
    """Server and X-Powered-By headers added below the security headers
    layer, as a server or framework there might add them, never reach
    the client, whichever layer answered."""
    monkeypatch.setattr(deploy, 'MicroversionMiddleware',
                        scenarios.advertising(deploy.MicroversionMiddleware))
    client = Client(webtest.TestApp(deploy.build_pipeline(conf, db)))
    response = scenarios.provoke(kind, client, monkeypatch)
    name, value = scenarios.WITNESS
    assert response.headers[name] == value
    for name, _value in scenarios.ADVERTISING:
        assert name not in response.headers, name


def test_r003_7_denials_do_not_reveal_existence(client):
    rp = client.create_provider('rp', scenarios.INVENTORY)
    missing = str(uuid.uuid4())

    def denial(path, token):
        error = scenarios.error_of(client.request('GET', path, token=token))
        return error['status'], error['detail']

    for suffix in ('', '/inventories', '/inventories/VCPU', '/usages',
                   '/allocations'):
        assert denial(f'/resource_providers/{rp["uuid"]}{suffix}', USER) == (
            denial(f'/resource_providers/{missing}{suffix}', USER))
        assert denial(f'/resource_providers/{rp["uuid"]}{suffix}', None) == (
            denial(f'/resource_providers/{missing}{suffix}', None))


# R003-8 -------------------------------------------------------------------

def test_r003_8_identity_comes_only_from_the_validated_token(conf, db):
    """In production (auth_strategy = keystone) the context holds the
    identity of the validated token: the identity headers a client sends
    (which noauth2, for development and tests, trusts) never reach the
    policy check."""
    conf.set_override('auth_strategy', 'keystone', 'api')
    for group, options in auth_token.list_opts():
        conf.register_opts(options, group=group)
    conf.set_override('www_authenticate_uri', 'http://127.0.0.1:5000/v3',
                      'keystone_authtoken')
    forged = {'X-Roles': 'admin,service', 'X-User-Id': 'admin',
              'X-Project-Id': 'p-forged', 'OpenStack-System-Scope': 'all',
              'X-Identity-Status': 'Confirmed', 'X-Service-Roles': 'admin',
              'X-Is-Admin-Project': 'True'}
    with ksm_fixture.AuthTokenFixture() as tokens:
        app = webtest.TestApp(deploy.loadapp(conf, db))
        reader, service = uuid.uuid4().hex, uuid.uuid4().hex
        tokens.add_token_data(token_id=reader, user_id='u-1',
                              project_id='p-1', role_list=['reader'])
        tokens.add_token_data(token_id=service, user_id='nova',
                              project_id='service', role_list=['service'])
        client = Client(app)
        client.request('GET', '/resource_providers', token=reader,
                       headers=forged, status=403)
        client.request('POST', '/resource_providers', {'name': 'x'},
                       token=reader, headers=forged, status=403)
        client.request('GET', '/usages?project_id=p-forged', token=reader,
                       headers=forged, status=403)
        client.request('GET', '/resource_providers', token=None,
                       headers=forged, status=401)
        assert client.request('GET', '/resource_providers', token=service,
                              status=200).json['resource_providers'] == []


# R003-9 -------------------------------------------------------------------

# Callers who are neither admins nor services: a user with no role, a
# project's member and reader, and the system-scoped admin and reader.
PLAIN_USERS = ({'X-Auth-Token': USER},
               *(personas.PERSONAS[name] for name in (
                   'project_member', 'project_reader', 'system_admin',
                   'system_reader')))


def test_r003_9_plain_user_cannot_read_objects_by_key(client):
    """Every read by key is 403 for each plain user (the usages asked
    about are another project's), and 200 for the admin."""
    rp = client.create_provider('rp', scenarios.INVENTORY)
    consumer = scenarios.allocate(client, rp['uuid'], 1)
    base = f'/resource_providers/{rp["uuid"]}'
    for path, version in (
            (base, 'latest'), (base + '/inventories', 'latest'),
            (base + '/inventories/VCPU', 'latest'),
            (base + '/usages', 'latest'), (base + '/allocations', 'latest'),
            (f'/allocations/{consumer}', 'latest'),
            ('/usages?project_id=p', '1.9'),
            ('/resource_providers?uuid=' + rp['uuid'], 'latest'),
            ('/resource_classes/VCPU', 'latest')):
        for headers in PLAIN_USERS:
            client.request('GET', path, version=version, token=None,
                           headers=headers, status=403)
        client.request('GET', path, version=version, status=200)


def test_r003_9_the_policy_file_decides_who_may_read(conf, db, tmp_path):
    """Access is decided by the operator's policy, rule by rule: opening
    one rule opens exactly that operation."""
    policy = tmp_path / 'policy.yaml'
    policy.write_text('"placement:resource_providers:show": "role:member"\n')
    # NOTE: an override on this configuration only; oslo.policy's
    # set_defaults would change the default for every later test.
    for group, options in policy_opts.list_opts():
        conf.register_opts(options, group=group)
    conf.set_override('policy_file', str(policy), 'oslo_policy')
    client = Client(webtest.TestApp(deploy.loadapp(conf, db)))
    rp = client.create_provider('rp', scenarios.INVENTORY)
    member = {'X-Roles': 'member'}
    shown = client.request('GET', f'/resource_providers/{rp["uuid"]}',
                           token=USER, headers=member, status=200).json
    assert shown['uuid'] == rp['uuid']
    client.request('GET', f'/resource_providers/{rp["uuid"]}/inventories',
                   token=USER, headers=member, status=403)
    client.request('DELETE', f'/resource_providers/{rp["uuid"]}',
                   token=USER, headers=member, status=403)


# R003-10 ------------------------------------------------------------------

def _setup_cfg() -> configparser.ConfigParser:
    """setup.cfg as it is in the tree, not as last installed."""
    setup = configparser.ConfigParser(interpolation=None)
    with open(SETUP_CFG, encoding='utf-8') as stream:
        setup.read_file(stream)
    return setup


def _declared_requirements() -> list[tuple[str | None, Requirement]]:
    """(extra or None, requirement) for every dependency setup.cfg
    declares."""
    setup = _setup_cfg()
    sections = [(None, setup['options']['install_requires'])]
    sections += list(setup['options.extras_require'].items())
    return [(extra, Requirement(line)) for extra, lines in sections
            for line in lines.splitlines() if line.strip()]


def test_r003_10_dependency_floors_exclude_known_advisories():
    declared = _declared_requirements()
    assert len(declared) >= 20
    for extra, requirement in declared:
        assert any(spec.operator == '>=' for spec in requirement.specifier), (
            f'{requirement.name} ({extra or "install_requires"}) has no '
            f'version floor')
    comments = '\n'.join(line for line in SETUP_CFG.read_text(
        'utf-8').splitlines() if line.lstrip().startswith('#'))
    for name, (vulnerable, advisory) in ADVISORIES.items():
        floors = [requirement for _extra, requirement in declared
                  if requirement.name.lower() == name]
        assert floors, f'{name} ({advisory}) has no floor in setup.cfg'
        for requirement in floors:
            assert not requirement.specifier.contains(vulnerable), (
                name, advisory)
        assert re.search(rf'\b{advisory}\b', comments), (
            f'setup.cfg does not say which floor excludes {advisory}')


def test_r003_10_installed_dependencies_meet_the_floors():
    """What the tests run on meets the floors: a vulnerable release left
    installed by an older setup.cfg fails here."""
    checked = 0
    for extra, requirement in _declared_requirements():
        try:
            installed = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            # An extra this environment did not install.
            assert extra is not None, requirement.name
            continue
        assert requirement.specifier.contains(Version(installed),
                                              prereleases=True), (
            requirement.name, installed)
        checked += 1
    assert checked >= 15
