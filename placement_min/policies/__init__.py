"""oslo.policy defaults, one module per resource."""

import itertools

from placement_min.policies import aggregate
from placement_min.policies import allocation
from placement_min.policies import allocation_candidate
from placement_min.policies import base
from placement_min.policies import inventory
from placement_min.policies import resource_class
from placement_min.policies import resource_provider
from placement_min.policies import trait
from placement_min.policies import usage


def list_rules():
    return list(itertools.chain(
        base.RULES,
        resource_provider.RULES,
        inventory.RULES,
        resource_class.RULES,
        allocation.RULES,
        allocation_candidate.RULES,
        usage.RULES,
        trait.RULES,
        aggregate.RULES,
    ))
