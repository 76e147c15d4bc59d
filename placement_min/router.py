"""The route table: path template -> method -> handler, by microversion.

A method maps to a handler, or to ``Since`` entries when which handler
(if any) serves it depends on the microversion. A whole route can start
at a version; below it the route's own methods do not exist (404), as
in Placement. A method that no handler serves at the request's version
is 405 with an ``Allow`` header (below the route's first version, the
methods it has from that version).
"""

import re
from collections.abc import Iterable
from typing import NamedTuple

from placement_min import errors
from placement_min import microversion as mv
from placement_min.handlers import aggregate
from placement_min.handlers import allocation
from placement_min.handlers import allocation_candidate
from placement_min.handlers import inventory
from placement_min.handlers import reshaper
from placement_min.handlers import resource_class
from placement_min.handlers import resource_provider
from placement_min.handlers import root
from placement_min.handlers import trait
from placement_min.handlers import usage
from placement_min.handlers.operation import Handler


class Since(NamedTuple):
    """``handler`` serves from ``low`` to ``high`` (inclusive)."""

    low: mv.Version
    handler: Handler
    high: mv.Version = mv.MAX_VERSION


# A method's handler, or which handler serves it at which versions.
MethodEntry = Handler | tuple[Since, ...]


class Route(NamedTuple):
    template: str
    methods: dict[str, MethodEntry]
    since: mv.Version = mv.BASE


ROUTES = (
    Route('/', {'GET': root.home}),
    Route('/resource_providers', {
        'GET': resource_provider.list_providers,
        'POST': resource_provider.create_provider,
    }),
    Route('/resource_providers/{uuid}', {
        'GET': resource_provider.show_provider,
        'PUT': resource_provider.update_provider,
        'DELETE': resource_provider.delete_provider,
    }),
    Route('/resource_providers/{uuid}/inventories', {
        'GET': inventory.list_inventories,
        'POST': inventory.create_inventory,
        'PUT': inventory.replace_inventories,
        'DELETE': (Since(mv.DELETE_ALL_INVENTORIES,
                         inventory.delete_inventories),),
    }),
    Route('/resource_providers/{uuid}/inventories/{resource_class}', {
        'GET': inventory.show_inventory,
        'PUT': inventory.update_inventory,
        'DELETE': inventory.delete_inventory,
    }),
    Route('/resource_providers/{uuid}/usages', {
        'GET': usage.list_for_provider,
    }),
    Route('/resource_providers/{uuid}/allocations', {
        'GET': allocation.list_for_provider,
    }),
    Route('/resource_providers/{uuid}/aggregates', {
        'GET': aggregate.list_aggregates,
        'PUT': aggregate.replace_aggregates,
    }, since=mv.AGGREGATES),
    Route('/resource_providers/{uuid}/traits', {
        'GET': trait.list_provider_traits,
        'PUT': trait.replace_provider_traits,
        'DELETE': trait.delete_provider_traits,
    }, since=mv.TRAITS),
    Route('/traits', {'GET': trait.list_traits}, since=mv.TRAITS),
    Route('/traits/{name}', {
        'GET': trait.show_trait,
        'PUT': trait.ensure_trait,
        'DELETE': trait.delete_trait,
    }, since=mv.TRAITS),
    Route('/resource_classes', {
        'GET': resource_class.list_classes,
        'POST': resource_class.create_class,
    }, since=mv.CUSTOM_RESOURCE_CLASSES),
    Route('/resource_classes/{name}', {
        'GET': resource_class.show_class,
        'PUT': (Since(mv.CUSTOM_RESOURCE_CLASSES, resource_class.rename_class,
                      mv.before(mv.RESOURCE_CLASS_PUT_ENSURES)),
                Since(mv.RESOURCE_CLASS_PUT_ENSURES,
                      resource_class.ensure_class)),
        'DELETE': resource_class.delete_class,
    }, since=mv.CUSTOM_RESOURCE_CLASSES),
    Route('/allocations', {'POST': allocation.post_allocations},
          since=mv.POST_ALLOCATIONS),
    Route('/allocations/{consumer_uuid}', {
        'GET': allocation.show_allocations,
        'PUT': allocation.replace_allocations,
        'DELETE': allocation.delete_allocations,
    }),
    Route('/usages', {'GET': usage.list_totals}, since=mv.PROJECT_USAGES),
    Route('/allocation_candidates', {
        'GET': allocation_candidate.list_candidates,
    }, since=mv.ALLOCATION_CANDIDATES),
    Route('/reshaper', {'POST': reshaper.reshape}, since=mv.RESHAPER),
)


_PATH_ITEM = re.compile(r'\{(\w+)\}')


def path_item_names(template: str) -> list[str]:
    """The names of the path items of a route template, in order."""
    return _PATH_ITEM.findall(template)


def _compile(template: str) -> re.Pattern[str]:
    """The template as a pattern that paths must match whole."""
    return re.compile(_PATH_ITEM.sub(r'(?P<\1>[^/]+)', template))


def _handler_at(entry: MethodEntry, version: mv.Version) -> Handler | None:
    if not isinstance(entry, tuple):
        return entry
    for since in entry:
        if since.low <= version <= since.high:
            return since.handler
    return None


class Router:
    """Finds the handler for a path, method and version."""

    def __init__(self, routes: Iterable[Route] = ROUTES) -> None:
        self._static = {r.template: r for r in routes if '{' not in r.template}
        self._dynamic = [(_compile(r.template), r) for r in routes
                         if '{' in r.template]

    def _route(self, path: str) -> tuple[Route | None, dict[str, str]]:
        route = self._static.get(path)
        if route is not None:
            return route, {}
        for pattern, route in self._dynamic:
            match = pattern.fullmatch(path)
            if match:
                return route, match.groupdict()
        return None, {}

    def match(self, method: str, path: str,
              version: mv.Version) -> tuple[Handler, dict[str, str]]:
        """(handler, path items), or an HTTPError 404 or 405."""
        route, items = self._route(path)
        if route is None or (version < route.since
                             and method in route.methods):
            raise errors.HTTPError(
                404, f'The resource {errors.shorten(path)} could not be '
                     'found.')
        handler = None
        if method in route.methods:
            handler = _handler_at(route.methods[method], version)
        if handler is None:
            shown = max(version, route.since)
            allowed = ', '.join(sorted(
                m for m, entry in route.methods.items()
                if _handler_at(entry, shown) is not None))
            raise errors.HTTPError(
                405, f'The method {method} is not allowed for this '
                     f'resource; allowed: {allowed}.',
                headers=[('Allow', allowed)])
        return handler, items
