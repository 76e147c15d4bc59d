"""What each handler accepts and answers, declared next to it.

The declaration is also the enforcement: the application
(``placement_min.app``) checks the declared policy rule, converts the
path items, and validates the query string and the body with the
validators declared for the request's microversion before the handler
runs; the handler reads ``req.query`` and ``req.payload`` and never picks
a validator itself. The API description (``placement_min.openapi``) is
built from the same declarations, so the two cannot drift.
"""

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Protocol, TypeVar, cast

import webob

from placement_min.context import PolicyTarget
from placement_min.jsonbody import Schema
from placement_min.microversion import Version
from placement_min.query import QueryMap
from placement_min.request import PlacementRequest

T = TypeVar('T')
# A path item's converter: the raw (decoded) path segment in, the value
# the handler uses out, or a PlacementError (404 or 400) raised.
PathConverter = Callable[[str], str]
# What a handler is written as: the request in, the response out.
HandlerFunction = Callable[[PlacementRequest], webob.Response]
# What the policy rule is checked against, read from the request before
# anything in it is validated, so it must not raise: a value it cannot
# read is left out of the target (and fails any check that reads it).
TargetReader = Callable[[PlacementRequest], PolicyTarget]


def _at(variants: Mapping[Version, T], version: Version) -> T | None:
    """The variant in force at ``version``: the one declared for the
    newest version not above it, or None."""
    found = None
    for since in sorted(variants):
        if since <= version:
            found = variants[since]
    return found


class Operation(NamedTuple):
    """One handler's contract.

    ``policy`` is the oslo.policy rule checked before anything else
    (None only for ``public`` operations), on the target that
    ``policy_target`` reads from the request (None: the caller's own
    project and user, for rules that do not depend on what is asked
    about). ``path`` overrides the
    converter of a path item (``placement_min.handlers.path_items``
    holds the defaults, by name). ``bodies`` and ``query`` map the first
    microversion of each variant to the body validator (or accepted
    query map) in force from that version until the next key; an
    operation that declares no query accepts none. ``success`` maps each
    success status to its response body schema (None: no body).
    ``errors`` are the statuses the handler itself can answer with;
    those that every request can get (bad version, auth, body) are
    added by the description.
    """

    summary: str
    success: dict[int, Any]
    policy: str | None
    path: dict[str, PathConverter]
    bodies: dict[Version, Schema]
    query: dict[Version, QueryMap]
    errors: tuple[int, ...]
    public: bool
    policy_target: TargetReader | None = None

    def body_at(self, version: Version) -> Schema | None:
        """The body validator at ``version``; None: no body is read."""
        return _at(self.bodies, version)

    def query_at(self, version: Version) -> QueryMap:
        """The accepted query parameters at ``version`` ({}: none)."""
        return _at(self.query, version) or {}


class Handler(Protocol):
    """A declared handler: a ``HandlerFunction`` carrying its
    ``Operation``, as the route table and the application use it."""

    operation: Operation
    __name__: str

    def __call__(self, req: PlacementRequest, /) -> webob.Response: ...


def declare(summary: str, success: dict[int, Any], *,
            policy: str | None = None,
            policy_target: TargetReader | None = None,
            path: dict[str, PathConverter] | None = None,
            bodies: dict[Version, Schema] | None = None,
            query: dict[Version, QueryMap] | None = None,
            errors: tuple[int, ...] = (),
            public: bool = False) -> Callable[[HandlerFunction], Handler]:
    """Attach an ``Operation`` to the handler as ``handler.operation``."""
    if (policy is None) != public:
        raise ValueError(f'{summary!r}: an operation is public or has a '
                         'policy rule, not both or neither.')
    if policy_target is not None and policy is None:
        raise ValueError(f'{summary!r}: a policy target without a rule.')

    def attach(function: HandlerFunction) -> Handler:
        handler = cast(Handler, function)
        handler.operation = Operation(
            summary, success, policy, path or {}, bodies or {},
            query or {}, tuple(errors), public, policy_target)
        return handler
    return attach
