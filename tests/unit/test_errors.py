"""Every domain exception states its status; nothing else is a 4xx."""

import inspect

import pytest
import webtest
from oslo_config import cfg

from placement_min import environ_keys
from placement_min import errors
from placement_min import microversion
from placement_min.app import PlacementApp

# Abstract bases: raised only through a subclass that has a status.
ABSTRACT = {errors.PlacementError}


def _exception_classes():
    return [cls for _name, cls in inspect.getmembers(errors, inspect.isclass)
            if issubclass(cls, errors.PlacementError)
            and cls.__module__ == errors.__name__]


@pytest.mark.parametrize('cls', _exception_classes(),
                         ids=lambda cls: cls.__name__)
def test_each_exception_class_states_its_status_and_code(cls):
    if cls in ABSTRACT:
        assert cls.status is None
        return
    if cls is errors.HTTPError:
        assert errors.HTTPError(418, 'x').status == 418
        return
    assert cls.status in errors.TITLES, cls
    assert 400 <= cls.status < 500
    assert cls.code.startswith('placement.')


def _app_raising(exc: Exception) -> webtest.TestApp:
    class Router:
        def match(self, method, path, version):
            def handler(req):
                raise exc
            handler.operation = type('Op', (), {
                'policy': None, 'path': {}, 'query_at': lambda s, v: {},
                'body_at': lambda s, v: None, 'precheck': None})()
            return handler, {}
    app = PlacementApp(db=None, max_json_depth=8, router=Router(),
                      conf=cfg.ConfigOpts())

    def with_version(environ, start_response):
        environ[environ_keys.MICROVERSION] = microversion.MAX_VERSION
        return app(environ, start_response)
    return webtest.TestApp(with_version)


class Undeclared(errors.PlacementError):
    template = 'Nobody said what status this is.'


@pytest.mark.parametrize('exc', [Undeclared(), ValueError('boom')],
                         ids=['status-less domain error', 'plain exception'])
def test_an_exception_without_a_status_is_never_a_4xx(exc):
    """It escapes the application, to the fault barrier's generic 500
    (tests/functional/test_status_table.py covers that barrier)."""
    with pytest.raises(type(exc)):
        _app_raising(exc).get('/')


def test_a_domain_error_is_rendered_with_its_own_status_and_code():
    response = _app_raising(errors.InventoryInUse(
        uuid='u', resource_class='VCPU')).get('/', expect_errors=True)
    assert response.status_int == 409
    error = response.json['errors'][0]
    assert error['code'] == errors.INVENTORY_INUSE
    assert error['title'] == 'Conflict'


def test_the_changelog_has_one_line_per_version():
    versions = [version for version, _added in microversion.CHANGELOG]
    assert versions == [microversion.Version(1, minor)
                        for minor in range(len(versions))]
    assert all(added for _version, added in microversion.CHANGELOG)
    assert microversion.MAX_VERSION == microversion.Version(1, 39)
