"""The request context: who is asking, and the policy check on it.

An oslo.context RequestContext, so that oslo.log stamps the request id
and user on every line logged while the request is served.
"""

import time
from typing import Any

from oslo_config import cfg
from oslo_context import context as oslo_context
from oslo_policy import policy

from placement_min import errors
from placement_min import policies


# What a policy rule is checked against, e.g. {'project_id': ...}: a
# key that is absent fails any check that reads it.
PolicyTarget = dict[str, str | None]

# Seconds between two looks for changes to the operator's policy files.
POLICY_RECHECK_INTERVAL = 5.0


class Enforcer(policy.Enforcer):
    """oslo.policy's Enforcer, looking for policy file changes at most
    every POLICY_RECHECK_INTERVAL seconds.

    NOTE: the base class searches the configuration directories for the
    policy file and policy.d and stats them on every check, which cost
    more than the rest of a GET. An operator's edit still takes effect,
    within seconds.
    """

    _next_recheck = 0.0

    def load_rules(self, force_reload: bool = False) -> None:
        now = time.monotonic()
        if force_reload or now >= self._next_recheck:
            super().load_rules(force_reload)
            self._next_recheck = now + POLICY_RECHECK_INTERVAL


def create_enforcer(conf: cfg.ConfigOpts) -> policy.Enforcer:
    """The process's policy enforcer: rules in code, operator file on top."""
    enforcer = Enforcer(conf)
    enforcer.register_defaults(policies.list_rules())
    enforcer.load_rules()
    return enforcer


class RequestContext(oslo_context.RequestContext):

    def __init__(self, *args: Any, enforcer: policy.Enforcer | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.enforcer = enforcer

    def can(self, rule: str, target: PolicyTarget | None = None) -> None:
        """Raise PolicyDenied unless policy allows ``rule`` on ``target``.

        The target is what the request acts on; without one, the caller's
        own project and user, as rules that guard no project's data do not
        look at it. A request whose scope the rule does not accept (a
        system-scoped token on a project-scoped rule) is denied alike.
        """
        # The pipeline's contexts always have one (RequestContextMiddleware).
        assert self.enforcer is not None
        if target is None:
            target = {'project_id': self.project_id, 'user_id': self.user_id}
        try:
            self.enforcer.authorize(rule, target, self, do_raise=True)
        except (policy.PolicyNotAuthorized, policy.InvalidScope):
            raise errors.PolicyDenied(rule=rule) from None
