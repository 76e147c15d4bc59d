"""Declarations that cannot be right are refused when the module loads."""

import pytest

from placement_min.handlers import operation


@pytest.mark.parametrize('kwargs', [
    {},
    {'policy': 'placement:x', 'public': True},
    {'public': True, 'policy_target': lambda req: {}},
])
def test_contradictory_declarations_are_refused(kwargs):
    with pytest.raises(ValueError):
        operation.declare('An operation.', {200: None}, **kwargs)


def test_policy_target_is_kept():
    def target(req):
        return {'project_id': 'p'}

    @operation.declare('An operation.', {200: None}, policy='placement:x',
                       policy_target=target)
    def handler(req):
        return None

    assert handler.operation.policy_target is target
    assert handler.operation.policy == 'placement:x'
