"""oslo.policy defaults, one module per resource; Placement's RBAC
(``base`` says which roles and scope)."""

import itertools

from oslo_policy import policy

from placement_min.policies import aggregate
from placement_min.policies import allocation
from placement_min.policies import allocation_candidate
from placement_min.policies import base
from placement_min.policies import inventory
from placement_min.policies import reshaper
from placement_min.policies import resource_class
from placement_min.policies import resource_provider
from placement_min.policies import trait
from placement_min.policies import usage


def list_rules() -> list[policy.RuleDefault]:
    """Every rule, for the enforcer and the sample generator."""
    return list(itertools.chain(
        base.RULES,
        resource_provider.RULES,
        inventory.RULES,
        resource_class.RULES,
        allocation.RULES,
        allocation_candidate.RULES,
        usage.RULES,
        reshaper.RULES,
        trait.RULES,
        aggregate.RULES,
    ))
