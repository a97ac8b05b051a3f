"""HTTP helpers every provider's tests share: the admin API's view of a provider, the clock."""

from __future__ import annotations

from typing import Any

import requests


def provider(slug: str, http: requests.Session, base_url: str) -> dict[str, Any]:
    """The provider's entry in /__admin/providers: its demo credentials, settings, paths."""
    listed = http.get(f"{base_url}/__admin/providers").json()["providers"]
    found: dict[str, Any] = next(p for p in listed if p["slug"] == slug)
    return found


def demo(slug: str, http: requests.Session, base_url: str, role: str = "demo") -> dict[str, str]:
    """A demo credential as the admin API lists it."""
    creds: dict[str, str] = provider(slug, http, base_url)["credentials"][role]
    return creds


def clock(http: requests.Session, base_url: str, **change: Any) -> dict[str, Any]:
    """Change the virtual clock through the admin API; its state after."""
    answer = http.post(f"{base_url}/__admin/clock", json=change)
    assert answer.status_code == 200, answer.text
    state: dict[str, Any] = answer.json()
    return state
