"""The request context: who is asking, and the policy check on it.

An oslo.context RequestContext, so that oslo.log stamps the request id
and user on every line logged while the request is served.
"""

import logging
import operator
import time
from collections.abc import Mapping
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
# Decisions an Enforcer remembers at most: callers are few (services,
# admins, the projects of a deployment), so this bounds memory, not hits.
MAX_REMEMBERED_DECISIONS = 4096

_POLICY_LOG = logging.getLogger('oslo_policy.policy')
# The caller's policy values (user, project, roles, scope, ...), read
# from the context attributes of the same names: the names are those
# oslo.context gives oslo.policy (``to_policy_values``).
_policy_values = operator.attrgetter(
    *oslo_context.RequestContext().to_policy_values())
# A decision's key: the rule, the target's items and the caller's
# policy values, lists (roles) as tuples.
DecisionKey = tuple[str, tuple[tuple[str, Any], ...], tuple[Any, ...]]


def _decision_key(rule: str, target: Mapping[str, Any],
                  creds: oslo_context.RequestContext) -> DecisionKey:
    return (rule, tuple(target.items()),
            tuple(tuple(value) if isinstance(value, list) else value
                  for value in _policy_values(creds)))


class Enforcer(policy.Enforcer):
    """oslo.policy's Enforcer, looking for policy file changes at most
    every POLICY_RECHECK_INTERVAL seconds, and remembering its decisions
    in between.

    NOTE: the base class searches the configuration directories for the
    policy file and policy.d and stats them on every check, which cost
    more than the rest of a GET; and it evaluates the rule again on
    every check, calling ``inspect.getfullargspec`` for each check in
    it (about 20 us for a default rule). A decision depends only on the
    rules, the target and the caller's policy values, so ``allows``
    remembers it under those; the decisions are forgotten whenever the
    rules may have changed (every recheck, ``set_rules``, ``clear``), so
    an operator's edit still takes effect, within seconds.
    """

    _next_recheck = 0.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._decisions: dict[DecisionKey, bool] = {}
        super().__init__(*args, **kwargs)

    def load_rules(self, force_reload: bool = False) -> None:
        now = time.monotonic()
        if force_reload or now >= self._next_recheck:
            self._decisions.clear()
            super().load_rules(force_reload)
            self._next_recheck = now + POLICY_RECHECK_INTERVAL

    def set_rules(self, *args: Any, **kwargs: Any) -> None:
        self._decisions.clear()
        super().set_rules(*args, **kwargs)

    def clear(self) -> None:
        self._decisions.clear()
        super().clear()

    def allows(self, rule: str, target: PolicyTarget,
               creds: oslo_context.RequestContext) -> bool:
        """Whether policy allows ``rule`` on ``target`` to ``creds``,
        in scope: ``authorize`` once per distinct question between two
        rechecks. With oslo.policy's debug log on, every check is
        evaluated (and logged) again."""
        self.load_rules()
        if _POLICY_LOG.isEnabledFor(logging.DEBUG):
            return self._authorize(rule, target, creds)
        key = _decision_key(rule, target, creds)
        decision = self._decisions.get(key)
        if decision is None:
            decision = self._authorize(rule, target, creds)
            if len(self._decisions) < MAX_REMEMBERED_DECISIONS:
                self._decisions[key] = decision
        return decision

    def _authorize(self, rule: str, target: PolicyTarget,
                   creds: oslo_context.RequestContext) -> bool:
        try:
            return bool(self.authorize(rule, target, creds, do_raise=True))
        except (policy.PolicyNotAuthorized, policy.InvalidScope):
            return False


def create_enforcer(conf: cfg.ConfigOpts) -> Enforcer:
    """The process's policy enforcer: rules in code, operator file on top."""
    enforcer = Enforcer(conf)
    enforcer.register_defaults(policies.list_rules())
    enforcer.load_rules()
    return enforcer


class RequestContext(oslo_context.RequestContext):

    def __init__(self, *args: Any, enforcer: Enforcer | None = None,
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
        if not self.enforcer.allows(rule, target, self):
            raise errors.PolicyDenied(rule=rule)
