"""The route table lookup: handlers by path, method and version."""

import microversion_parse
import pytest

from placement_min import errors
from placement_min import router


def v(text: str):
    major, minor = text.split('.')
    return microversion_parse.Version(int(major), int(minor))


def home(req):
    """A stand-in handler."""


def old_rename(req):
    """A stand-in handler."""


def new_ensure(req):
    """A stand-in handler."""


ROUTES = (
    router.Route('/', {'GET': home}),
    router.Route('/things/{name}', {
        'GET': home,
        'PUT': (router.Since((1, 2), old_rename, (1, 6)),
                router.Since((1, 7), new_ensure)),
        'DELETE': (router.Since((1, 5), home),),
    }),
    router.Route('/late', {'GET': home}, since=(1, 2)),
    router.Route('/things/{name}/parts/{part}', {'GET': home}),
)


@pytest.fixture
def table():
    return router.Router(ROUTES)


@pytest.mark.parametrize('method, path, version, handler, items', [
    ('GET', '/', '1.0', home, {}),
    ('GET', '/things/a', '1.0', home, {'name': 'a'}),
    ('PUT', '/things/a', '1.2', old_rename, {'name': 'a'}),
    ('PUT', '/things/a', '1.6', old_rename, {'name': 'a'}),
    ('PUT', '/things/a', '1.7', new_ensure, {'name': 'a'}),
    ('PUT', '/things/a', '1.39', new_ensure, {'name': 'a'}),
    ('DELETE', '/things/a', '1.5', home, {'name': 'a'}),
    ('GET', '/late', '1.2', home, {}),
    ('GET', '/things/a/parts/b', '1.0', home, {'name': 'a', 'part': 'b'}),
])
def test_match(table, method, path, version, handler, items):
    assert table.match(method, path, v(version)) == (handler, items)


@pytest.mark.parametrize('path, version', [
    ('/nowhere', '1.39'),
    ('/late', '1.1'),
    ('/things', '1.0'),
    ('/things/', '1.0'),
    ('/things/a/', '1.0'),
    ('/things/a/b', '1.0'),
    ('//', '1.0'),
    ('', '1.0'),
])
def test_unknown_path_is_404(table, path, version):
    with pytest.raises(errors.HTTPError) as raised:
        table.match('GET', path, v(version))
    assert raised.value.status == 404


def test_404_detail_shortens_a_long_path(table):
    with pytest.raises(errors.HTTPError) as raised:
        table.match('GET', '/' + 'x' * 10000, v('1.0'))
    assert len(raised.value.detail) < 300


@pytest.mark.parametrize('method, version, allowed', [
    ('POST', '1.0', 'GET'),
    ('PUT', '1.1', 'GET'),
    ('DELETE', '1.4', 'GET, PUT'),
    ('PATCH', '1.5', 'DELETE, GET, PUT'),
    ('get', '1.0', 'GET'),
])
def test_method_not_served_is_405_with_allow(table, method, version,
                                             allowed):
    with pytest.raises(errors.HTTPError) as raised:
        table.match(method, '/things/a', v(version))
    assert raised.value.status == 405
    assert raised.value.headers == [('Allow', allowed)]
    assert allowed in raised.value.detail

