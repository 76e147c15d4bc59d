"""The request context: who is asking, and the policy check on it.

An oslo.context RequestContext, so that oslo.log stamps the request id
and user on every line logged while the request is served.
"""

from oslo_context import context as oslo_context
from oslo_policy import policy

from placement_min import errors
from placement_min import policies


def create_enforcer(conf) -> policy.Enforcer:
    """The process's policy enforcer: rules in code, operator file on top."""
    enforcer = policy.Enforcer(conf)
    enforcer.register_defaults(policies.list_rules())
    enforcer.load_rules()
    return enforcer


class RequestContext(oslo_context.RequestContext):

    def __init__(self, *args, enforcer: policy.Enforcer | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.enforcer = enforcer

    def can(self, rule: str) -> None:
        """Raise PolicyDenied unless policy allows ``rule``."""
        target = {'project_id': self.project_id, 'user_id': self.user_id}
        try:
            self.enforcer.authorize(rule, target, self, do_raise=True)
        except policy.PolicyNotAuthorized:
            raise errors.PolicyDenied(rule=rule) from None
