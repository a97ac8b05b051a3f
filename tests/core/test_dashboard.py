"""The dashboard in a real headless browser (Debian's Chromium, driven by Playwright).

The screenshot the README and docs/faults.md show is taken here: with
PROVIDER_MOCKS_UPDATE_SCREENSHOT=1 it replaces docs/dashboard.png (otherwise it goes to a
temporary folder, and the checkout stays clean).
"""

from __future__ import annotations

import os
from pathlib import Path

import requests
from playwright.sync_api import Page, expect

from provider_mocks import Mocks

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "dashboard.png"
TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
GET_API = "/itrigger-tenant/v1/basic/openAPItest/test/get"


def fetch(base_url: str, mocks: Mocks) -> str:
    creds = mocks.model("itrigger").demo_credentials()["demo"]
    answer = requests.get(
        f"{base_url}{TOKEN}", params={"appId": creds["appId"], "appSecret": creds["appSecret"]}, timeout=10
    )
    token: str = answer.json()["data"]["accessToken"]
    return token


def test_a_token_is_listed_then_expires_when_the_page_advances_the_clock(
    page: Page, base_url: str, mocks: Mocks
) -> None:
    demo = mocks.model("itrigger").demo_credentials()["demo"]
    expect(page.locator("#providers")).to_contain_text(
        f"appId={demo['appId']}  appSecret={demo['appSecret']}"
    )
    token = fetch(base_url, mocks)
    live = page.locator("#tokens tr", has_text=token)
    expect(live).to_contain_text("1h 59m")
    page.fill("#advance-seconds", "7200")
    page.click("#advance")
    expect(live).to_have_count(0)
    answer = requests.get(f"{base_url}{GET_API}", params={"accessToken": token}, timeout=10).json()
    assert answer["code"] == 401


def test_freeze_and_reset_from_the_page(page: Page, base_url: str, mocks: Mocks) -> None:
    page.click("#freeze")
    expect(page.locator("#clock-frozen")).to_have_text("(frozen)")
    assert mocks.clock.frozen
    fetch(base_url, mocks)
    expect(page.locator("#journal tr")).to_have_count(1)
    page.click("#reset")
    expect(page.locator("#journal tr")).to_have_count(0)
    expect(page.locator("#clock-frozen")).to_have_text("")


def test_faults_and_violations_are_highlighted(
    page: Page, base_url: str, mocks: Mocks, tmp_path: Path
) -> None:
    page.select_option("#fault-provider", "itrigger")
    page.fill("#fault-operation", "token")
    page.select_option("#fault-type", "error")
    page.fill("#fault-value", "40004")
    page.click("#fault-add")
    expect(page.locator("#faults tr")).to_have_count(1)
    creds = mocks.model("itrigger").demo_credentials()["demo"]
    limited = requests.get(
        f"{base_url}{TOKEN}", params={"appId": creds["appId"], "appSecret": creds["appSecret"]}, timeout=10
    ).json()
    assert limited["code"] == 40004
    fetch(base_url, mocks)
    fetch(base_url, mocks)  # a refetch while the token is valid: a violation
    expect(page.locator("#journal tr.fault")).to_have_count(1)
    expect(page.locator("#journal tr.fault")).to_contain_text("error")
    expect(page.locator("#journal tr.violation").first).to_contain_text("refetch-while-valid")
    expect(page.locator("#faults tr")).to_contain_text("1 / 3")
    shot = SCREENSHOT if os.environ.get("PROVIDER_MOCKS_UPDATE_SCREENSHOT") else tmp_path / SCREENSHOT.name
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")
    page.click("#faults-clear")
    expect(page.locator("#faults tr")).to_have_count(0)


def test_bad_fault_input_is_shown_not_thrown(page: Page) -> None:
    page.select_option("#fault-provider", "itrigger")
    page.select_option("#fault-type", "error")
    page.fill("#fault-value", "99999")
    page.click("#fault-add")
    expect(page.locator("#error")).to_contain_text("99999 is not one of itrigger's codes")
    page.wait_for_timeout(1500)  # a poll or two later, the refusal is still shown
    expect(page.locator("#error")).to_contain_text("99999 is not one of itrigger's codes")
