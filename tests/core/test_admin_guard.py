"""The admin API answers loopback clients, and others only with the admin token; it refuses
what a browser sends for a page elsewhere (a foreign Host, Origin or Sec-Fetch-Site).

Other machines are played by the WSGI environ's REMOTE_ADDR in an in-process
client: the tests send nothing beyond this machine's loopback. The header checks run
against a real server on loopback (tests/core/test_admin_browser.py has the browser).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask

from provider_mocks import cli, create_app, get_mocks
from provider_mocks.core.config import ConfigError
from provider_mocks.core.server import LiveServer

REMOTE = "203.0.113.5"
ITRIGGER_TOKEN = (
    "/itrigger-tenant/v1/basic/accessTokenOpen/token"
    "?appId=qjy5e6b3bc98fceda4c&appSecret=4fc329aa1adfafc10aba8909921a8d54"
)


@pytest.fixture(scope="module")
def open_app() -> Flask:
    return create_app(providers=["itrigger"])


@pytest.fixture(scope="module")
def token_app() -> Flask:
    return create_app(providers=["itrigger"], admin_token="s3cret-token")


def get(app: Flask, path: str, address: str, headers: dict[str, str] | None = None) -> Any:
    return app.test_client().get(path, headers=headers or {}, environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_clients_need_no_token(open_app: Flask, token_app: Flask, address: str) -> None:
    assert get(open_app, "/__admin/health", address).status_code == 200
    assert get(token_app, "/__admin/providers", address).status_code == 200


@pytest.mark.parametrize("address", [REMOTE, "10.0.0.7", "fd00::2", "::ffff:10.0.0.7", "not-an-address"])
def test_without_a_token_other_clients_are_refused(open_app: Flask, address: str) -> None:
    for path in ("/__admin/providers", "/__admin/reset", "/__admin/", "/__admin/no-such-thing"):
        answer = get(open_app, path, address)
        assert answer.status_code == 403, path
        assert "loopback clients only" in answer.get_json()["error"]
    assert get(open_app, "/__admin/health", address, {"Authorization": "Bearer anything"}).status_code == 403


def test_the_providers_answer_everyone(open_app: Flask) -> None:
    assert get(open_app, ITRIGGER_TOKEN, REMOTE).get_json()["code"] == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer s3cret-token"},
        {"Authorization": "bearer  s3cret-token"},
        {"X-Admin-Token": "s3cret-token"},
    ],
)
def test_with_the_token_other_clients_may(token_app: Flask, headers: dict[str, str]) -> None:
    answer = get(token_app, "/__admin/providers", REMOTE, headers)
    assert answer.status_code == 200
    assert answer.get_json()["providers"][0]["slug"] == "itrigger"


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "needs the admin token"),
        ({"Authorization": "Bearer wrong"}, "wrong"),
        ({"Authorization": "Basic s3cret-token"}, "needs the admin token"),
        ({"X-Admin-Token": "s3cret-toke"}, "wrong"),
    ],
)
def test_a_missing_or_wrong_token_is_refused(token_app: Flask, headers: dict[str, str], why: str) -> None:
    answer = get(token_app, "/__admin/reset", REMOTE, headers)
    assert answer.status_code == 403
    assert answer.content_type == "application/json;charset=UTF-8"
    assert why in answer.get_json()["error"]


def test_the_token_can_come_from_the_config() -> None:
    app = create_app({"server": {"admin_token": "from-config"}}, providers=["itrigger"])
    assert get(app, "/__admin/health", REMOTE, {"X-Admin-Token": "from-config"}).status_code == 200
    assert get(app, "/__admin/health", REMOTE).status_code == 403


def _passed(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> dict[str, Any]:
    """What `serve` with `argv` hands create_app."""
    seen: dict[str, Any] = {}

    def fake_create_app(*args: Any, **kwargs: Any) -> Flask:
        seen.update(kwargs)
        raise ConfigError("stop here")

    monkeypatch.setattr("provider_mocks.app.create_app", fake_create_app)
    assert cli.main(["serve", *argv]) == 2
    return seen


def _token_passed(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> str | None:
    token: str | None = _passed(monkeypatch, argv)["admin_token"]
    return token


def test_serve_takes_the_token_from_the_option_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cli.ADMIN_TOKEN_ENV, raising=False)
    assert _token_passed(monkeypatch, []) is None
    monkeypatch.setenv(cli.ADMIN_TOKEN_ENV, "from-env")
    assert _token_passed(monkeypatch, []) == "from-env"
    assert _token_passed(monkeypatch, ["--admin-token", "from-option"]) == "from-option"


# -- what a browser sends for a page elsewhere ---------------------------------------------------

RULE = {"provider": "itrigger", "action": {"type": "status", "status": 503}}


@pytest.fixture(scope="module")
def guarded() -> Iterator[LiveServer]:
    """A server that knows one more name, mocks.example; loopback proxies are trusted (the default)."""
    with LiveServer(create_app(providers=["itrigger"], allowed_hosts="mocks.example")) as server:
        yield server


def state(server: LiveServer) -> tuple[int, int, bool]:
    """What an attack would change: the fault rules, the clock's offset (s), whether it is frozen."""
    mocks = get_mocks(server.app)
    return len(mocks.faults.rules()), round(mocks.clock.time() - time.time()), mocks.clock.frozen


