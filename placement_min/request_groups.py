"""The query of GET /allocation_candidates: request groups, by version.

``query_at(version)`` is what the operation declares: the parameters,
the suffixed families and the value checks in force at each version, so
the application refuses an undeclared name or a bad value before the
handler runs. ``request_from(params, version)`` then applies the rules
that need the whole query (which groups exist, resourceless groups,
``same_subtree``, ``group_policy``) and builds the ``CandidateRequest``
that storage and the search read. The rules and their error codes are
listed in doc/api.md section 11 and the API description.
"""

import re
from typing import Any, NamedTuple

from placement_min import errors
from placement_min import filters
from placement_min import microversion as mv
from placement_min import query
from placement_min import uuids

NUMERIC_SUFFIX = re.compile(r'[1-9][0-9]*')
STRING_SUFFIX = re.compile(r'[a-zA-Z0-9_-]{1,64}')
_LIMIT = re.compile(r'[1-9][0-9]*')
# Families of suffixed names, and plain names, of one request group.
GROUP_PARAMS = ('resources', 'required', 'member_of', 'in_tree')


class RequestGroup(NamedTuple):
    suffix: str
    resources: dict[str, int]
    traits: filters.Required
    aggregates: filters.MemberOf
    in_tree: str | None

    @property
    def suffixed(self) -> bool:
        return self.suffix != ''


class CandidateRequest(NamedTuple):
    """A checked request: groups (the unsuffixed one first), and what
    ties them together."""

    groups: tuple[RequestGroup, ...]
    group_policy: str | None
    limit: int | None
    root_traits: filters.Required
    same_subtree: tuple[tuple[str, ...], ...]

    def class_names(self) -> set[str]:
        return {rc for g in self.groups for rc in g.resources}

    def trait_names(self) -> set[str]:
        return set(self.root_traits.names()).union(
            *(group.traits.names() for group in self.groups))


# Value checks (those of a group's parameters are placement_min.filters')

def _tree_uuid(value: str) -> str:
    uuid = uuids.canonical(value)
    if uuid is None:
        raise ValueError(f'{errors.shorten(value, 60)!r} is not a UUID')
    return uuid


tree_uuid = query.QueryCheck(_tree_uuid, uuids.UUID_LIKE)


def _limit(value: str) -> int:
    if not _LIMIT.fullmatch(value):
        raise ValueError('must be an integer of at least 1')
    return int(value)


limit_value = query.QueryCheck(
    _limit, {'type': 'string', 'pattern': '^[1-9][0-9]*$'})


def _group_policy(value: str) -> str:
    if value not in ('none', 'isolate'):
        raise ValueError('must be "none" or "isolate"')
    return value


group_policy_value = query.QueryCheck(
    _group_policy, {'type': 'string', 'enum': ['none', 'isolate']})


_ROOT_TRAITS = filters.required_check(mv.ROOT_REQUIRED)


def _root_required(value: str) -> filters.Required:
    if value.startswith('in:'):
        raise ValueError('"in:" is not accepted in root_required')
    traits: filters.Required = _ROOT_TRAITS(value)
    both = traits.all_of & traits.none_of
    if both:
        raise query.InvalidValue(
            f'{", ".join(sorted(both))} both required and forbidden',
            errors.QUERY_BAD_VALUE)
    return traits


root_required_value = query.QueryCheck(
    _root_required, {'type': 'string', 'minLength': 1},
    duplicate_code=errors.QUERY_DUPLICATE_KEY)


def _same_subtree(value: str) -> tuple[str, ...]:
    suffixes = value.split(',')
    if any(s == '' for s in suffixes):
        raise query.InvalidValue('an empty group suffix',
                                 errors.QUERY_BAD_VALUE)
    return tuple(suffixes)


same_subtree_value = query.QueryCheck(
    _same_subtree, {'type': 'string', 'minLength': 1})


# The declaration ---------------------------------------------------------

# Versions at which what is accepted changes.
CHANGES = (mv.ALLOCATION_CANDIDATES, mv.CANDIDATES_LIMIT,
           mv.CANDIDATES_REQUIRED, mv.CANDIDATES_MEMBER_OF,
           mv.FORBIDDEN_TRAITS, mv.MEMBER_OF_REPEATED, mv.GRANULAR_GROUPS,
           mv.CANDIDATES_IN_TREE, mv.FORBIDDEN_AGGREGATES,
           mv.STRING_SUFFIXES, mv.ROOT_REQUIRED, mv.SAME_SUBTREE,
           mv.ANY_OF_TRAITS)


