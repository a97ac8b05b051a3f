"""A page elsewhere, in a real headless browser (Debian's Chromium), tries the admin API.

The mock runs on one loopback port, the page elsewhere on another. Chromium maps two
names to 127.0.0.1 (`--host-resolver-rules`): `rebind.evil.example`, a name an attacker
controls after DNS rebinding, and
`mocks.example`, a name the mock is told it has (`allowed_hosts`). A recorder in front
of the app shows that each attack reached the mock and how it was answered.

After rebinding, the browser holds the attacker's page on the name and port it now
reaches the mock by; the test serves that page at `/attack` beside the mock, on the same
loopback port (a page handed over as if from elsewhere would count as public, and
Chromium's Private Network Access would stop its requests to loopback before the mock
saw them: browsers without that check, Firefox and Safari, send them).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask, Response
from playwright.sync_api import Browser, Page, expect, sync_playwright

from provider_mocks import Mocks, create_app, get_mocks
from provider_mocks.core.server import LiveServer
from tests.browser import FLAGS, chromium  # noqa: F401 - the fixture

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

REBIND = "rebind.evil.example"
OWN_NAME = "mocks.example"
RULE = json.dumps({"provider": "itrigger", "action": {"type": "status", "status": 503}})
BLANK = "<!doctype html><title>elsewhere</title><body></body>"


@dataclass
class Recorder:
    """WSGI middleware: each admin request the server answered, as (method, path, status); and
    the attacker's page at /attack."""

    app: WSGIApplication
    seen: list[tuple[str, str, int]] = field(default_factory=list)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/attack":
            start_response("200 OK", [("Content-Type", "text/html")])
            return [BLANK.encode()]

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if environ["PATH_INFO"].startswith("/__admin"):
                self.seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], int(status[:3])))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


@dataclass
class Mock:
    server: LiveServer
    recorder: Recorder

    @property
    def port(self) -> int:
        return int(self.server.url.rsplit(":", 1)[1])

    @property
    def mocks(self) -> Mocks:
        return get_mocks(self.server.app)

    def state(self) -> tuple[int, bool, int]:
        """What an attack would change: the fault rules, a frozen clock, the clock's offset (s)."""
        clock = self.mocks.clock
        return len(self.mocks.faults.rules()), clock.frozen, round(clock.time() - time.time())


@pytest.fixture(scope="module")
def mock() -> Iterator[Mock]:
    app = create_app(providers=["itrigger"], allowed_hosts=OWN_NAME)
    recorder = Recorder(app.wsgi_app)
    app.wsgi_app = recorder  # type: ignore[method-assign]
    with LiveServer(app) as server:
        yield Mock(server, recorder)


@pytest.fixture(scope="module")
def elsewhere(mock: Mock) -> Iterator[str]:
    """A page on another loopback port: a blank one, and one framing the mock's dashboard."""
    site = Flask("elsewhere")
    site.add_url_rule("/", "blank", lambda: Response(BLANK, content_type="text/html"))
    framing = f'<!doctype html><iframe src="{mock.server.url}/__admin/" width="900" height="600"></iframe>'
    site.add_url_rule("/frame", "frame", lambda: Response(framing, content_type="text/html"))
    with LiveServer(site) as server:
        yield server.url


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:  # noqa: F811 - the fixture above
    rules = f"MAP {REBIND} 127.0.0.1, MAP {OWN_NAME} 127.0.0.1"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium,
            args=[*(f for f in FLAGS if f != "--headless"), f"--host-resolver-rules={rules}"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, mock: Mock) -> Iterator[Page]:
    mock.mocks.reset()
    mock.recorder.seen.clear()
    opened = browser.new_page()
    yield opened
    opened.close()


def secrets(mock: Mock) -> list[str]:
    return [creds["appSecret"] for creds in mock.mocks.model("itrigger").demo_credentials().values()]


