"""ATRIP's tests use the shared server fixtures and a real headless browser."""

from __future__ import annotations

from tests.browser import chromium

__all__ = ["chromium"]
