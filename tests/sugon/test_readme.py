"""The README's Sugon credentials, config example and curl lines are the code's, so the docs cannot drift.

The Sugon part is README.sugon.md until it is merged into README.md; the test reads
whichever holds the Sugon credentials table.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from provider_mocks import create_app, get_mocks
from provider_mocks.providers.sugon.models import SugonModel

ROOT = Path(__file__).resolve().parents[2]
HEADER = "| role | user | password | orgId | accessKey | secretKey | shows |"
FIELDS = ("user", "password", "orgId", "accessKey", "secretKey")


@pytest.fixture(scope="module")
def readme() -> str:
    for name in ("README.sugon.md", "README.md"):
        path = ROOT / name
        if path.is_file() and HEADER in (text := path.read_text(encoding="utf-8")):
            return text
    raise AssertionError(f"no README holds the Sugon credentials table ({HEADER})")


def model(config: dict[str, object] | None = None) -> SugonModel:
    found = get_mocks(create_app(config or {}, providers=["sugon"])).model("sugon")
    assert isinstance(found, SugonModel)
    return found


def test_documented_demo_credentials_are_the_ones_served(readme: str) -> None:
    lines = readme[readme.index(HEADER) :].splitlines()[2:]
    rows = [line for line in lines[: lines.index("")] if line.startswith("| `")]
    documented = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        role, values, note = cells[0].strip("`"), cells[1:6], cells[6]
        fields = {name: value.strip("`") for name, value in zip(FIELDS, values, strict=True) if value}
        documented[role] = fields | {"note": note}
    assert documented == model().demo_credentials()


def test_config_example_is_valid(readme: str) -> None:
    block = next(b for b in re.findall(r"```toml\n(.*?)```", readme, re.S) if "[sugon" in b)
    configured = model(tomllib.loads(block))
    assert configured.settings()["renew_window"] == 86400
    assert "acme01" in {user["user"] for user in configured.users()}
    listed = configured.login("acme01", "acme-password", "acme0000000000000000000000000001")
    assert [(item["clusterId"], item["token"] is None) for item in listed] == [
        ("20001", False),
        ("11250", True),
        ("0", False),
    ]


def test_curl_examples_use_the_demo_credentials(readme: str) -> None:
    block = next(b for b in re.findall(r"```sh\n(.*?)```", readme, re.S) if "/ac/openapi/v2/tokens" in b)
    shown = model().demo_credentials()
    for role in ("demo", "frozen"):
        assert f"-H 'user: {shown[role]['user']}' -H 'password: {shown[role]['password']}'" in block
    assert f"AK={shown['aksk']['accessKey']} SK={shown['aksk']['secretKey']}" in block
