"""oslo.policy defaults, one module per resource; all admin only."""

import itertools

from oslo_policy import policy

from placement_min.policies import allocation
from placement_min.policies import base
from placement_min.policies import inventory
from placement_min.policies import resource_class
from placement_min.policies import resource_provider
from placement_min.policies import usage


def list_rules() -> list[policy.RuleDefault]:
    """Every rule, for the enforcer and the sample generator."""
    return list(itertools.chain(
        base.RULES,
        resource_provider.RULES,
        inventory.RULES,
        resource_class.RULES,
        allocation.RULES,
        usage.RULES,
    ))
