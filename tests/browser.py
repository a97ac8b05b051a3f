"""A real headless browser for tests of HTML pages: Debian's Chromium.

`chromium` (a session-scoped fixture) finds the browser and, when it is missing,
installs Debian's `chromium` package with apt-get (through `sudo -n` unless root).
It fails the test loudly when neither works: a page test is never skipped.
`dump_dom(browser, url)` returns the DOM after the page has rendered.

Use the fixture from a test folder's conftest.py: `from tests.browser import chromium`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest

CANDIDATES = ("chromium", "chromium-browser")
KNOWN_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
#: Headless, no sandbox (containers), and no background connections of its own, which
#: some networks refuse; a fresh profile per run.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_chromium() -> str | None:
    for name in CANDIDATES:
        if found := shutil.which(name):
            return found
    return next((path for path in KNOWN_PATHS if os.access(path, os.X_OK)), None)


def _apt_get(*args: str) -> subprocess.CompletedProcess[str]:
    command = ["apt-get", *args]
    if os.geteuid() != 0:
        command = ["sudo", "-n", *command]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=900, check=False)


def install_chromium() -> str:
    """Install Debian's chromium package; fail the test with apt-get's words if that is impossible."""
    if shutil.which("apt-get") is None:
        pytest.fail(
            "Chromium is missing and there is no apt-get to install it: install chromium", pytrace=False
        )
    if os.geteuid() != 0 and shutil.which("sudo") is None:
        pytest.fail(
            "Chromium is missing; installing it needs root or sudo: apt-get install chromium", pytrace=False
        )
    done = _apt_get("install", "-y", "chromium")
    if done.returncode != 0:  # stale or empty package lists: refresh them once
        _apt_get("update")
        done = _apt_get("install", "-y", "chromium")
    found = find_chromium()
    if done.returncode != 0 or found is None:
        pytest.fail(
            f"Chromium is missing and `apt-get install chromium` failed (exit {done.returncode}):\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}",
            pytrace=False,
        )
    return found


def has_chinese_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(listed.stdout.strip())


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of a working headless Chromium, installed when missing.

    A Chinese font comes too when there is none, so pages and screenshots show the
    providers' messages rather than empty boxes (the tests read the DOM either way).
    """
    found = find_chromium() or install_chromium()
    if not has_chinese_font() and shutil.which("apt-get") is not None:
        _apt_get("install", "-y", "fonts-wqy-zenhei")
    return found


def dump_dom(browser: str, url: str, timeout: float = 120) -> str:
    """The DOM of `url` as the browser rendered it (`--dump-dom`)."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        done = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0 or "<html" not in done.stdout:
        raise AssertionError(
            f"chromium could not render {url} (exit {done.returncode}):\n{done.stderr[-3000:]}"
        )
    return done.stdout
