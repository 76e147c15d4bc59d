"""The two steps of every request body schema agree.

fastjsonschema's compiled check passes bodies without asking jsonschema
(jsonbody.Schema), so it must never pass one that jsonschema refuses;
and it must pass what jsonschema passes, or valid bodies would lose the
fast path. Bodies are drawn near each schema's shape: its fields and
keys, with any value possibly replaced by one from a list of edge cases
(bounds, 1.0 for an integer, booleans, a final newline, wrong types).
"""

import uuid

import jsonschema
import pytest
from hypothesis import HealthCheck
from hypothesis import find
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from placement_min import jsonbody
from placement_min.schemas import allocation
from placement_min.schemas import common
from placement_min.schemas import inventory
from placement_min.schemas import resource_class
from placement_min.schemas import resource_provider

UUID = str(uuid.UUID(int=7))
STRINGS = ['', 'x', 'name', 'VCPU', 'DISK_GB', 'CUSTOM_X', 'INSTANCE',
           'vcpu', UUID, UUID.upper(), UUID[:-1], 'a' * 256, 'ü', 'VCPU\n',
           UUID + '\n', 'x\ty', 'x\x7f']
NUMBERS = [0, 1, 2, -1, 8, common.MAX_INT, common.MAX_INT + 1, 2 ** 70,
           0.0, 1.0, 1.5, -0.5, 1e-300, 3.4e38, 3.5e38, True, False]
EDGE_CASES = [None, {}, [], {'total': 1}, ['x'], *STRINGS, *NUMBERS]


def _all_schemas() -> dict[str, jsonbody.Schema]:
    found = {}
    for module in (allocation, inventory, resource_class,
                   resource_provider):
        for name, value in vars(module).items():
            if isinstance(value, jsonbody.Schema):
                found[f'{module.__name__}.{name}'] = value
    for since, schema in allocation.PUT_BY_VERSION.items():
        found[f'allocation.put_v{since[0]}_{since[1]}'] = schema
    return found


SCHEMAS = _all_schemas()


def near(schema: dict) -> st.SearchStrategy:
    """A value of ``schema``'s shape, or at times (one in four) an edge
    case."""
    shape = shaped(schema)
    return st.one_of(shape, shape, shape, st.sampled_from(EDGE_CASES))


def shaped(schema: dict) -> st.SearchStrategy:
    """A value that mostly keeps to ``schema``: its types, bounds and
    patterns, each chosen from the edge-case lists."""
    if 'anyOf' in schema:
        return st.one_of(*(near(option) for option in schema['anyOf']))
    kind = schema.get('type')
    if kind == 'object':
        return _object(schema)
    if kind == 'array':
        return st.lists(near(schema['items']),
                        min_size=schema.get('minItems', 0), max_size=3)
    if kind in ('integer', 'number'):
        return st.sampled_from(_fitting(NUMBERS, schema))
    if kind == 'string':
        return st.sampled_from(_fitting(STRINGS, schema))
    return st.sampled_from(EDGE_CASES)


def _fitting(values: list, schema: dict) -> list:
    """The values the jsonschema judge accepts for ``schema``, or all of
    them when none fits."""
    judge = jsonschema.Draft4Validator(schema)
    return [value for value in values if judge.is_valid(value)] or values


def _object(schema: dict) -> st.SearchStrategy:
    properties = schema.get('properties', {})
    required = set(schema.get('required', ()))
    named = st.fixed_dictionaries(
        {key: near(value) for key, value in properties.items()
         if key in required},
        optional={key: near(value) for key, value in properties.items()
                  if key not in required})
    patterns = schema.get('patternProperties', {})
    if not patterns:
        return named
    keyed = st.one_of(*(st.dictionaries(
        st.one_of(st.sampled_from(_fitting(STRINGS, {'pattern': pattern})),
                  st.sampled_from(STRINGS + ['bogus'])),
        near(value), min_size=schema.get('minProperties', 0), max_size=3)
        for pattern, value in patterns.items()))
    return st.builds(lambda a, b: {**b, **a}, named, keyed)


BODIES = {name: near(schema.schema) for name, schema in SCHEMAS.items()}


def fast_passes(schema: jsonbody.Schema, body) -> bool:
    try:
        schema.passes(body)
    except jsonbody.fastjsonschema.JsonSchemaException:
        return False
    return True


def holds_newline(value) -> bool:
    if isinstance(value, str):
        return '\n' in value
    if isinstance(value, dict):
        return any(holds_newline(k) or holds_newline(v)
                   for k, v in value.items())
    if isinstance(value, list):
        return any(holds_newline(v) for v in value)
    return False


@pytest.mark.parametrize('name', sorted(SCHEMAS))
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_check_agrees_with_jsonschema(name, data):
    schema = SCHEMAS[name]
    body = data.draw(BODIES[name])
    passes, valid = fast_passes(schema, body), schema.judge.is_valid(body)
    assert valid or not passes, 'the fast check passed an invalid body'
    if not holds_newline(body):
        assert passes or not valid, 'a valid body missed the fast path'
    assert (schema.first_error(body) is None) == valid


@pytest.mark.parametrize('name', sorted(SCHEMAS))
def test_bodies_drawn_reach_both_verdicts(name):
    """The drawing above is no vacuous test: it finds valid bodies with
    content, and invalid ones, for every schema."""
    schema = SCHEMAS[name]
    config = settings(max_examples=1000, database=None)
    valid = find(BODIES[name], lambda body: isinstance(body, dict)
                 and body and schema.judge.is_valid(body), settings=config)
    assert fast_passes(schema, valid)
    invalid = find(BODIES[name], lambda body: isinstance(body, dict)
                   and not schema.judge.is_valid(body), settings=config)
    assert not fast_passes(schema, invalid)

