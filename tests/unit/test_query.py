"""The query string reader: declared parameters only, each once, checked."""

import pytest

from placement_min import errors
from placement_min import query

ACCEPTED = {'name': query.text_value(5), 'uuid': query.uuid_value}
UUID = '8A3FD7A8-5B3D-4C4E-9D36-33C8A1C3E0F1'


def parse(query_string: str) -> dict:
    return query.parse({'QUERY_STRING': query_string}, ACCEPTED)


@pytest.mark.parametrize('query_string, expected', [
    ('', {}),
    ('name=abc', {'name': 'abc'}),
    (f'uuid={UUID}', {'uuid': UUID.lower()}),
    (f'name=a%20b&uuid={UUID.lower()}', {'name': 'a b',
                                         'uuid': UUID.lower()}),
    ('name=%E2%98%83', {'name': '\u2603'}),
    ('name=a+b', {'name': 'a b'}),
    ('name=\xc3\xa9', {'name': '\u00e9'}),
])
def test_accepted(query_string, expected):
    assert parse(query_string) == expected


@pytest.mark.parametrize('query_string, words', [
    ('bogus=1', "Unknown query parameter 'bogus'; accepted: name, uuid"),
    ('name=a&name=b', "'name' is given more than once"),
    ('name=', "Invalid query parameter 'name': must be 1 to 5"),
    ('name=abcdef', "Invalid query parameter 'name': must be 1 to 5"),
    ('uuid=nope', "Invalid query parameter 'uuid': must be a UUID"),
    (f'uuid={UUID}0', "Invalid query parameter 'uuid'"),
    ('name=%ff', 'Malformed query string'),
    ('%ff=1', 'Malformed query string'),
    ('name=\xff', 'Malformed query string'),
    ('name=\u2603', 'Malformed query string'),
    ('name', 'Malformed query string'),
    ('&&', 'Malformed query string'),
    ('&'.join(['name=a'] * 21), 'Malformed query string'),
    ("%25s%7B0%7D=1", "Unknown query parameter '%s{0}'"),
    ('a%0Ab=1', "Unknown query parameter 'a\\nb'"),
])
def test_refused_with_a_clear_400(query_string, words):
    with pytest.raises(errors.HTTPError) as raised:
        parse(query_string)
    assert raised.value.status == 400
    assert words in raised.value.detail


def test_no_parameters_accepted():
    with pytest.raises(errors.HTTPError) as raised:
        query.parse({'QUERY_STRING': 'x=1'}, {})
    assert 'accepted: none' in raised.value.detail


@pytest.mark.parametrize('query_string', ['', 'other=x'])
def test_required_parameter_missing(query_string):
    accepted = {'needed': query.required(query.text_value(5)),
                'other': query.text_value(5)}
    with pytest.raises(errors.HTTPError) as raised:
        query.parse({'QUERY_STRING': query_string}, accepted)
    assert raised.value.status == 400
    assert raised.value.detail == "Query parameter 'needed' is required."
    assert query.parse({'QUERY_STRING': 'needed=a'}, accepted) == {
        'needed': 'a'}


@pytest.mark.parametrize('query_string, expected', [
    ('project_id=p', 'p'),
    ('user_id=u&project_id=p%20q', 'p q'),
    ('project_id=', ''),
    ('', None),
    ('user_id=u', None),
    ('project_id=p&project_id=q', None),
    ('project_id=p&&user_id=u', None),
    ('project_id=%ff', None),
    ('&'.join(['a=1'] * 30) + '&project_id=p', None),
])
def test_single_raw_value(query_string, expected):
    """Read before validation (a policy target), so it never raises: what
    it cannot read with certainty is None."""
    environ = {'QUERY_STRING': query_string}
    assert query.single_raw_value(environ, 'project_id') == expected
