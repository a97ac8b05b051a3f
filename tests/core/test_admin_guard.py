"""The admin API answers loopback clients, and others only with the admin token.

Other machines are played by the WSGI environ's REMOTE_ADDR in an in-process
client: the tests send nothing beyond this machine's loopback.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from provider_mocks import cli, create_app
from provider_mocks.core.config import ConfigError

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


def _token_passed(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> str | None:
    seen: dict[str, Any] = {}

    def fake_create_app(*args: Any, **kwargs: Any) -> Flask:
        seen.update(kwargs)
        raise ConfigError("stop here")

    monkeypatch.setattr("provider_mocks.app.create_app", fake_create_app)
    assert cli.main(["serve", *argv]) == 2
    token: str | None = seen["admin_token"]
    return token


def test_serve_takes_the_token_from_the_option_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cli.ADMIN_TOKEN_ENV, raising=False)
    assert _token_passed(monkeypatch, []) is None
    monkeypatch.setenv(cli.ADMIN_TOKEN_ENV, "from-env")
    assert _token_passed(monkeypatch, []) == "from-env"
    assert _token_passed(monkeypatch, ["--admin-token", "from-option"]) == "from-option"
