"""specs/feishu.yaml: its values for the checks every spec gets (tests/test_specs.py), the cases
that provoke each answer of the live mock, and what only Feishu's spec is checked for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from provider_mocks.providers.feishu import errors
from provider_mocks.providers.feishu.models import APP_TOKEN_PATH, BOT_INFO_PATH, TENANT_TOKEN_PATH
from tests.specs import (
    AnswerTable,
    LiveCase,
    LiveContext,
    Node,
    SpecTable,
    answer_branches,
    branch_order,
    branch_pins,
    live_context,
    load_spec,
)

SPEC = SpecTable(
    slug="feishu",
    openapi="3.0.3",
    envelope_keys=["code", "msg"],
    operations={
        (TENANT_TOKEN_PATH, "POST"): "feishu.tenant_access_token",
        (APP_TOKEN_PATH, "POST"): "feishu.app_access_token",
        (BOT_INFO_PATH, "GET"): "feishu.bot_info",
    },
    marked=30,
)

#: The spec's operations by a short name: (path, method).
TENANT, APP, BOT = (TENANT_TOKEN_PATH, "POST"), (APP_TOKEN_PATH, "POST"), (BOT_INFO_PATH, "GET")


@pytest.fixture(scope="module")
def spec() -> Node:
    return load_spec("feishu")


def declared(spec: Node) -> set[tuple[str, int, Any, Any]]:
    """(path, status, code, msg) of every answer declared: 10014 twice on a path, once per text."""
    return {(path, status, *branch_pins(spec, b, "msg")) for path, _, status, b in answer_branches(spec)}


def test_every_platform_code_is_declared(spec: Node) -> None:
    codes = {code for *_, code, _ in declared(spec)}
    assert {errors.code_of(key) for key in errors.MESSAGES} - {400, 404, 414} == codes


def test_gateway_refusals_are_http_400_and_frequency_429(spec: Node) -> None:
    found = {(status, code) for path, status, code, _ in declared(spec) if path == BOT_INFO_PATH}
    assert found == {
        (200, errors.OK),
        (200, errors.INTERNAL_ERROR),
        (400, errors.TOKEN_MISSING),
        (400, errors.TOKEN_INVALID),
        (400, errors.USER_TOKEN_INVALID),
        (400, errors.FREQUENCY),
        (429, errors.FREQUENCY),
        (405, 405),
        (413, 413),
    }


def test_token_refusals_are_http_200(spec: Node) -> None:
    for path in (TENANT_TOKEN_PATH, APP_TOKEN_PATH):
        found = {
            (status, code, text) for p, status, code, text in declared(spec) if p == path and status == 200
        }
        assert found == {
            (200, errors.OK, "ok"),
            (200, errors.INVALID_PARAM, "invalid param"),
            (200, 10014, "app id not exists"),
            (200, 10014, "app secret invalid"),
            (200, errors.INTERNAL_ERROR, "internal error"),
        }


# -- the spec against the running mock ------------------------------------------


@dataclass
class Context(LiveContext):
    slug = "feishu"
    method = "POST"

    def credentials(self, role: str = "demo") -> dict[str, str]:
        found = self.demo(role)
        return {"app_id": found["app_id"], "app_secret": found["app_secret"]}

    def fetch(self, path: str = TENANT_TOKEN_PATH, **body: Any) -> requests.Response:
        return self.call(path, json=body or self.credentials())

    def token(self) -> str:
        answer = self.fetch().json()
        assert answer["code"] == errors.OK, answer
        token: str = answer["tenant_access_token"]
        return token

    def bot(self, authorization: str | None) -> requests.Response:
        headers = {} if authorization is None else {"Authorization": authorization}
        return self.call(BOT_INFO_PATH, "GET", headers=headers)

    def limited(self, send: Callable[[], requests.Response], status: int = 429) -> requests.Response:
        """`send` with an allowance of one call a second: the second is refused (the clock frozen,
        so that both fall in one second)."""
        self.mocks.clock.freeze()
        self.monkeypatch.setattr(self.mocks.model("feishu").config.settings, "per_second", 1)
        self.monkeypatch.setattr(self.mocks.model("feishu").config.settings, "frequency_status", status)
        send()
        return send()


Case = LiveCase[Context]
context = live_context(Context)


def _crash(path: str) -> Callable[[Context], requests.Response]:
    def send(c: Context) -> requests.Response:
        if path == BOT_INFO_PATH:
            token = c.token()
            c.crash("bot_info")
            return c.bot(f"Bearer {token}")
        c.crash("token")
        return c.fetch(path)

    return send


def _expired(c: Context) -> requests.Response:
    token = c.token()
    c.mocks.clock.advance(7200)
    return c.bot(f"Bearer {token}")


def _bot_limited(status: int) -> Callable[[Context], requests.Response]:
    def send(c: Context) -> requests.Response:
        authorization = f"Bearer {c.token()}"
        return c.limited(lambda: c.bot(authorization), status)

    return send


def token_cases(name: str, path: str, operation: tuple[str, str]) -> list[LiveCase[Context]]:
    """The same answers from both token endpoints."""
    return [
        Case(f"{name} ok", operation, errors.OK, lambda c: c.fetch(path)),
        Case(f"{name} again", operation, errors.OK, lambda c: (c.fetch(path), c.fetch(path))[1]),
        Case(f"{name} trailing slash", operation, errors.OK,
             lambda c: c.call(path + "/", json=c.credentials())),
        Case(f"{name} empty body", operation, errors.INVALID_PARAM, lambda c: c.call(path)),
        Case(f"{name} not json", operation, errors.INVALID_PARAM, lambda c: c.call(path, data=b"{app_id")),
        Case(f"{name} json array", operation, errors.INVALID_PARAM, lambda c: c.call(path, json=[1])),
        Case(f"{name} no secret", operation, errors.INVALID_PARAM,
             lambda c: c.fetch(path, app_id=c.credentials()["app_id"])),
        Case(f"{name} secret a number", operation, errors.INVALID_PARAM,
             lambda c: c.fetch(path, app_id=c.credentials()["app_id"], app_secret=1)),
        Case(f"{name} malformed app id", operation, errors.INVALID_PARAM,
             lambda c: c.fetch(path, app_id="test", app_secret="test")),
        Case(f"{name} unknown app", operation, errors.APP_NOT_FOUND,
             lambda c: c.fetch(path, app_id="cli_0000000000000000", app_secret="x")),
        Case(f"{name} wrong secret", operation, errors.SECRET_INVALID,
             lambda c: c.fetch(path, **{**c.credentials(), "app_secret": "wrong"})),
        Case(f"{name} too often", operation, errors.FREQUENCY,
             lambda c: c.limited(lambda: c.fetch(path))),
        Case(f"{name} too often, older API", operation, errors.FREQUENCY,
             lambda c: c.limited(lambda: c.fetch(path), 400)),
        Case(f"{name} crash", operation, errors.INTERNAL_ERROR, _crash(path)),
        Case(f"{name} GET", operation, 405, lambda c: c.call(path, "GET")),
        Case(f"{name} big body", operation, 413, lambda c: c.call(path, data=c.too_large())),
    ]  # fmt: skip


CASES = [
    *token_cases("tenant token", TENANT_TOKEN_PATH, TENANT),
    *token_cases("app token", APP_TOKEN_PATH, APP),
    Case("bot ok", BOT, errors.OK, lambda c: c.bot(f"Bearer {c.token()}")),
    Case("bot lower-case scheme", BOT, errors.OK, lambda c: c.bot(f"bearer {c.token()}")),
    Case("bot no token", BOT, errors.TOKEN_MISSING, lambda c: c.bot(None)),
    Case("bot no Bearer", BOT, errors.TOKEN_MISSING, lambda c: c.bot(c.token())),
    Case("bot empty Bearer", BOT, errors.TOKEN_MISSING, lambda c: c.bot("Bearer ")),
    Case("bot unknown token", BOT, errors.TOKEN_INVALID, lambda c: c.bot("Bearer t-fakefakefakefake")),
    Case("bot expired token", BOT, errors.TOKEN_INVALID, _expired),
    Case("bot user token", BOT, errors.USER_TOKEN_INVALID, lambda c: c.bot("Bearer u-fakefakefakefake")),
    Case("bot JWT", BOT, errors.USER_TOKEN_INVALID, lambda c: c.bot("Bearer eyJhbGciOiJFUzI1NiIs")),
    Case("bot too often", BOT, errors.FREQUENCY, _bot_limited(429)),
    Case("bot too often, older API", BOT, errors.FREQUENCY, _bot_limited(400)),
    Case("bot crash", BOT, errors.INTERNAL_ERROR, _crash(BOT_INFO_PATH)),
    Case("bot POST", BOT, 405, lambda c: c.call(BOT_INFO_PATH, "POST")),
    Case("bot big body", BOT, 413, lambda c: c.call(BOT_INFO_PATH, "GET", data=c.too_large())),
]  # fmt: skip


def message_key(code: int, message: str) -> int | str:
    """The MESSAGES key whose envelope code and text these are."""
    keys = [k for k, text in errors.MESSAGES.items() if errors.code_of(k) == code and text == message]
    assert len(keys) == 1, f"({code}, {message!r}) is not exactly one entry of errors.MESSAGES: {keys}"
    return keys[0]


ANSWERS = AnswerTable(
    Context,
    CASES,
    errors.MESSAGES,
    text_key=lambda path, code, message: message_key(code, message),
    message="msg",
    by_message=True,
    key_order=branch_order,
    own_statuses=frozenset({400, 429}),
    frozen=True,
    outcome=lambda payload: message_key(payload["code"], payload["msg"]),
)


def test_frequency_headers_name_the_window(context: Context) -> None:
    answer = context.limited(lambda: context.fetch())
    assert answer.status_code == 429
    assert answer.headers["x-ogw-ratelimit-limit"] == "1"
    assert 1 <= int(answer.headers["x-ogw-ratelimit-reset"]) <= 1
