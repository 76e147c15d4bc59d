"""The README's layout names every module of placement_min, and only
modules that exist.

Schema revisions (storage/migrations/versions/) are described as a
folder, and a package's __init__.py need only be named when it holds
more than a docstring.
"""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = ROOT / 'placement_min'
VERSIONS = pathlib.PurePath('storage', 'migrations', 'versions')


def _listed() -> set[pathlib.PurePath]:
    """The paths of the README's layout tree, relative to the package."""
    readme = (ROOT / 'README.md').read_text(encoding='utf-8')
    block = readme.split('\n## Layout\n', 1)[1].split('\n    placement_min/\n',
                                                      1)[1]
    parents: list[str] = []
    listed = set()
    for line in block.splitlines():
        match = re.match(r'^( {6}(?: {2})*)(\S+)', line)
        if match is None:
            break
        depth = (len(match[1]) - 6) // 2
        name = match[2]
        parents = parents[:depth]
        if name.endswith('/'):
            parents.append(name.rstrip('/'))
        else:
            listed.add(pathlib.PurePath(*parents, name))
    return listed


def _modules() -> set[pathlib.PurePath]:
    found = set()
    for path in PACKAGE.rglob('*.py'):
        relative = pathlib.PurePath(path.relative_to(PACKAGE))
        if relative.is_relative_to(VERSIONS):
            continue
        if path.name == '__init__.py' and not _has_code(path):
            continue
        found.add(relative)
    return found


def _has_code(path: pathlib.Path) -> bool:
    text = path.read_text(encoding='utf-8').strip()
    return bool(re.sub(r'^(""".*?""")', '', text, flags=re.S).strip())


def test_every_module_is_listed():
    assert sorted(map(str, _modules() - _listed())) == []


def test_every_listed_module_exists():
    assert sorted(str(path) for path in _listed()
                  if not (PACKAGE / path).is_file()) == []
