"""The docs' credential parts are the code's: demo credentials, config example, admin routes, codes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from flask import Flask

from provider_mocks import create_app, get_mocks
from provider_mocks.providers.credential import errors
from provider_mocks.providers.credential.models import CredentialModel, Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"
CREDENTIALS = (DOCS / "credentials.md").read_text(encoding="utf-8")
CONFIGURATION = (DOCS / "configuration.md").read_text(encoding="utf-8")
ADMIN_API = (DOCS / "admin-api.md").read_text(encoding="utf-8")
FIDELITY = (DOCS / "fidelity.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `(\w+)` \| `(\w+)` \| `(\w+)` \| (any|`[\w.:/]+`) \| `([\w-]+)` \| (.+?) \|$", re.M)


def model(app: Flask | None = None) -> CredentialModel:
    found = get_mocks(app or create_app(providers=["credential"])).model("credential")
    assert isinstance(found, CredentialModel)
    return found


def test_documented_demo_credentials_are_the_ones_served() -> None:
    served = model()
    documented = {
        role: ({"clientId": c, "secret": s, "partner": p, "note": n}, [] if ip == "any" else [ip.strip("`")])
        for role, c, s, ip, p, n in ROW.findall(CREDENTIALS)
    }
    assert {role: creds for role, (creds, _) in documented.items()} == served.demo_credentials()
    for creds, allowlist in documented.values():
        assert served.app(creds["clientId"]).ip_allowlist == allowlist


def config_example() -> str:
    blocks: list[str] = [
        b for b in re.findall(r"```toml\n(.*?)```", CONFIGURATION, re.S) if "[credential" in b
    ]
    assert len(blocks) == 1, "one TOML example for credential"
    return blocks[0]


def test_config_example_is_valid_and_shows_every_setting() -> None:
    raw = tomllib.loads(config_example())
    found = model(create_app({"credential": raw["credential"]}, providers=["credential"]))
    assert found.settings() == Settings().model_dump()  # the example shows the defaults
    assert set(raw["credential"]["settings"]) == set(Settings.model_fields)
    assert found.issue_token("acmeclient", "acme-secret", "2", "10.1.2.3")


def test_every_admin_route_is_documented() -> None:
    app = create_app(providers=["credential"])
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/__admin/credential")}
    assert rules
    for rule in rules:
        shown = re.sub(r"<(\w+)>", "", rule.removeprefix("/__admin/credential"))
        assert f"…{shown}" in ADMIN_API or f"/__admin/credential{shown}" in ADMIN_API, rule


@pytest.mark.parametrize(
    "code", [c for c in errors.MESSAGES if isinstance(c, int) and c >= 10000] + [10132, 10135]
)
def test_every_platform_code_is_in_the_fidelity_table(code: int) -> None:
    assert re.search(rf"^\|.*`{code}[ `].*\| [\w ,()]+ \|$", FIDELITY, re.M), code