def _group_checks(version: mv.Version) -> dict[str, query.QueryCheck]:
    """The checks of one group's parameters at ``version``."""
    checks = {'resources': filters.resources_value}
    if version >= mv.CANDIDATES_REQUIRED:
        checks['required'] = filters.required_check(version)
    if version >= mv.CANDIDATES_MEMBER_OF:
        checks['member_of'] = filters.member_of_check(version)
    if version >= mv.CANDIDATES_IN_TREE:
        checks['in_tree'] = tree_uuid
    return checks


def _accepted(version: mv.Version) -> query.QueryMap:
    checks = _group_checks(version)
    if version < mv.GRANULAR_GROUPS:
        checks['resources'] = query.required(filters.resources_value)
    entries: query.QueryMap = {name: check
                               for name, check in checks.items()}
    if version >= mv.CANDIDATES_LIMIT:
        entries['limit'] = limit_value
    if version >= mv.GRANULAR_GROUPS:
        suffix = (STRING_SUFFIX if version >= mv.STRING_SUFFIXES
                  else NUMERIC_SUFFIX)
        text = '{' + suffix.pattern + '}'
        for name, check in checks.items():
            entries[query.Suffixed(name, suffix, text)] = check
        entries['group_policy'] = group_policy_value
    if version >= mv.ROOT_REQUIRED:
        entries['root_required'] = root_required_value
    if version >= mv.SAME_SUBTREE:
        entries['same_subtree'] = query.listed(same_subtree_value, True)
    return entries


QUERY = {version: _accepted(version) for version in CHANGES}


# The whole query -----------------------------------------------------------

def _split_name(name: str) -> tuple[str, str] | None:
    """(group parameter, suffix) of a group parameter's name, else None."""
    for param in GROUP_PARAMS:
        if name.startswith(param):
            return param, name[len(param):]
    return None




def _bad(detail: str, code: str = errors.UNDEFINED_CODE) -> errors.HTTPError:
    return errors.HTTPError(400, detail, code=code)


def _group(suffix: str, given: dict[str, Any]) -> RequestGroup:
    traits = filters.Required.merge(given.get('required', ()))
    for any_of in traits.any_of:
        if any_of <= traits.none_of:
            raise _bad(f'Group {suffix!r}: every trait of "in:" '
                       f'{",".join(sorted(any_of))} is also forbidden.')
    both = traits.all_of & traits.none_of
    if both:
        raise _bad(f'Group {suffix!r}: {", ".join(sorted(both))} both '
                   'required and forbidden.')
    return RequestGroup(
        suffix, given.get('resources', {}), traits,
        filters.MemberOf.merge(given.get('member_of', ())),
        given.get('in_tree'))


def _check_groups(groups: dict[str, dict[str, Any]],
                  version: mv.Version) -> None:
    """The rules on which groups a request may have."""
    if version >= mv.SAME_SUBTREE:
        if not any(g.get('resources') for g in groups.values()):
            raise _bad('At least one resources or resources{suffix} '
                       'parameter is required.', errors.QUERY_MISSING_VALUE)
        return
    if not groups:
        raise _bad('At least one resources or resources{suffix} parameter '
                   'is required.')
    for suffix, given in groups.items():
        if 'resources' not in given:
            names = ', '.join(sorted(p + suffix for p in given))
            raise _bad(f'{names} given without resources{suffix}.')


def request_from(params: dict[str, Any],
                 version: mv.Version) -> CandidateRequest:
    """The request the checked ``params`` make, after the rules that
    involve several parameters."""
    groups: dict[str, dict[str, Any]] = {}
    for name, value in params.items():
        split = _split_name(name)
        if split is not None:
            groups.setdefault(split[1], {})[split[0]] = value
    _check_groups(groups, version)
    ordered = sorted(groups, key=lambda s: (s != '', s))
    built = tuple(_group(s, groups[s]) for s in ordered)
    suffixed = [g for g in built if g.suffixed]
    policy = params.get('group_policy')
    if len(suffixed) >= 2 and policy is None:
        raise _bad('group_policy (none or isolate) is required when more '
                   'than one suffixed request group is given.')
    same_subtree = tuple(params.get('same_subtree', ()))
    for suffixes in same_subtree:
        unknown = [s for s in suffixes if s not in groups or s == '']
        if unknown:
            raise _bad(f'same_subtree names unknown request group '
                       f'suffixes: {", ".join(map(repr, unknown))}.',
                       errors.QUERY_BAD_VALUE)
    in_subtree = {s for suffixes in same_subtree for s in suffixes}
    orphans = [g.suffix for g in built
               if not g.resources and g.suffix not in in_subtree]
    if orphans:
        raise _bad('Resourceless request groups must be named in '
                   'same_subtree: ' + ', '.join(map(repr, orphans)) + '.',
                   errors.QUERY_BAD_VALUE)
    return CandidateRequest(built, policy, params.get('limit'),
                            params.get('root_required', filters.Required()),
                            same_subtree)
