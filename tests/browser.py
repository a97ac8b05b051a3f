"""A real headless browser for tests of HTML pages: Debian's Chromium.

`chromium` (a session-scoped fixture) finds the browser and, when it is missing,
installs Debian's `chromium` package with apt-get (through `sudo -n` unless root).
It fails the test loudly when neither works: a page test is never skipped.
`dump_dom(browser, url)` returns the DOM after the page has rendered. `browser` drives it
with Playwright, and `page` is the dashboard of the session's server open in it.

Use the fixtures from a test module: `from tests.browser import chromium`.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from .debian import apt_get, debian_program

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


def find_chromium() -> str:
    return debian_program("chromium", CANDIDATES, KNOWN_PATHS)


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
    found = find_chromium()
    if not has_chinese_font() and shutil.which("apt-get") is not None:
        apt_get("install", "-y", "fonts-wqy-zenhei")
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


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    """The browser, driven by Playwright, for a module's tests."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium, args=[f for f in FLAGS if f != "--headless"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """The dashboard of the session's server (reset), open in the browser; a script error on
    the page fails the test."""
    opened = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(f"{base_url}/__admin/")
    yield opened
    opened.close()
    assert errors == [], f"the page raised: {errors}"
