"""The built wheel, installed with `[testing]` into a fresh virtual environment, used by a project
that has packages of its own named `mocks` and `contracts` (very common names in test suites).

Everything the package ships lives under its one import name, `provider_mocks`, so the
project's own packages stay its own, and its tests can use the plugin under `python -m pytest`
(the working folder first on `sys.path`) and under `pytest` alike.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from provider_mocks import __version__, create_app, get_mocks
from tests.browser import FLAGS, chromium  # noqa: F401 - the fixture
from tests.scale.helpers import ITRIGGER_TOKEN, serving

ROOT = Path(__file__).resolve().parent.parent
#: What the build reads: the package's folders and the files pyproject.toml names.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "mocks", "contracts", "specs")
#: Each folder of the checkout and where the wheel puts it.
MAPPING = {
    "mocks": "provider_mocks",
    "contracts": "provider_mocks/contracts",
    "specs": "provider_mocks/specs",
}
SHIPPED = {".py", ".yaml", ".html", ".js", ".json", ".typed"}
#: The README's example of a provider of one's own, a distribution apart.
EXAMPLE = ROOT / "examples" / "provider-example"
TOKENBOX = "/tokenbox/token"

PROJECT = {
    "pyproject.toml": """
        [tool.pytest.ini_options]
        pythonpath = ["."]
        """,
    "mocks/__init__.py": """
        OWNER = "the project"
        """,
    "contracts/__init__.py": """
        OWNER = "the project"
        """,
    "tests/conftest.py": """
        import mocks  # the project's own, imported after the plugin has loaded
        """,
    "tests/test_client.py": """
        import contracts
        import mocks
        import pytest
        import requests

        from provider_mocks import create_app, get_mocks
        from provider_mocks.contracts.registry import contracts_for

        TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
        GET_API = "/itrigger-tenant/v1/basic/openAPItest/test/get"
        ROOT = __file__.rsplit("/tests/", 1)[0]


        def fetch(mock):
            creds = mock.credentials
            params = {"appId": creds["appId"], "appSecret": creds["appSecret"]}
            return requests.get(mock.base_url + TOKEN, params=params, timeout=10).json()


        def test_the_projects_packages_stay_its_own():
            assert (mocks.OWNER, contracts.OWNER) == ("the project", "the project")
            assert mocks.__file__.startswith(ROOT) and contracts.__file__.startswith(ROOT)


        def test_the_package_is_importable_by_its_one_name():
            assert get_mocks(create_app(providers=["itrigger"])).providers.keys() == {"itrigger"}
            assert contracts_for("itrigger")


        def test_a_conformant_client(itrigger_mock):
            token = fetch(itrigger_mock)["data"]["accessToken"]
            answer = requests.get(itrigger_mock.base_url + GET_API, params={"accessToken": token}, timeout=10)
            assert answer.json()["code"] == 200
            itrigger_mock.assert_conformant()


        def test_a_client_that_refetches_is_reported(itrigger_mock):
            fetch(itrigger_mock)
            fetch(itrigger_mock)
            with pytest.raises(AssertionError, match="refetch-while-valid"):
                itrigger_mock.assert_conformant()
        """,
}
FIXTURES = (
    "provider_mocks_config",
    "provider_mocks_app",
    "provider_mocks_server",
    "provider_mocks",
    "provider_mock",
    "provider_mocks_intercept",
    "atrip_mock",
    "itrigger_mock",
    "appauth_mock",
    "sugon_mock",
    "credential_mock",
)


def _run(*command: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`command` in `cwd`, with nothing of this checkout's environment leaking into it."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS")}
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the sources (a build in the checkout could pick up stale
    files from an earlier build)."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    built = _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, source, cwd=source)
    assert built.returncode == 0, built.stderr
    (found,) = dist.glob("provider_mocks-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed as a user installs it; its bin folder."""
    home = tmp_path_factory.mktemp("venv")
    created = _run(sys.executable, "-m", "venv", home, cwd=home)
    assert created.returncode == 0, created.stderr
    bin_dir = home / "bin"
    installed = _run(bin_dir / "python", "-m", "pip", "install", "--quiet", f"{wheel}[testing]", cwd=home)
    assert installed.returncode == 0, installed.stderr
    return bin_dir


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's project with `mocks` and `contracts` packages of its own."""
    root = tmp_path_factory.mktemp("project")
    for name, text in PROJECT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def test_the_wheel_holds_one_package_with_every_file_of_its_folders(wheel: Path) -> None:
    expected = {
        f"{target}/{path.relative_to(ROOT / folder).as_posix()}"
        for folder, target in MAPPING.items()
        for path in (ROOT / folder).rglob("*")
        if path.suffix in SHIPPED and "__pycache__" not in path.parts
    }
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        top_level = archive.read(f"provider_mocks-{__version__}.dist-info/top_level.txt").decode()
    shipped = {name for name in names if not name.startswith(f"provider_mocks-{__version__}.dist-info/")}
    assert shipped == expected
    assert top_level.split() == ["provider_mocks"]
    assert f"provider_mocks-{__version__}.dist-info/licenses/LICENSE" in names


