"""The benchmarks run from this tree: their smallest form, once, so a
change to the code they share (the server, the driver, the client) that
breaks one of them fails here rather than in a long measuring run."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, '-m', *args], cwd=REPO, capture_output=True,
        text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _table_row(output: str, name: str) -> list[str]:
    [row] = [line for line in output.splitlines()
             if line.startswith(name + ' ') and ':' not in line]
    return row.split()


def test_candidates_benchmark():
    output = _run('benchmarks.candidates', '--only', 'sharing',
                  '--duration', '0.5', '--connections', '1')
    row = _table_row(output, 'sharing')
    # conns, p50, p99, req/s, server ms, candidates, unexpected, cut
    assert row[-3:] == ['100', '0', '0'], row


@pytest.mark.parametrize('client', [[], ['--python-client']])
def test_inventory_benchmark(client):
    output = _run('benchmarks', '--providers', '8', '--rounds', '1',
                  '--duration', '1', '--connections', '2',
                  '--only', 'GET one inventory', *client)
    row = _table_row(output, 'GET one inventory')
    # name, code, providers, req/s, p50, p99, unexpected, ...
    assert row[3:5] == ['current', '8'] and row[8] == '0', row
