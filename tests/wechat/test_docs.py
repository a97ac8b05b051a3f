"""The docs' WeChat parts are the code's: demo credentials, config example, admin routes, codes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from provider_mocks import create_app, get_mocks
from provider_mocks.providers.wechat import errors
from provider_mocks.providers.wechat.models import Settings, WeChatModel

DOCS = Path(__file__).resolve().parents[2] / "docs"
CREDENTIALS = (DOCS / "credentials.md").read_text(encoding="utf-8")
CONFIGURATION = (DOCS / "configuration.md").read_text(encoding="utf-8")
ADMIN_API = (DOCS / "admin-api.md").read_text(encoding="utf-8")
FIDELITY = (DOCS / "fidelity.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `(\w+)` \| `(wx\w+)` \| `(\w+)` \| (\S+) \| (.+?) \|$", re.M)


def model(raw: dict[str, object] | None = None) -> WeChatModel:
    found = get_mocks(create_app(raw, providers=["wechat"])).model("wechat")
    assert isinstance(found, WeChatModel)
    return found


def test_documented_demo_credentials_are_the_ones_served() -> None:
    section = CREDENTIALS.partition("## wechat")[2]
    documented = {
        role: {"appid": appid, "secret": secret, "name": name, "note": note}
        for role, appid, secret, name, note in ROW.findall(section)
    }
    assert documented == model().demo_credentials()


def test_config_example_is_valid_and_shows_every_setting() -> None:
    block = next(b for b in re.findall(r"```toml\n(.*?)```", CONFIGURATION, re.S) if "[wechat" in b)
    raw = tomllib.loads(block)["wechat"]
    found = model({"wechat": raw})
    assert found.settings() == Settings().model_dump()  # the example shows the defaults
    assert set(raw["settings"]) == set(Settings.model_fields)
    (app,) = raw["apps"]
    assert found.app(app["appid"]).model_dump() == app  # every field of an account


def test_every_admin_route_is_documented() -> None:
    app = create_app(providers=["wechat"])
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/__admin/wechat")}
    assert rules
    for rule in rules:
        shown = re.sub(r"<(\w+)>", "", rule.removeprefix("/__admin/wechat"))
        assert f"…{shown}" in ADMIN_API or f"/__admin/wechat{shown}" in ADMIN_API, rule


@pytest.mark.parametrize(
    "code",
    [c for c in errors.MESSAGES if isinstance(c, int) and (c == -1 or c >= 40000)] + [89503, 48017, 76022],
)
def test_every_platform_code_is_in_the_fidelity_table(code: int) -> None:
    section = FIDELITY.partition("## wechat")[2]
    assert re.search(rf"^\|.*`{code}[ `].*\| [\w ,();:.\"'（）\u4e00-\u9fff]+ \|$", section, re.M), code
