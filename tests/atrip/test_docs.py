"""The docs' ATRIP credentials, curl examples and config example are the code's."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from provider_mocks import create_app, get_mocks
from provider_mocks.providers.atrip.models import AtripModel

from .helpers import ID, SECRET

DOCS = Path(__file__).resolve().parents[2] / "docs"
CREDENTIALS = (DOCS / "credentials.md").read_text(encoding="utf-8")
CURL = (DOCS / "curl.md").read_text(encoding="utf-8")
CONFIGURATION = (DOCS / "configuration.md").read_text(encoding="utf-8")


def served() -> dict[str, dict[str, str]]:
    credentials: dict[str, dict[str, str]] = (
        get_mocks(create_app(providers=["atrip"])).model("atrip").demo_credentials()
    )
    return credentials


def test_documented_demo_credentials_are_the_ones_served() -> None:
    expected = served()
    ids = {creds[ID] for creds in expected.values()}
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \| `(\w+)` \| (.+?) \| (.+?) \|$", CREDENTIALS, re.M)
    documented = {
        role: {
            ID: client_id,
            SECRET: secret,
            "orders": ",".join(re.findall(r"`([\w-]+)`", orders)) or orders,
            "note": note,
        }
        for role, client_id, secret, orders, note in rows
        if client_id in ids
    }
    assert documented == expected


def test_curl_examples_use_the_demo_credentials() -> None:
    pairs = set(re.findall(r"x-atlas-client-id: (\w+)'.*?x-atlas-client-secret: (\w+)'", CURL, re.S))
    assert pairs
    known = {(creds[ID], creds[SECRET]) for creds in served().values()}
    assert pairs - {(i, "wrong") for i, _ in known} <= known


def test_config_example_is_valid() -> None:
    block = next(b for b in re.findall(r"```toml\n(.*?)```", CONFIGURATION, re.S) if "[atrip" in b)
    model = get_mocks(create_app(tomllib.loads(block), providers=["atrip"])).model("atrip")
    assert isinstance(model, AtripModel)
    assert model.settings()["portal_token_lifetime"] == 1800
    assert "acme" in {c.client_id for c in model.clients()}
