"""What each handler accepts and answers, declared next to it.

A handler reads its body and query string with the very validators and
parameter maps it declares here, and the API description
(``placement_min.openapi``) is built from these declarations and the
route table, so changing a schema changes the description too.
"""

from collections.abc import Callable
from typing import NamedTuple


class Operation(NamedTuple):
    """One handler's contract.

    ``bodies`` and ``query`` map the first microversion of each variant
    to the validator (or accepted-parameter map) the handler uses from
    that version until the next key. ``success`` maps each success
    status to its response body schema (None: no body). ``errors`` are
    the statuses the handler itself can answer with; those that every
    request can get (bad version, auth, body) are added by the
    description.
    """

    summary: str
    success: dict
    bodies: dict
    query: dict
    errors: tuple
    public: bool


def declare(summary: str, success: dict, bodies: dict | None = None,
            query: dict | None = None, errors: tuple = (),
            public: bool = False) -> Callable:
    """Attach an ``Operation`` to the handler as ``handler.operation``."""
    def attach(handler):
        handler.operation = Operation(summary, success, bodies or {},
                                      query or {}, tuple(errors), public)
        return handler
    return attach

