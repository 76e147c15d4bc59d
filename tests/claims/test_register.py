"""The claims register (seeds/claims.yaml) stays complete and truthful:
every claim has a verdict from the vocabulary, a CWE under its official
name, a note of what its tests guard, and tests that exist."""

import pathlib
import re
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
REGISTER = ROOT / 'seeds' / 'claims.yaml'

IDS = ([f'R000-{n}' for n in range(1, 10)]
       + [f'R001-{n}' for n in range(1, 8)]
       + [f'R002-{n}' for n in range(1, 6)]
       + [f'R003-{n}' for n in range(1, 12)])
VERDICTS = {
    'defect-confirmed-upstream-fixed-here',
    'hardening-gap-closed-here',
    'defect-refuted',
    'property-holds',
    'property-holds-reasoning-wrong',
    'property-false',
    'not-a-security-issue',
}
FIELDS = {'id', 'report', 'claim', 'cwe_given', 'cwe', 'verdict',
          'rationale', 'guards', 'tests'}
GUARDS = {'property', 'broken_by'}
CWE = re.compile(r'^CWE-(\d+): (.+)')
# MITRE's names of the CWEs the register assigns, exactly as published.
# The reviews' own labels (cwe_given) are quoted as written, wrong or not.
OFFICIAL_NAMES = {
    20: 'Improper Input Validation',
    79: "Improper Neutralization of Input During Web Page Generation "
        "('Cross-site Scripting')",
    89: "Improper Neutralization of Special Elements used in an SQL "
        "Command ('SQL Injection')",
    117: 'Improper Output Neutralization for Logs',
    120: "Buffer Copy without Checking Size of Input ('Classic Buffer "
         "Overflow')",
    134: 'Use of Externally-Controlled Format String',
    200: 'Exposure of Sensitive Information to an Unauthorized Actor',
    285: 'Improper Authorization',
    352: 'Cross-Site Request Forgery (CSRF)',
    362: 'Concurrent Execution using Shared Resource with Improper '
         "Synchronization ('Race Condition')",
    502: 'Deserialization of Untrusted Data',
    532: 'Insertion of Sensitive Information into Log File',
    639: 'Authorization Bypass Through User-Controlled Key',
    693: 'Protection Mechanism Failure',
    755: 'Improper Handling of Exceptional Conditions',
    862: 'Missing Authorization',
    1395: 'Dependency on Vulnerable Third-Party Component',
}
NODE_ID = re.compile(r'^tests/claims/test_report_00\d\.py::test_\w+'
                     r'(\[[^\]]+\])?$')


@pytest.fixture(scope='module')
def register():
    with open(REGISTER, encoding='utf-8') as stream:
        return yaml.safe_load(stream)


@pytest.fixture(scope='module')
def collected():
    """Node ids of the claim tests, as pytest itself collects them."""
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', '--collect-only', '-q',
         '-p', 'no:cacheprovider', '--rootdir', str(ROOT),
         'tests/claims'],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return {line for line in result.stdout.splitlines() if '::' in line}


def test_register_holds_exactly_the_claim_ids(register):
    ids = [claim['id'] for claim in register['claims']]
    assert ids == IDS


def test_vocabulary_is_the_fixed_one(register):
    assert set(register['verdicts']) == VERDICTS
    assert all(meaning.strip() for meaning in register['verdicts'].values())


@pytest.mark.parametrize('claim_id', IDS)
def test_claim_is_complete(register, claim_id):
    (claim,) = [c for c in register['claims'] if c['id'] == claim_id]
    assert set(claim) == FIELDS
    assert claim['verdict'] in VERDICTS
    assert claim['report'].startswith(claim_id[1:4] + '_')
    assert (ROOT / 'seeds' / claim['report']).is_file()
    assert claim['cwe_given'] is None or CWE.match(claim['cwe_given'])
    if claim['cwe'] is not None:
        number, name = CWE.match(claim['cwe']).groups()
        assert OFFICIAL_NAMES.get(int(number)) == name, claim['cwe']
    for field in ('claim', 'rationale'):
        assert isinstance(claim[field], str) and claim[field].strip()
    assert set(claim['guards']) == GUARDS
    for field in GUARDS:
        note = claim['guards'][field]
        assert isinstance(note, str) and len(note.split()) >= 3, field
    assert claim['tests'], 'a claim without a test'
    for node_id in claim['tests']:
        assert NODE_ID.match(node_id), node_id


def test_every_named_test_is_collected(register, collected):
    """A renamed or deleted test breaks its claim, here."""
    bases = {node_id.split('[', 1)[0] for node_id in collected}
    for claim in register['claims']:
        for node_id in claim['tests']:
            known = collected if '[' in node_id else bases
            assert node_id in known, (claim['id'], node_id)


def test_every_claim_test_belongs_to_a_claim(register, collected):
    """No claim test is left without the claim it checks."""
    named = {node_id.split('[', 1)[0] for claim in register['claims']
             for node_id in claim['tests']}
    bases = {node_id.split('[', 1)[0] for node_id in collected
             if '/test_report_' in node_id}
    assert bases
    assert bases <= named, sorted(bases - named)
