"""The docs' appauth credentials and config example are the code's, so the docs cannot drift."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from provider_mocks import create_app, get_mocks
from provider_mocks.providers.appauth.models import AppAuthModel

DOCS = Path(__file__).resolve().parents[2] / "docs"
CREDENTIALS = (DOCS / "credentials.md").read_text(encoding="utf-8")
CONFIGURATION = (DOCS / "configuration.md").read_text(encoding="utf-8")

ROW = re.compile(
    r"^\| `(\w+)` \| `(app[0-9a-f]{16})` \| `([0-9a-f]{32})` \| (\d+) \| (\d+) s \| (.+?) \|$", re.M
)


def model(config: dict[str, object] | None = None) -> AppAuthModel:
    found = get_mocks(create_app(config, providers=["appauth"])).model("appauth")
    assert isinstance(found, AppAuthModel)
    return found


def test_documented_demo_credentials_are_the_ones_served() -> None:
    served = model()
    documented = {
        role: ({"appId": app_id, "appSecret": secret, "note": note}, int(limit), int(lifetime))
        for role, app_id, secret, limit, lifetime, note in ROW.findall(CREDENTIALS)
    }
    settings = served.config.settings
    apps = {app["app_id"]: app for app in served.apps()}
    expected = {}
    for role, creds in served.demo_credentials().items():
        app = apps[creds["appId"]]
        limit = settings.rate_limit if app["rate_limit"] is None else app["rate_limit"]
        lifetime = settings.token_lifetime if app["token_lifetime"] is None else app["token_lifetime"]
        fields = {"appId": creds["appId"], "appSecret": creds["appSecret"], "note": creds["note"]}
        expected[role] = (fields, limit, lifetime)
    assert documented == expected


def test_documented_app_names_are_the_ones_served() -> None:
    names = [creds["name"] for creds in model().demo_credentials().values()]
    assert f"named `{names[0]}`, `{names[1]}` and `{names[2]}`" in CREDENTIALS


def test_config_example_is_valid() -> None:
    blocks = [b for b in re.findall(r"```toml\n(.*?)```", CONFIGURATION, re.S) if "[appauth" in b]
    assert len(blocks) == 1
    configured = model(tomllib.loads(blocks[0]))
    assert configured.settings() == model().settings()  # the example spells out the defaults
    app = next(a for a in configured.apps() if a["app_id"] == "app-acme")
    assert (app["rate_limit"], app["token_lifetime"]) == (100, 600)
    assert configured.messages == model().messages
