"""The browser fixtures the dashboard's tests share (see tests/browser.py)."""

from tests.browser import browser, chromium, page  # noqa: F401 - the fixtures