def send(server: LiveServer, method: str, path: str, headers: dict[str, str], body: str | None) -> Any:
    port = server.url.rsplit(":", 1)[1]
    get_mocks(server.app).reset()
    before = state(server)
    answer = requests.request(
        method,
        f"{server.url}{path}",
        headers={k: v.format(port=port) for k, v in headers.items()},
        data=body,
        timeout=10,
    )
    changed = state(server) != before
    assert changed == (answer.ok and method != "GET"), answer.text
    return answer


JSON = {"Content-Type": "application/json"}
TEXT = {"Content-Type": "text/plain"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}  # what curl -d sends
FAULT = json.dumps(RULE)
CLOCK = '{"advance": 7200}'


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status", "why"),
    [
        # the Host: the mock's names pass, others are refused
        ("GET", "/__admin/providers", {}, None, 200, None),
        ("GET", "/__admin/providers", {"Host": "localhost:{port}"}, None, 200, None),
        ("GET", "/__admin/providers", {"Host": "localhost"}, None, 200, None),
        ("GET", "/__admin/providers", {"Host": "dash.localhost:{port}"}, None, 200, None),
        ("GET", "/__admin/providers", {"Host": "[::1]:{port}"}, None, 200, None),
        ("GET", "/__admin/providers", {"Host": "127.8.9.10:{port}"}, None, 200, None),
        ("GET", "/__admin/providers", {"Host": "192.0.2.10:{port}"}, None, 200, None),
        ("GET", "/__admin/providers", {"Host": "mocks.example:{port}"}, None, 200, None),
        ("GET", "/__admin/providers", {"Host": "MOCKS.example."}, None, 200, None),
        ("GET", "/__admin/providers", {"Host": "rebind.evil.example:{port}"}, None, 403, "DNS rebinding"),
        ("GET", "/__admin/providers", {"Host": "localhost.evil.example"}, None, 403, "DNS rebinding"),
        ("GET", "/__admin/providers", {"Host": "127.0.0.1.nip.io:{port}"}, None, 403, "DNS rebinding"),
        ("GET", "/__admin/providers", {"Host": "evil.example@localhost"}, None, 403, "DNS rebinding"),
        ("GET", "/__admin/", {"Host": "rebind.evil.example:{port}"}, None, 403, "DNS rebinding"),
        ("POST", "/__admin/faults", {"Host": "rebind.evil.example:{port}", **JSON}, FAULT, 403, "rebinding"),
        # a loopback client is a trusted proxy: both the Host and the host it reports must be ours
        ("GET", "/__admin/providers", {"X-Forwarded-Host": "mocks.example:8443"}, None, 200, None),
        ("GET", "/__admin/providers", {"X-Forwarded-Host": "rebind.evil.example"}, None, 403, "rebinding"),
        ("GET", "/__admin/providers", {"Forwarded": "host=rebind.evil.example"}, None, 403, "rebinding"),
        (
            "GET",
            "/__admin/providers",
            {"Host": "rebind.evil.example:{port}", "X-Forwarded-Host": "localhost:{port}"},
            None,
            403,
            "rebinding",
        ),
        # changes: no Origin (curl, Python) or the mock's own origin pass, whatever the body's type
        ("POST", "/__admin/faults", JSON, FAULT, 201, None),
        ("POST", "/__admin/faults", TEXT, FAULT, 201, None),
        ("POST", "/__admin/clock", FORM, CLOCK, 200, None),
        ("POST", "/__admin/faults", {"Origin": "http://127.0.0.1:{port}", **JSON}, FAULT, 201, None),
        (
            "POST",
            "/__admin/faults",
            {"Host": "localhost:{port}", "Origin": "http://localhost:{port}", **JSON},
            FAULT,
            201,
            None,
        ),
        (
            "POST",
            "/__admin/faults",
            {"Origin": "http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin", **JSON},
            FAULT,
            201,
            None,
        ),
        ("POST", "/__admin/faults", {"Sec-Fetch-Site": "none", **JSON}, FAULT, 201, None),
        (
            "POST",
            "/__admin/faults",
            {"X-Forwarded-Host": "mocks.example:8443", "X-Forwarded-Proto": "https"}
            | {"Origin": "https://mocks.example:8443", **JSON},
            FAULT,
            201,
            None,
        ),
        # changes a page elsewhere sends: refused, whatever the body's type
        ("POST", "/__admin/faults", {"Origin": "https://evil.example", **TEXT}, FAULT, 403, "another origin"),
        ("POST", "/__admin/faults", {"Origin": "https://evil.example", **JSON}, FAULT, 403, "another origin"),
        ("POST", "/__admin/clock", {"Origin": "https://evil.example", **FORM}, CLOCK, 403, "another origin"),
        ("POST", "/__admin/faults", {"Origin": "http://127.0.0.1:1", **TEXT}, FAULT, 403, "another origin"),
        ("POST", "/__admin/faults", {"Origin": "https://127.0.0.1:{port}", **TEXT}, FAULT, 403, "origin"),
        ("POST", "/__admin/faults", {"Origin": "http://localhost:{port}", **TEXT}, FAULT, 403, "origin"),
        ("POST", "/__admin/faults", {"Origin": "null", **TEXT}, FAULT, 403, "another origin"),
        ("POST", "/__admin/faults", {"Sec-Fetch-Site": "cross-site", **TEXT}, FAULT, 403, "another site"),
        ("POST", "/__admin/faults", {"Sec-Fetch-Site": "same-site", **TEXT}, FAULT, 403, "another site"),
        (
            "POST",
            "/__admin/faults",
            {"Origin": "http://127.0.0.1:{port}", "Sec-Fetch-Site": "cross-site", **JSON},
            FAULT,
            403,
            "another site",
        ),
        ("POST", "/__admin/reset", {"Origin": "https://evil.example"}, None, 403, "another origin"),
        ("DELETE", "/__admin/faults", {"Origin": "https://evil.example"}, None, 403, "another origin"),
        # reading is left to the browser, which shows a page elsewhere no answer without CORS
        ("GET", "/__admin/providers", {"Origin": "https://evil.example"}, None, 200, None),
    ],
)
def test_headers_a_browser_sends_for_a_page_elsewhere_are_refused(
    guarded: LiveServer,
    method: str,
    path: str,
    headers: dict[str, str],
    body: str | None,
    status: int,
    why: str | None,
) -> None:
    answer = send(guarded, method, path, headers, body)
    assert answer.status_code == status, answer.text
    assert "Access-Control-Allow-Origin" not in answer.headers
    if why is not None:
        assert answer.headers["Content-Type"] == "application/json;charset=UTF-8"
        assert why in answer.json()["error"]


