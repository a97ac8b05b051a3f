"""The docs' iTrigger credentials and the config example are the code's, so the docs cannot drift."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from provider_mocks import create_app, get_mocks

DOCS = Path(__file__).parent.parent / "docs"
CREDENTIALS = (DOCS / "credentials.md").read_text(encoding="utf-8")
CONFIGURATION = (DOCS / "configuration.md").read_text(encoding="utf-8")


def test_documented_demo_credentials_are_the_ones_served() -> None:
    served = get_mocks(create_app(providers=["itrigger"])).model("itrigger").demo_credentials()
    itrigger = CREDENTIALS[CREDENTIALS.index("## itrigger") :].split("\n## ")[0]
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \| `(\w+)` \| `([\w-]+)` \| (.+?) \|$", itrigger, re.M)
    documented = {role: {"appId": a, "appSecret": s, "tenant": t, "note": n} for role, a, s, t, n in rows}
    assert documented == served


def test_config_example_is_valid() -> None:
    blocks = re.findall(r"```toml\n(.*?)```", CONFIGURATION, re.S)
    assert len(blocks) == 1, "one TOML example, for every provider"
    app = create_app(tomllib.loads(blocks[0]))
    model = get_mocks(app).model("itrigger")
    assert model.settings()["daily_limit"] == 2000
    assert "qjyacme" in {a.app_id for a in model.apps()}  # type: ignore[attr-defined]
