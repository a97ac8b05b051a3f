"""Every Python snippet of "From Python", "Test your client" and the README runs as written.

A snippet that defines tests runs under pytest with the plugin, as a user's test file: all
its tests must pass. The others run as a script. Both run in a fresh interpreter outside
the repository, so they import only what is installed: a wrong import fails here.

`from my_app.itrigger import TokenManager` is the reader's own client. A small `my_app`
package stands in for it: its TokenManager is the well-behaved sample of tests/clients/.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "docs" / "python.md", ROOT / "docs" / "testing.md", ROOT / "README.md")
SAMPLE_CLIENT = ROOT / "tests" / "clients" / "itrigger.py"

#: The reader's `my_app.itrigger`: the sample token manager, loaded from its file (not from
#: the repository's folders on sys.path, where an old `import mocks` would still resolve).
MY_APP_ITRIGGER = f'''
"""Stands in for the reader's own client: the well-behaved sample of tests/clients/."""
import importlib.util

_spec = importlib.util.spec_from_file_location("my_app._sample_itrigger", {str(SAMPLE_CLIENT)!r})
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
TokenManager = _module.TokenManager
'''


@dataclass(frozen=True)
class Snippet:
    source: str  # the file, relative to the repository
    line: int  # the line its code starts on
    code: str

    @property
    def tests(self) -> list[str]:
        return re.findall(r"^def (test_\w+)", self.code, re.M)


def snippets(path: Path) -> list[Snippet]:
    text = path.read_text(encoding="utf-8")
    return [
        Snippet(path.relative_to(ROOT).as_posix(), text.count("\n", 0, found.start(1)) + 1, found.group(1))
        for found in re.finditer(r"^```python\n(.*?)^```", text, re.M | re.S)
    ]


SNIPPETS = [snippet for path in SOURCES for snippet in snippets(path)]


def cases(tests: bool) -> list[object]:
    """The snippets that define tests (or those that do not), each named by where it is."""
    return [pytest.param(s, id=f"{s.source}:{s.line}") for s in SNIPPETS if bool(s.tests) is tests]


def test_the_snippets_are_found() -> None:
    """What the pages show, so the tests below cannot pass on nothing."""
    found = [(snippet.source, len(snippet.tests)) for snippet in SNIPPETS]
    assert found == [("docs/python.md", 0), ("docs/testing.md", 1), ("docs/testing.md", 3), ("README.md", 1)]


@pytest.mark.parametrize("snippet", cases(tests=False))
def test_a_script_snippet_runs(snippet: Snippet, tmp_path: Path) -> None:
    script = tmp_path / "snippet.py"
    script.write_text(snippet.code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{snippet.source} line {snippet.line}:\n{done.stderr}"


@pytest.mark.parametrize("snippet", cases(tests=True))
def test_a_test_snippet_passes_under_the_plugin(snippet: Snippet, pytester: pytest.Pytester) -> None:
    if "my_app" in snippet.code:
        pytester.mkpydir("my_app")
        (pytester.path / "my_app" / "itrigger.py").write_text(MY_APP_ITRIGGER, encoding="utf-8")
    pytester.makepyfile(test_snippet=snippet.code)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(snippet.tests))