def test_a_token_holder_elsewhere_names_the_host_it_uses(token_app: Flask) -> None:
    """A 0.0.0.0 server in a CI network, reached by its service name: allowed_hosts names it."""
    headers = {"X-Admin-Token": "s3cret-token", "Host": "mocks:8700"}
    answer = get(token_app, "/__admin/providers", REMOTE, headers)
    assert answer.status_code == 403
    assert "--allowed-hosts" in answer.get_json()["error"]
    named = create_app({"server": {"admin_token": "s3cret-token", "allowed_hosts": ["mocks"]}})
    assert get(named, "/__admin/providers", REMOTE, headers).status_code == 200
    assert get(named, "/__admin/providers", REMOTE, {**headers, "Host": "10.0.0.5:8700"}).status_code == 200


@pytest.mark.parametrize("name", ["mocks:8700", "http://mocks", "mocks/x", "a b", "*"])
def test_a_bad_allowed_host_is_refused_at_start(name: str) -> None:
    with pytest.raises(ConfigError, match="not a host name"):
        create_app({"server": {"allowed_hosts": [name]}}, providers=["itrigger"])
    with pytest.raises(ValueError, match="not a host name"):
        create_app(providers=["itrigger"], allowed_hosts=name)


def test_serve_takes_the_allowed_hosts_from_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _passed(monkeypatch, [])["allowed_hosts"] is None
    assert (
        _passed(monkeypatch, ["--allowed-hosts", "mocks,ci.example"])["allowed_hosts"] == "mocks,ci.example"
    )


def test_the_dashboard_cannot_be_framed(open_app: Flask) -> None:
    answer = get(open_app, "/__admin/", "127.0.0.1")
    assert answer.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
