"""placement-min-claims: outcomes per claim, the table, the page."""

import subprocess
import sys
import textwrap
import types

import pytest
import yaml

from placement_min.cmd import claims

REGISTER = {
    'verdicts': {'property-holds': 'holds'},
    'claims': [
        {'id': 'X-1', 'report': 'r.txt', 'claim': 'a <b>|c</b>',
         'cwe_given': None, 'cwe': 'CWE-79: Cross-site <Scripting>',
         'verdict': 'property-holds', 'rationale': '<script>x</script>',
         'tests': ['tests/claims/test_fake.py::test_ok',
                   'tests/claims/test_fake.py::test_each']},
        {'id': 'X-2', 'report': 'r.txt', 'claim': 'fails',
         'cwe_given': None, 'cwe': None, 'verdict': 'property-holds',
         'rationale': 'r', 'tests': ['tests/claims/test_fake.py::test_bad']},
        {'id': 'X-3', 'report': 'r.txt', 'claim': 'lost its test',
         'cwe_given': None, 'cwe': None, 'verdict': 'property-holds',
         'rationale': 'r', 'tests': ['tests/claims/test_fake.py::test_gone']},
    ],
}

FAKE_TESTS = '''
    import pytest


    def test_ok():
        assert sum([1, 1]) == 2


    @pytest.mark.parametrize('n', [1, 2])
    def test_each(n):
        assert n > 0


    def test_bad():
        assert sum([1, 1]) == 3
'''


@pytest.fixture
def source(tmp_path):
    (tmp_path / 'seeds').mkdir()
    (tmp_path / 'seeds' / 'claims.yaml').write_text(yaml.safe_dump(REGISTER))
    tests = tmp_path / 'tests' / 'claims'
    tests.mkdir(parents=True)
    (tests / 'test_fake.py').write_text(textwrap.dedent(FAKE_TESTS))
    return tmp_path


def test_a_claim_passes_only_when_every_parametrization_passes():
    ids = ['f.py::test_a']
    assert claims.claim_result(ids, {'f.py::test_a[1]': claims.PASS,
                                     'f.py::test_a[2]': claims.PASS}) == (
        claims.PASS)
    assert claims.claim_result(ids, {'f.py::test_a[1]': claims.PASS,
                                     'f.py::test_a[2]': claims.FAIL}) == (
        claims.FAIL)
    assert claims.claim_result(ids, {'f.py::test_ab': claims.PASS}) == (
        claims.MISSING)


def test_a_skipped_test_counts_as_failed():
    recorder = claims.OutcomeRecorder()
    for when, outcome in (('setup', 'passed'), ('call', 'skipped')):
        recorder.pytest_runtest_logreport(types.SimpleNamespace(
            nodeid='f.py::test_a', when=when, failed=outcome == 'failed',
            skipped=outcome == 'skipped'))
    assert recorder.outcomes == {'f.py::test_a': claims.FAIL}


def test_source_tree_must_hold_register_and_tests(source, tmp_path_factory):
    assert claims.find_source(str(source)) == source.resolve()
    with pytest.raises(SystemExit):
        claims.find_source(str(tmp_path_factory.mktemp('empty')))


def test_command_reports_each_claim_and_fails_on_any_failure(source):
    page = source / 'claims.html'
    result = subprocess.run(
        [sys.executable, '-m', 'placement_min.cmd.claims', '--source',
         str(source), '--html', str(page)],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 1, result.stderr
    rows = {line.split(' | ')[0].lstrip('| '): line
            for line in result.stdout.splitlines()
            if line.startswith('| X-')}
    assert rows['X-1'].endswith('| pass |')
    assert 'a <b>\\|c</b>' in rows['X-1']
    assert rows['X-2'].endswith('| FAIL |')
    assert rows['X-3'].endswith('| MISSING |')
    assert '1 with all tests passing' in result.stdout
    html = page.read_text('utf-8')
    assert '<script>' not in html and '&lt;script&gt;x' in html
    assert 'a &lt;b&gt;|c&lt;/b&gt;' in html
    assert html.count('<tr>') == 4
