"""The timeline in a real headless browser (Debian's Chromium, driven by Playwright), drawn from
real client runs: the dashboard's, and the audit report's.

The screenshots the README shows are taken here, of a well-behaved client's day and of naive
clients' hours: with PROVIDER_MOCKS_UPDATE_SCREENSHOT=1 they replace docs/timeline-day.png and
docs/timeline-naive.png (otherwise they go to a temporary folder, and the checkout stays clean).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from playwright.sync_api import Browser, Locator, Page, expect

from provider_mocks import Mocks
from provider_mocks.cli import main
from provider_mocks.testing.pytest_plugin import ProviderMock
from tests.clients import appauth, feishu, itrigger
from tests.clients.providers import APPAUTH, FEISHU, ITRIGGER, SUGON, Provider

from .test_timeline import START, naive_overwrite, run_fetch_per_call

MockOf = Callable[[str], ProviderMock]
DOCS = Path(__file__).resolve().parents[2] / "docs"


def screenshot(page: Page, name: str, folder: Path) -> None:
    """The timeline's section, into docs/ when asked to refresh the README's pictures."""
    shot = (DOCS if os.environ.get("PROVIDER_MOCKS_UPDATE_SCREENSHOT") else folder) / name
    page.locator("section", has=page.locator("#timeline")).screenshot(path=str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")


def drawn_at(page: Page, now: float) -> Locator:
    """The timeline's picture, once the page has drawn it at `now` on the virtual clock."""
    svg = page.locator("#timeline svg")
    expect(svg).to_have_attribute("data-now", str(int(now)) if now == int(now) else repr(now))
    return svg


def x(locator: Locator) -> tuple[float, float]:
    """Where a drawn element begins and ends across the page."""
    box = locator.bounding_box()
    assert box is not None
    return box["x"], box["x"] + box["width"]