@pytest.mark.parametrize(
    "runner", [("python", "-m", "pytest"), ("pytest",)], ids=["python -m pytest", "pytest"]
)
def test_a_projects_tests_use_the_plugin(venv: Path, project: Path, runner: tuple[str, ...]) -> None:
    result = _run(venv / runner[0], *runner[1:], "-p", "no:cacheprovider", "tests", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout, result.stdout


def test_pytest_lists_the_plugins_fixtures_with_their_docstrings(venv: Path, project: Path) -> None:
    result = _run(venv / "pytest", "--fixtures", "-p", "no:cacheprovider", "tests", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    written_at = set()
    for name in FIXTURES:
        (at,) = [i for i, line in enumerate(lines) if line.split(" ")[0] == name]
        assert "/provider_mocks/testing/pytest_plugin.py:" in lines[at], lines[at]
        written_at.add(lines[at].rpartition(":")[2])
        docstring = lines[at + 1]
        assert docstring.startswith("    "), docstring
        assert "no docstring" not in docstring, docstring
    assert len(written_at) == len(FIXTURES)  # each a function of its own, where a reader finds it


def test_the_command_serves_verifies_and_audits(venv: Path, project: Path) -> None:
    for version in (
        _run(venv / "provider-mocks", "--version", cwd=project),
        _run(venv / "python", "-m", "provider_mocks", "--version", cwd=project),
    ):
        assert version.stdout == f"provider-mocks {__version__}\n", version.stdout + version.stderr
    demo = get_mocks(create_app(providers=["itrigger"])).model("itrigger").demo_credentials()["demo"]
    params = {"appId": demo["appId"], "appSecret": demo["appSecret"]}
    with serving("--provider", "itrigger", command=[venv / "provider-mocks"], cwd=project) as url:
        for _ in range(2):  # a token fetched while the first is valid: the audit warns
            answer = requests.get(url + ITRIGGER_TOKEN, params=params, timeout=10)
            assert answer.json()["code"] == 200, answer.text
        audit = _run(
            venv / "provider-mocks", "audit", "--base-url", url, "--provider", "itrigger", cwd=project
        )
        assert audit.returncode == 0, audit.stdout + audit.stderr
        assert "refetch-while-valid" in audit.stdout, audit.stdout
        verify = _run(
            venv / "provider-mocks", "verify", "itrigger", "--base-url", url, "--examples", "2", cwd=project
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "FAIL" not in verify.stdout, verify.stdout


@pytest.fixture(scope="module")
def plugin_venv(venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user's environment with the example provider installed beside the package, from a copy
    of its folder: a distribution of its own that changes no file of this project."""
    source = tmp_path_factory.mktemp("tokenbox") / "provider-example"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    installed = _run(venv / "python", "-m", "pip", "install", "--quiet", "--no-deps", source, cwd=source)
    assert installed.returncode == 0, installed.stderr
    return venv


def test_a_provider_of_ones_own_is_served_verified_audited_and_shown(
    plugin_venv: Path,
    project: Path,
    chromium: str,  # noqa: F811 - the fixture
) -> None:
    """The example provider, found through its entry point, under serve, verify, audit and the dashboard."""
    demo = {"clientId": "tb-demo", "clientSecret": "tb-demo-secret"}
    with serving(command=[plugin_venv / "provider-mocks"], cwd=project) as url:
        first = requests.get(url + TOKENBOX, params=demo, timeout=10).json()
        assert (first["code"], first["message"], first["data"]["expires_in"]) == (0, "ok", 7200), first
        again = requests.get(url + TOKENBOX, params=demo, timeout=10).json()
        assert again["data"]["access_token"] == first["data"]["access_token"]
        refused = requests.get(url + TOKENBOX, params={**demo, "clientSecret": "x"}, timeout=10).json()
        assert refused == {"code": 40001, "message": "invalid client", "data": None}
        unknown = requests.get(url + "/tokenbox/nowhere", timeout=10)
        assert (unknown.status_code, unknown.json()["code"]) == (404, 404)

        verify = _run(plugin_venv / "provider-mocks", "verify", "tokenbox", "--base-url", url, cwd=project)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert verify.stdout.endswith("\n7 passed, 0 failed, 0 not applicable\n"), verify.stdout

        requests.get(url + TOKENBOX, params={"clientId": "tb-demo"}, timeout=10)  # clientSecret is required
        audit = _run(plugin_venv / "provider-mocks", "audit", "--base-url", url, cwd=project)
        assert audit.returncode == 1, audit.stdout + audit.stderr
        assert "[error] request-spec (tokenbox)" in audit.stdout, audit.stdout
        assert "clientSecret" in audit.stdout, audit.stdout

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=list(FLAGS))
            page = browser.new_page()
            page.goto(f"{url}/__admin/")
            expect(page.locator("#providers")).to_contain_text("tokenbox: TokenBox (an example provider)")
            live = requests.get(url + TOKENBOX, params=demo, timeout=10).json()["data"]["access_token"]
            listed = page.locator("#tokens tr", has_text=live)
            expect(listed).to_contain_text("tokenbox")
            browser.close()
