"""The member_of, required and resources readers: plain data out,
version-aware refusals (README: the provider filters)."""

import pytest

from placement_min import filters
from placement_min import microversion as mv

A = 'aaaaaaaa-0000-4000-8000-000000000001'
B = 'bbbbbbbb-0000-4000-8000-000000000002'
LATEST = mv.MAX_VERSION


def test_member_of_values():
    check = filters.member_of_check(LATEST)
    assert check(A) == filters.MemberOf(any_of=(frozenset([A]),))
    assert check(f'in:{A},{B.upper()}') == filters.MemberOf(
        any_of=(frozenset([A, B]),))
    assert check(f'!in:{A},{B}') == filters.MemberOf(
        none_of=frozenset([A, B]))
    merged = filters.MemberOf.merge([check(A), check(f'in:{A},{B}'),
                                     check(f'!{B}')])
    assert merged == filters.MemberOf((frozenset([A]), frozenset([A, B])),
                                      frozenset([B]))


def test_required_values():
    check = filters.required_check(LATEST)
    assert check('T1,!T2') == filters.Required(
        frozenset(['T1']), (), frozenset(['T2']))
    merged = filters.Required.merge([check('T1'), check('in:T2,T3'),
                                     check('!T4')])
    assert merged == filters.Required(frozenset(['T1']),
                                      (frozenset(['T2', 'T3']),),
                                      frozenset(['T4']))
    assert merged.names() == frozenset(['T1', 'T2', 'T3', 'T4'])


def test_resources_values():
    assert filters.resources_value('VCPU:2,CUSTOM_X_1:1') == {
        'VCPU': 2, 'CUSTOM_X_1': 1}


@pytest.mark.parametrize('minor, repeatable', [(3, False), (23, False),
                                               (24, True), (39, True)])
def test_member_of_repeats_from_1_24(minor, repeatable):
    check = filters.member_of_check(mv.Version(1, minor))
    assert check.repeatable is repeatable
    assert check.listed is True


@pytest.mark.parametrize('minor, repeatable', [(18, False), (38, False),
                                               (39, True)])
def test_required_repeats_from_1_39(minor, repeatable):
    assert filters.required_check(
        mv.Version(1, minor)).repeatable is repeatable


@pytest.mark.parametrize('minor, value, words', [
    (31, f'!{A}', '1.32'),
    (39, '', 'empty'),
    (39, f'{A},{B}', '"in:"'),
    (39, f'in:{A},!{B}', '"!"'),
    (39, 'nope', "'nope' is not a UUID"),
])
def test_member_of_refusals(minor, value, words):
    with pytest.raises(ValueError, match=words):
        filters.member_of_check(mv.Version(1, minor))(value)


@pytest.mark.parametrize('minor, value, words', [
    (21, '!T', '1.22'),
    (38, 'in:T1,T2', '1.39'),
    (39, '', 'empty'),
    (39, 'T1,', 'empty'),
    (39, '!!T', '"!"'),
    (39, 'in:T1,!T2', '"!"'),
    (39, 'lower', 'not a trait name'),
    (39, 'T' * 256, 'not a trait name'),
])
def test_required_refusals(minor, value, words):
    with pytest.raises(ValueError, match=words):
        filters.required_check(mv.Version(1, minor))(value)


@pytest.mark.parametrize('value, words', [
    ('', 'empty'), ('VCPU:1,', 'empty'), ('VCPU', 'RESOURCE_CLASS:AMOUNT'),
    ('VCPU:0', 'from 1'), ('VCPU:2147483648', 'from 1'),
    ('VCPU:1,VCPU:1', 'more than once'), ('VCPU:+1', 'from 1'),
])
def test_resources_refusals(value, words):
    with pytest.raises(ValueError, match=words):
        filters.resources_value(value)