def test_an_overwrite_is_a_cut_bar_and_the_late_call_a_violation(
    page: Page, itrigger_mock: ProviderMock
) -> None:
    """The naive client's token is cut where the second server's fetch overwrote it; its call
    after that is marked at the call, the request and answer shown on hover, its journal entry
    opened on a click."""
    old, overwriting, late_call = naive_overwrite(itrigger_mock)
    drawn_at(page, START + 1200)
    bar = page.locator(f'#timeline rect.bar[data-token="{old}"]')
    expect(bar).to_have_attribute("data-cut", "overwritten")
    fetch = page.locator(f'#timeline .marker.fetch[data-entry="{overwriting}"]')
    cut = page.locator(f'#timeline line.cut[data-token="{old}"]')
    violation = page.locator(f'#timeline .marker.violation[data-entry="{late_call}"]')
    expect(violation).to_have_count(1)
    bar_ends, fetched_at = x(bar)[1], sum(x(fetch)) / 2
    assert abs(bar_ends - fetched_at) < 1.5
    assert abs(sum(x(cut)) / 2 - fetched_at) < 1.5
    assert sum(x(violation)) / 2 > bar_ends + 100  # 600 s later, on an axis of about 1250 s

    violation.hover()
    tip = page.locator("#timeline .timeline-tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(f"audit finding: request #{late_call}")
    expect(tip).to_contain_text("[error] overwritten-token-used: ")
    expect(tip).to_contain_text(f"GET {itrigger.GET_API}?accessToken={old}")
    expect(tip).to_contain_text('→ 200 {"code":401,"message":"accessToken无效或已过期","data":null}')
    bar.hover()
    expect(tip).to_contain_text(f"cut 2026-03-02 00:10:00Z: overwritten by request #{overwriting}")

    violation.click()
    expect(page.locator("#entry-title")).to_have_text(f"Request #{late_call}")
    expect(page.locator("#entry-body")).to_contain_text('"token_state": "overwritten"')
    expect(page.locator("#entry-body")).to_contain_text(f'"id": {late_call}')


def test_the_timeline_follows_the_clock(page: Page, itrigger_mock: ProviderMock) -> None:
    itrigger_mock.clock.freeze()
    itrigger_mock.clock.set(START)
    ITRIGGER.client(itrigger_mock).call("GET", itrigger.GET_API)
    drawn_at(page, START)
    bar, now = page.locator("#timeline rect.bar"), page.locator("#timeline line.now")
    assert x(bar)[1] > x(now)[1] + 10  # a live token runs on past now
    page.fill("#advance-seconds", "7500")
    page.click("#advance")
    drawn_at(page, START + 7500)
    expect(page.locator("#timeline .now-label")).to_have_text("now 02:05:00Z")
    assert x(bar)[1] < x(now)[0]  # expired at 02:00, before now
    assert itrigger_mock.clock.time() == START + 7500


def well_behaved_day(provider_mock: MockOf) -> float:
    """A day of three providers' well-behaved token managers, a call each every 10 minutes:
    iTrigger's refreshed before expiry, Feishu's renewed inside its 30-minute window, Sugon's
    renewed an hour before its 24 h are up. When it ended, on the virtual clock."""
    runs: list[tuple[Provider[Any], Any]] = []
    providers: list[Provider[Any]] = [ITRIGGER, FEISHU, SUGON]
    for provider in providers:
        mock = provider_mock(provider.slug)
        runs.append((provider, provider.client(mock)))
    clock = mock.clock
    clock.freeze()
    clock.set(START)
    for step in range(24 * 6):
        for provider, client in runs:
            assert provider.answered(client, step) == provider.expected(step)
        clock.advance(600)
    return clock.time()


def test_a_well_behaved_clients_day(page: Page, provider_mock: MockOf, tmp_path: Path) -> None:
    ended = well_behaved_day(provider_mock)
    drawn_at(page, ended)
    expect(page.locator("#timeline .row-label")).to_have_count(3)
    expect(page.locator("#timeline .marker.violation")).to_have_count(0)
    expect(page.locator("#timeline .marker.refusal")).to_have_count(0)
    # Feishu's renewals every 1 h 50 min, and Sugon's one, each joined to the token it renewed
    expect(page.locator("#timeline path.join")).to_have_count(13 + 1)
    window = page.locator("#timeline rect.window").first
    window.hover(position={"x": 2, "y": 2})  # above the token's bar it lies behind
    expect(page.locator("#timeline .timeline-tip")).to_contain_text(
        "renewal: a fetch in the last 30 min gets a new token"
    )
    page.mouse.move(0, 0)
    screenshot(page, "timeline-day.png", tmp_path)


def naive_hours(provider_mock: MockOf, base_url: str) -> float:
    """Six hours of naive clients, every 15 minutes: two iTrigger servers 5 minutes apart, each
    fetching the app's token and overwriting the other's; a Feishu client fetching for every
    call; an appauth client keeping its token past expiry; an iTrigger client retrying a spent
    daily limit at once; and a fault injected on the first two's token endpoint. When it ended,
    on the virtual clock."""
    shared = provider_mock("itrigger")
    servers = [ITRIGGER.client(shared), ITRIGGER.client(shared)]
    every_call = FEISHU.client(provider_mock("feishu"), feishu.FetchPerCall)
    keeper = APPAUTH.client(provider_mock("appauth"), appauth.IgnoresExpiry)
    limited = provider_mock("itrigger")
    retrier = ITRIGGER.client(limited, itrigger.RetriesAtOnce)
    tenant = limited.credentials["tenant"]
    requests.patch(f"{base_url}/__admin/itrigger/tenants/{tenant}", json={"daily_limit": 6}, timeout=10)
    fault = {  # the shared app's token endpoint, as a broken gateway answers
        "provider": "itrigger",
        "operation": "token",
        "credential": shared.credentials["appId"],
        "action": {"type": "status", "status": 502, "body": "Bad Gateway"},
        "after": 8,
    }
    assert requests.post(f"{base_url}/__admin/faults", json=fault, timeout=10).status_code == 201
    clock = shared.clock
    clock.freeze()
    clock.set(START)
    for _ in range(6 * 4):
        for call, then in (
            (lambda: servers[0].call("GET", itrigger.GET_API), 300),  # the other's turn 5 minutes later
            (lambda: servers[1].call("GET", itrigger.GET_API), 0),
            (every_call.call, 0),
            (keeper.call, 0),
            (lambda: retrier.call("GET", itrigger.GET_API), 600),
        ):
            with contextlib.suppress(RuntimeError, ValueError):  # a refused fetch, a 502's text
                call()
            clock.advance(then)
    return clock.time()


def test_naive_clients_hours(page: Page, provider_mock: MockOf, base_url: str, tmp_path: Path) -> None:
    ended = naive_hours(provider_mock, base_url)
    drawn_at(page, ended)
    expect(page.locator("#timeline .row-label")).to_have_count(4)
    for kind in ("violation", "refusal", "limit", "fault", "fetch", "call"):
        expect(page.locator(f"#timeline .marker.{kind}").first).to_be_attached()
    expect(page.locator('#timeline rect.bar[data-cut="overwritten"]').first).to_be_attached()
    screenshot(page, "timeline-naive.png", tmp_path)


def test_thousands_of_entries_are_drawn_bounded(page: Page, app: Flask, mocks: Mocks) -> None:
    """2000 journal entries of a client fetching for every call: tokens too short to see are runs,
    and the picture stays a few hundred elements."""
    mocks.clock.freeze()
    mocks.clock.set(START)
    run_fetch_per_call(app, mocks, 1000)
    drawn_at(page, mocks.clock.time())
    expect(page.locator("#timeline rect.bar.run").first).to_be_attached()
    assert page.locator("#timeline svg *").count() < 3000


def test_the_audit_report_draws_the_same_timeline(
    browser: Browser, itrigger_mock: ProviderMock, tmp_path: Path
) -> None:
    """`provider-mocks audit --report`, opened from its file: the same picture, and a click on a
    marker opens its journal entry further down."""
    old, _, late_call = naive_overwrite(itrigger_mock)
    report = tmp_path / "audit.html"
    assert main(["audit", "--base-url", itrigger_mock.base_url, "--report", str(report)]) == 1
    opened = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(report.as_uri())
    expect(opened.locator(f'#timeline rect.bar[data-token="{old}"]')).to_have_attribute(
        "data-cut", "overwritten"
    )
    violation = opened.locator(f'#timeline .marker.violation[data-entry="{late_call}"]')
    violation.hover()
    expect(opened.locator("#timeline .timeline-tip")).to_contain_text("[error] overwritten-token-used: ")
    violation.click()
    entry = opened.locator(f"details#entry-{late_call}")
    expect(entry).to_have_attribute("open", "")
    expect(entry).to_contain_text('"token_state": "overwritten"')
    opened.close()
    assert errors == [], f"the report raised: {errors}"
