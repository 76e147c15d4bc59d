"""The filters that select providers: ``member_of``, ``required`` and
``resources`` query values, read into plain data.

GET /resource_providers uses them, and so can every other query that
selects providers by aggregate, trait or amount. Each ``*_check``
builds the query check (``placement_min.query``) in force at one
microversion, since what a value may hold, and whether the parameter may
be repeated, grows with the version; a refused value is a 400 naming the
parameter, with the reason. Only the form is checked here: whether a
trait or a resource class exists is for storage to say. doc/api.md
section 19 describes what each filter accepts and keeps.
"""

import re
from collections.abc import Iterable
from typing import NamedTuple

from placement_min import microversion as mv
from placement_min import patterns
from placement_min import query
from placement_min import uuids
from placement_min.schemas import common

_AMOUNT_RE = re.compile('^[1-9][0-9]*$')


class MemberOf(NamedTuple):
    """Aggregate membership: a provider is in at least one aggregate of
    each ``any_of`` set, and in none of ``none_of``."""

    any_of: tuple[frozenset[str], ...] = ()
    none_of: frozenset[str] = frozenset()

    @classmethod
    def merge(cls, parts: Iterable['MemberOf']) -> 'MemberOf':
        """Every given value at once (repeats AND)."""
        any_of: list[frozenset[str]] = []
        none_of: set[str] = set()
        for part in parts:
            any_of.extend(part.any_of)
            none_of.update(part.none_of)
        return cls(tuple(any_of), frozenset(none_of))


class Required(NamedTuple):
    """Traits: a provider has all of ``all_of``, at least one of each
    ``any_of`` set, and none of ``none_of``."""

    all_of: frozenset[str] = frozenset()
    any_of: tuple[frozenset[str], ...] = ()
    none_of: frozenset[str] = frozenset()

    @classmethod
    def merge(cls, parts: Iterable['Required']) -> 'Required':
        """Every given value at once (repeats AND)."""
        all_of: set[str] = set()
        any_of: list[frozenset[str]] = []
        none_of: set[str] = set()
        for part in parts:
            all_of.update(part.all_of)
            any_of.extend(part.any_of)
            none_of.update(part.none_of)
        return cls(frozenset(all_of), tuple(any_of), frozenset(none_of))

    def names(self) -> frozenset[str]:
        """Every trait named, which must all exist."""
        return self.all_of.union(self.none_of, *self.any_of)


def _quote(value: str) -> str:
    """A value quoted for a detail, cut short if long."""
    return repr(value if len(value) <= 60 else value[:60] + '...')


def _aggregate(item: str) -> str:
    if not item:
        raise ValueError('an aggregate uuid is empty')
    if item.startswith('!'):
        raise ValueError('"!" may only start the whole value, not an '
                         'aggregate inside "in:"')
    uuid = uuids.canonical(item)
    if uuid is None:
        raise ValueError(f'{_quote(item)} is not a UUID')
    return uuid


def member_of_check(version: mv.Version) -> query.QueryCheck:
    """``member_of`` at ``version`` (1.3+): ``U`` or ``in:U1,U2`` (any
    of them); from 1.24 repeatable (each must match); from 1.32 ``!U``
    or ``!in:U1,U2`` (none of them)."""

    def check(value: str) -> MemberOf:
        forbidden = value.startswith('!')
        if forbidden:
            if version < mv.FORBIDDEN_AGGREGATES:
                raise ValueError('"!" (forbidden aggregates) needs '
                                 'microversion 1.32 or later')
            value = value[1:]
        if value.startswith('in:'):
            uuids = frozenset(_aggregate(item)
                              for item in value[3:].split(','))
        elif ',' in value:
            raise ValueError('several aggregates must be given as "in:" '
                             'followed by their comma-separated uuids')
        else:
            uuids = frozenset([_aggregate(value)])
        if forbidden:
            return MemberOf(none_of=uuids)
        return MemberOf(any_of=(uuids,))

    return query.listed(
        query.QueryCheck(check, {'type': 'string', 'minLength': 1}),
        version >= mv.MEMBER_OF_REPEATED)


def _trait(name: str) -> str:
    if not name:
        raise ValueError('a trait name is empty')
    if name.startswith('!'):
        raise ValueError(f'{_quote(name)} is not a trait name: "!" '
                         'may only start a name once, outside "in:"')
    if not patterns.is_resource_class(name):
        raise ValueError(f'{_quote(name)} is not a trait name '
                         '(A-Z, 0-9 and _)')
    return name


def required_check(version: mv.Version) -> query.QueryCheck:
    """``required`` at ``version`` (1.18+): ``T1,T2`` (all of them);
    from 1.22 ``!T`` items (none of them); from 1.39 ``in:T1,T2`` (at
    least one) and repeatable (each must match)."""

    def check(value: str) -> Required:
        if value.startswith('in:'):
            if version < mv.ANY_OF_TRAITS:
                raise ValueError('"in:" needs microversion 1.39 or later')
            return Required(any_of=(frozenset(
                _trait(item) for item in value[3:].split(',')),))
        all_of, none_of = set(), set()
        for item in value.split(','):
            if item.startswith('!'):
                if version < mv.FORBIDDEN_TRAITS:
                    raise ValueError('"!" (forbidden traits) needs '
                                     'microversion 1.22 or later')
                none_of.add(_trait(item[1:]))
            else:
                all_of.add(_trait(item))
        return Required(frozenset(all_of), (), frozenset(none_of))

    return query.listed(
        query.QueryCheck(check, {'type': 'string', 'minLength': 1}),
        version >= mv.ANY_OF_TRAITS)


def _resources(value: str) -> dict[str, int]:
    """``resources``: ``RC:N,RC2:M``, each class once, N from 1 to the
    largest integer an inventory holds."""
    amounts: dict[str, int] = {}
    for item in value.split(','):
        if not item:
            raise ValueError('an item is empty; expected RESOURCE_CLASS:'
                             'AMOUNT items separated by commas')
        name, colon, amount = item.partition(':')
        if not colon or not patterns.is_resource_class(name):
            raise ValueError(f'{_quote(item)} is not RESOURCE_CLASS:'
                             'AMOUNT')
        if (not _AMOUNT_RE.fullmatch(amount) or len(amount) > 10
                or int(amount) > common.MAX_INT):
            raise ValueError(f'the amount of {name} must be an integer from '
                             f'1 to {common.MAX_INT}')
        if name in amounts:
            raise ValueError(f'{name} is given more than once')
        amounts[name] = int(amount)
    return amounts


resources_value = query.QueryCheck(_resources, {
    'type': 'string',
    'pattern': '^[A-Z0-9_]+:[1-9][0-9]*(,[A-Z0-9_]+:[1-9][0-9]*)*$'})
