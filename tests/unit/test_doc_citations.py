"""Citations of doc/api.md name sections that it has.

Tests and docstrings cite the behaviour reference as "doc/api.md section
N"; a section renumbered or removed would leave them pointing nowhere.
"""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = ROOT / 'doc' / 'api.md'
# "doc/api.md section 7", "doc/api.md sections 3 and 10", across a line
# break in a docstring or a comment.
CITATION = re.compile(r'doc/api\.md\s+(?:#\s*)?sections?\s+'
                      r'(\d+(?:(?:,\s*|\s+and\s+)\d+)*)')


def _headings() -> dict[int, str]:
    return {int(number): title for number, title in re.findall(
        r'^## (\d+)\. (.+)$', DOC.read_text(encoding='utf-8'), re.M)}


def _citations() -> list[tuple[str, int]]:
    found = []
    for folder in ('placement_min', 'tests', 'benchmarks'):
        for path in sorted((ROOT / folder).rglob('*.py')):
            text = path.read_text(encoding='utf-8')
            for match in CITATION.finditer(text):
                found.extend((str(path.relative_to(ROOT)), int(number))
                             for number in re.findall(r'\d+', match[1]))
    return found


def test_sections_are_numbered_in_order_and_listed():
    headings = _headings()
    assert list(headings) == list(range(1, len(headings) + 1))
    contents = DOC.read_text(encoding='utf-8').split('\nSections:\n\n',
                                                   1)[1].split('\n\n')[0]
    listed = re.findall(r'^(\d+)\. (.+)$', contents, re.M)
    assert {int(n): title for n, title in listed} == headings


def test_every_citation_names_a_section():
    headings = _headings()
    citations = _citations()
    assert citations, 'no citation of doc/api.md found'
    assert [(path, number) for path, number in citations
            if number not in headings] == []
