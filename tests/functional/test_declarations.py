"""The application enforces what each operation declares, on every route.

These tests walk the route table, so routes added later are covered
without edits here.
"""

import pytest

from placement_min import errors
from placement_min import microversion
from placement_min import router
from placement_min.handlers import path_items
from tests.conftest import ADMIN

# A value for each path item that its default converter accepts.
PATH_VALUES = {'uuid': '8a3fd7a8-5b3d-4c4e-9d36-33c8a1c3e0f1',
               'consumer_uuid': '0b7c9cf4-8f2a-4a7e-b3e8-2f6b0d1f5a10',
               'resource_class': 'VCPU', 'name': 'CUSTOM_GOLD'}


def _served():
    """(method, path template, version, handler) for every method each
    route serves, at every version it serves it."""
    table = router.Router()
    for route in router.ROUTES:
        path = route.template.format_map(PATH_VALUES)
        for method in route.methods:
            for minor in range(microversion.MIN_VERSION.minor,
                               microversion.MAX_VERSION.minor + 1):
                version = microversion.Version(1, minor)
                try:
                    handler, _items = table.match(method, path, version)
                except errors.HTTPError:
                    continue
                yield method, route.template, version, handler


SERVED = list(_served())


def test_every_path_item_has_a_converter():
    for _method, template, _version, handler in SERVED:
        for name in router.path_item_names(template):
            assert (name in handler.operation.path
                    or name in path_items.DEFAULTS), (template, name)


@pytest.mark.parametrize('method,template', sorted(
    {(method, template) for method, template, _v, _h in SERVED}))
def test_an_undeclared_query_parameter_is_refused(app, method, template):
    """Every route, every method, every version it is served at: a
    query parameter the operation does not declare is a 400 JSON error
    naming it, whether or not the operation declares any."""
    path = template.format_map(PATH_VALUES)
    for served_method, served_template, version, handler in SERVED:
        if (served_method, served_template) != (method, template):
            continue
        assert 'junk' not in handler.operation.query_at(version)
        response = app.request(
            f'{path}?junk=1', method=method,
            headers={**ADMIN, 'OpenStack-API-Version':
                     f'placement {version.major}.{version.minor}'},
            expect_errors=True)
        assert response.status_int == 400, (method, path, version)
        assert response.content_type == 'application/json'
        assert "'junk'" in response.json['errors'][0]['detail']


def test_every_operation_but_the_public_ones_checks_a_policy_rule():
    for _method, template, _version, handler in SERVED:
        operation = handler.operation
        assert operation.public or operation.policy, template
