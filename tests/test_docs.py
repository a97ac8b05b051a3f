"""The reference in docs/ builds with MkDocs in strict mode, and the README's links hold.

`mkdocs.yml` turns every link check into a warning and strict mode makes warnings errors,
so a broken link, an anchor that no heading makes or a page missing from nav fails here.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
#: The modules of the repository's package folders, as an old dotted name would begin.
MODULES = sorted(
    {p.stem for f in ("mocks", "contracts") for p in (ROOT / f).iterdir() if p.suffix == ".py" or p.is_dir()}
    - {"__pycache__", "__init__", "__main__"}
)


def test_the_docs_build_in_strict_mode(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    built = {path.parent.name for path in (tmp_path / "site").glob("*/index.html")}
    assert built == {page.stem for page in PAGES if page.stem != "index"}
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "dashboard.png").is_file()


def slug(heading: str) -> str:
    """The anchor a heading gets, as MkDocs and GitHub make it for these (ASCII) headings."""
    kept = re.sub(r"[^\w\s-]", "", heading).strip().lower()
    return re.sub(r"[-\s]+", "-", kept)


def anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    return {slug(line.lstrip("#")) for line in text.splitlines() if re.match(r"#{1,6} ", line)}


def readme_links() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return [
        target
        for target in LINK.findall(re.sub(r"^```.*?^```", "", text, flags=re.M | re.S))
        if not re.match(r"[a-z]+:", target)
    ]


def test_the_readme_links_to_every_page() -> None:
    linked = {target.split("#")[0] for target in readme_links()}
    assert {f"docs/{page.name}" for page in PAGES} <= linked
    assert {"LICENSE", "CHANGELOG.md", "docs/dashboard.png"} <= linked


@pytest.mark.parametrize("target", readme_links())
def test_a_readme_link_points_at_a_file_that_exists(target: str) -> None:
    path, _, anchor = target.partition("#")
    found = ROOT / path if path else README
    assert found.is_file(), target
    if anchor:
        assert anchor in anchors(found), target


def test_the_readme_stays_a_front_page() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) < 150


@pytest.mark.parametrize("path", [README, *PAGES], ids=lambda p: p.name)
def test_imports_and_module_names_are_the_installed_packages(path: Path) -> None:
    """No `from mocks ...` is left, and every `provider_mocks.x` named imports."""
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import) (mocks|contracts)\b", text, re.M)
    assert not re.search(rf"`(mocks|contracts)\.({'|'.join(MODULES)})\b", text)
    for name in set(re.findall(r"\bprovider_mocks(?:\.\w+)*\b", text)):
        resolve(name)


def resolve(name: str) -> object:
    """A module, or a name in one (`provider_mocks.testing.intercept`)."""
    module, _, attribute = name.rpartition(".")
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        if not module:
            raise
        return getattr(resolve(module), attribute)