#: Each attack: where its page comes from, and the script it runs there (MOCK: the mock's base
#: URL as the page names it; the result is written into the page).
ATTACKS = {
    "fetch no-cors, text/plain": (
        "elsewhere",
        "fetch(MOCK + '/__admin/faults', {method: 'POST', mode: 'no-cors',"
        " headers: {'Content-Type': 'text/plain'}, body: RULE}).then(() => 'sent')",
    ),
    "fetch cors, text/plain": (
        "elsewhere",
        "fetch(MOCK + '/__admin/faults', {method: 'POST', body: RULE}).then((a) => a.text())",
    ),
    "form post, text/plain that reads as JSON": (
        "elsewhere",
        """new Promise((done) => {
            const sink = document.createElement('iframe');
            sink.name = 'sink';
            document.body.append(sink);
            const form = document.createElement('form');
            Object.assign(form, {method: 'POST', action: MOCK + '/__admin/clock', target: 'sink'});
            form.enctype = 'text/plain';
            const field = document.createElement('input');
            Object.assign(field, {name: '{"advance": 7200, "freeze": true, "pad": "', value: '"}'});
            form.append(field);
            document.body.append(form);
            sink.onload = () => done('submitted');
            form.submit();
        })""",
    ),
    "read the credentials": (
        "elsewhere",
        "fetch(MOCK + '/__admin/providers').then((a) => a.text())",
    ),
    "rebinding: read the credentials": (
        "rebind",
        "fetch(MOCK + '/__admin/providers').then(async (a) => a.status + ' ' + (await a.text()))",
    ),
    "rebinding: add a fault": (
        "rebind",
        "fetch(MOCK + '/__admin/faults', {method: 'POST', headers: {'Content-Type': 'application/json'},"
        " body: RULE}).then((a) => a.text())",
    ),
    "rebinding: move the clock, claiming to be a proxy for localhost": (
        "rebind",
        "fetch(MOCK + '/__admin/clock', {method: 'POST', headers: {'Content-Type': 'application/json',"
        " 'X-Forwarded-Host': 'localhost:' + location.port}, body: '{\"advance\": 7200}'})"
        ".then((a) => a.text())",
    ),
}

#: How the mock answered each (what the browser then did with the answer is its own business).
ANSWERED = {
    "fetch no-cors, text/plain": [("POST", "/__admin/faults", 403)],
    "fetch cors, text/plain": [("POST", "/__admin/faults", 403)],
    "form post, text/plain that reads as JSON": [("POST", "/__admin/clock", 403)],
    "read the credentials": [("GET", "/__admin/providers", 200)],  # the browser keeps it from the page
    "rebinding: read the credentials": [("GET", "/__admin/providers", 403)],
    "rebinding: add a fault": [("POST", "/__admin/faults", 403)],
    "rebinding: move the clock, claiming to be a proxy for localhost": [("POST", "/__admin/clock", 403)],
}


def open_attack(page: Page, where: str, mock: Mock, elsewhere: str) -> str:
    """Open the attacker's page; the base URL its script names the mock by."""
    base = mock.server.url if where == "elsewhere" else f"http://{REBIND}:{mock.port}"
    page.goto(elsewhere if where == "elsewhere" else f"{base}/attack")
    return base


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_page_elsewhere_cannot_change_or_read_the_mock(
    page: Page, mock: Mock, elsewhere: str, attack: str
) -> None:
    where, script = ATTACKS[attack]
    base = open_attack(page, where, mock, elsewhere)
    before = mock.state()
    result = page.evaluate(
        f"""async ([MOCK, RULE]) => {{
            let result;
            try {{ result = String(await ({script})); }} catch (error) {{ result = 'failed: ' + error; }}
            document.body.append(document.createTextNode(result));
            return result;
        }}""",
        [base, RULE],
    )
    expect(page.locator("body")).to_contain_text(result[:40])
    assert mock.recorder.seen == ANSWERED[attack], result
    assert mock.state() == before
    shown = page.content() + "".join(frame.content() for frame in page.frames)
    assert not any(secret in shown for secret in secrets(mock)), result


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", OWN_NAME])
def test_the_dashboard_works_on_the_mocks_own_origin(page: Page, mock: Mock, host: str) -> None:
    page.goto(f"http://{host}:{mock.port}/__admin/")
    expect(page.locator("#providers")).to_contain_text(secrets(mock)[0])
    page.click("#freeze")
    expect(page.locator("#clock-frozen")).to_have_text("(frozen)")
    assert mock.mocks.clock.frozen
    page.select_option("#fault-provider", "itrigger")
    page.select_option("#fault-type", "status")
    page.fill("#fault-value", "503")
    page.click("#fault-add")
    expect(page.locator("#faults tr")).to_have_count(1)
    assert len(mock.mocks.faults.rules()) == 1
    page.click("#reset")
    expect(page.locator("#clock-frozen")).to_have_text("")
    expect(page.locator("#faults tr")).to_have_count(0)
    assert [status for _, _, status in mock.recorder.seen if status >= 400] == []


def test_a_page_elsewhere_cannot_frame_the_dashboard(page: Page, mock: Mock, elsewhere: str) -> None:
    """Framed, its buttons could be clicked through a decoy (its own calls would be same-origin)."""
    page.goto(f"{elsewhere}/frame")
    page.wait_for_timeout(1500)
    assert ("GET", "/__admin/", 200) in mock.recorder.seen  # served, and the browser would not show it
    framed = page.frames[1]
    assert framed.locator("#providers").count() == 0
    assert not any(secret in framed.content() for secret in secrets(mock))
