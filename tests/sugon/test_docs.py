"""The docs' Sugon credentials, config example and curl lines are the code's, so the docs cannot drift."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from provider_mocks import create_app, get_mocks
from provider_mocks.providers.sugon.models import SugonModel

DOCS = Path(__file__).resolve().parents[2] / "docs"
HEADER = "| role | user | password | orgId | accessKey | secretKey | shows |"
FIELDS = ("user", "password", "orgId", "accessKey", "secretKey")


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def model(config: dict[str, object] | None = None) -> SugonModel:
    found = get_mocks(create_app(config or {}, providers=["sugon"])).model("sugon")
    assert isinstance(found, SugonModel)
    return found


def test_documented_demo_credentials_are_the_ones_served() -> None:
    credentials = page("credentials.md")
    lines = credentials[credentials.index(HEADER) :].splitlines()[2:]
    rows = [line for line in lines[: lines.index("")] if line.startswith("| `")]
    documented = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        role, values, note = cells[0].strip("`"), cells[1:6], cells[6]
        fields = {name: value.strip("`") for name, value in zip(FIELDS, values, strict=True) if value}
        documented[role] = fields | {"note": note}
    assert documented == model().demo_credentials()


def test_config_example_is_valid() -> None:
    block = next(b for b in re.findall(r"```toml\n(.*?)```", page("configuration.md"), re.S) if "[sugon" in b)
    configured = model(tomllib.loads(block))
    assert configured.settings()["renew_window"] == 86400
    assert "acme01" in {user.user for user in configured.users()}
    listed = configured.login("acme01", "acme-password", "acme0000000000000000000000000001")
    assert [(item["clusterId"], item["token"] is None) for item in listed] == [
        ("20001", False),
        ("11250", True),
        ("0", False),
    ]


def test_curl_examples_use_the_demo_credentials() -> None:
    block = next(
        b for b in re.findall(r"```sh\n(.*?)```", page("curl.md"), re.S) if "/ac/openapi/v2/tokens" in b
    )
    shown = model().demo_credentials()
    for role in ("demo", "frozen"):
        assert f"-H 'user: {shown[role]['user']}' -H 'password: {shown[role]['password']}'" in block
    assert f"AK={shown['aksk']['accessKey']} SK={shown['aksk']['secretKey']}" in block
