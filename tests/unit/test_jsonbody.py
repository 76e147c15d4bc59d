"""The strict JSON reader, on requests built without the pipeline."""

import pytest
import webob

from placement_min import errors
from placement_min import jsonbody

SCHEMA = jsonbody.Schema({
    'type': 'object',
    'properties': {
        'name': {'type': 'string', 'maxLength': 5},
        'count': {'type': 'integer', 'minimum': 1, 'maximum': 10},
        'ratio': {'type': 'number'},
        'nested': {'type': 'object'},
    },
    'additionalProperties': False,
})


def read(body: bytes, content_type='application/json', max_depth=4):
    req = webob.Request.blank('/', method='POST', body=body,
                              content_type=content_type)
    return jsonbody.read(req, SCHEMA, max_depth)


def refused(body: bytes, **kwargs) -> errors.HTTPError:
    with pytest.raises(errors.HTTPError) as raised:
        read(body, **kwargs)
    return raised.value


@pytest.mark.parametrize('body, expected', [
    (b'{}', {}),
    (b'{"name": "abc", "count": 3}', {'name': 'abc', 'count': 3}),
    (b'{"ratio": 1.5}', {'ratio': 1.5}),
    (b'{"ratio": 2}', {'ratio': 2}),
    (b'{"name": "\\u00e9"}', {'name': '\u00e9'}),
    ('{"name": "\u00e9"}'.encode(), {'name': '\u00e9'}),
    (b'{"nested": {"a": {"b": 1}}}', {'nested': {'a': {'b': 1}}}),
])
def test_accepted(body, expected):
    assert read(body) == expected


@pytest.mark.parametrize('body, words', [
    (b'', 'empty'),
    (b'\xff', 'UTF-8'),
    ('{"name": "\u00e9"}'.encode('latin-1'), 'UTF-8'),
    (b'\xef\xbb\xbf{}', 'BOM'),
    (b'[]', 'JSON object'),
    (b'1', 'JSON object'),
    (b'{"a": 1, "a": 1}', 'duplicate key "a"'),
    (b'{"ratio": NaN}', 'NaN is not a JSON number'),
    (b'{"ratio": Infinity}', 'Infinity is not a JSON number'),
    (b'{"ratio": -Infinity}', '-Infinity is not a JSON number'),
    (b'{"ratio": 1e400}', 'number out of range'),
    (b'{"ratio": -1e400}', 'number out of range'),
    (b'{"count": 1' + b'0' * 5000 + b'}', 'number is too long'),
    (b'[' * 100000 + b']' * 100000, 'too deep'),
    (b'{"nested": {"a": {"b": {"c": {}}}}}', 'deeper than 4 levels'),
    (b'{"name": "abcdef"}', "field 'name'"),
    (b'{"count": 11}', "field 'count'"),
    (b'{"count": 1.0}', "field 'count'"),
    (b'{"count": 2e0}', "field 'count'"),
    (b'{"extra": 1}', "'extra' was unexpected"),
    (b'{"name": 1', 'Malformed JSON in request body'),
])
def test_refused_with_a_clear_400(body, words):
    error = refused(body)
    assert error.status == 400
    assert words in error.detail


def test_depth_bound_is_inclusive():
    assert read(b'{"nested": {"a": {"b": {}}}}') == {
        'nested': {'a': {'b': {}}}}


def test_schema_error_detail_is_bounded():
    error = refused(b'{"name": "' + b'x' * 5000 + b'"}')
    assert len(error.detail) < 400


def test_duplicate_key_detail_is_bounded():
    key = b'"' + b'k' * 5000 + b'"'
    error = refused(b'{' + key + b': 1, ' + key + b': 2}')
    assert len(error.detail) < 300


@pytest.mark.parametrize('content_type, status', [
    ('text/plain', 415),
    ('application/x-www-form-urlencoded', 415),
    ('application/json; charset=latin-1', 415),
    ('application/json; charset=utf-16', 415),
])
def test_wrong_media_type(content_type, status):
    assert refused(b'{}', content_type=content_type).status == status


@pytest.mark.parametrize('content_type', [
    'application/json', 'application/json; charset=utf-8',
    'application/json;charset=UTF-8', 'APPLICATION/JSON'])
def test_json_media_types(content_type):
    assert read(b'{}', content_type=content_type) == {}
