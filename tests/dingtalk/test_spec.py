"""specs/dingtalk.yaml: its values for the checks every spec gets (tests/test_specs.py), and the
cases that provoke each answer of the live mock, each held to what the spec declares for it.

DingTalk has two envelopes, neither pinning one code per oneOf branch (`errcode`/`errmsg`, and
`code`/`requestid`/`message` beside a success without a code), so its answers are checked here
by their code rather than through the shared AnswerTable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from provider_mocks import Mocks
from provider_mocks.contracts.checks import envelope_keys
from provider_mocks.providers.dingtalk import errors
from provider_mocks.providers.dingtalk.models import (
    ACCESS_TOKEN_PATH,
    INNER_APPS_PATH,
    TICKET_PATH,
    TOKEN_PATH,
)
from tests.specs import (
    LiveCase,
    LiveContext,
    Node,
    SpecTable,
    check_declared,
    live_context,
    load_spec,
    one_by_one,
)

SPEC = SpecTable(
    slug="dingtalk",
    openapi="3.0.3",
    envelope_keys=["errcode", "errmsg"],
    operations={
        (TOKEN_PATH, "GET"): "dingtalk.gettoken",
        (TICKET_PATH, "GET"): "dingtalk.get_jsapi_ticket",
        (ACCESS_TOKEN_PATH, "POST"): "dingtalk.access_token",
        (INNER_APPS_PATH, "GET"): "dingtalk.all_inner_apps",
    },
    marked=26,
)
TOKEN, TICKET = (TOKEN_PATH, "GET"), (TICKET_PATH, "GET")
NEW_TOKEN, APPS = (ACCESS_TOKEN_PATH, "POST"), (INNER_APPS_PATH, "GET")
HEADER = "x-acs-dingtalk-access-token"


@pytest.fixture(scope="module")
def spec() -> Node:
    return load_spec("dingtalk")


@dataclass
class Context(LiveContext):
    slug = "dingtalk"

    def creds(self, role: str = "demo") -> dict[str, str]:
        demo = self.demo(role)
        return {"appkey": demo["appkey"], "appsecret": demo["appsecret"]}

    def token(self) -> str:
        found: str = self.call(TOKEN_PATH, params=self.creds()).json()["access_token"]
        return found

    def settings(self, **changes: Any) -> None:
        """The model's settings changed for this case alone."""
        settings = self.mocks.model("dingtalk").config.settings
        for name, value in changes.items():
            self.monkeypatch.setattr(settings, name, value)

    def new_token(self, body: Any = None, **kwargs: Any) -> requests.Response:
        if body is None and not kwargs:
            demo = self.creds()
            body = {"appKey": demo["appkey"], "appSecret": demo["appsecret"]}
        return self.call(ACCESS_TOKEN_PATH, "POST", json=body, **kwargs)

    def apps(self, token: str | None) -> requests.Response:
        return self.call(INNER_APPS_PATH, headers={} if token is None else {HEADER: token})

    def ticket(self, token: str | None) -> requests.Response:
        return self.call(TICKET_PATH, params={} if token is None else {"access_token": token})


Case = LiveCase[Context]
context = live_context(Context)


def _crash(send: str) -> Any:
    def provoke(c: Context) -> requests.Response:
        c.crash("token")
        return c.call(TOKEN_PATH, params=c.creds()) if send == "legacy" else c.new_token()

    return provoke


def _limited(send: str, **limits: Any) -> Any:
    """The call made past a limit of 1 (the clock frozen): its second answer."""

    def provoke(c: Context) -> requests.Response:
        c.mocks.clock.freeze()
        c.settings(**limits)
        token = c.token()
        calls: dict[str, Callable[[], requests.Response]] = {
            "gettoken": lambda: c.call(TOKEN_PATH, params=c.creds()),
            "ticket": lambda: c.ticket(token),
            "new": lambda: c.new_token(),
            "apps": lambda: c.apps(token),
        }
        calls[send]()
        return calls[send]()

    return provoke


def _expired(send: str, **settings: Any) -> Any:
    def provoke(c: Context) -> requests.Response:
        c.settings(**settings)
        token = c.token()
        c.mocks.clock.advance(7200)
        return c.ticket(token) if send == "ticket" else c.apps(token)

    return provoke


SECOND = {"api_per_second": 1}
MINUTE = {"api_per_second": 100, "api_per_minute": 1}
MONTH = {"calls_per_month": 1, "api_per_second": 100}

CASES = [
    Case("gettoken ok", TOKEN, 0, lambda c: c.call(TOKEN_PATH, params=c.creds())),
    Case("gettoken no appkey", TOKEN, 41002, lambda c: c.call(TOKEN_PATH)),
    Case("gettoken no appsecret", TOKEN, 41004,
         lambda c: c.call(TOKEN_PATH, params={"appkey": c.creds()["appkey"]})),
    Case("gettoken wrong secret", TOKEN, 40089,
         lambda c: c.call(TOKEN_PATH, params={**c.creds(), "appsecret": "wrong"})),
    Case("gettoken POST", TOKEN, 43001, lambda c: c.call(TOKEN_PATH, "POST", params=c.creds())),
    Case("gettoken per second", TOKEN, 90018, _limited("gettoken", **SECOND)),
    Case("gettoken per minute", TOKEN, 90006, _limited("gettoken", **MINUTE)),
    Case("gettoken crash", TOKEN, -1, _crash("legacy")),
    Case("ticket ok", TICKET, 0, lambda c: c.ticket(c.token())),
    Case("ticket no token", TICKET, 41001, lambda c: c.ticket(None)),
    Case("ticket unknown token", TICKET, 40014, lambda c: c.ticket("0" * 32)),
    Case("ticket expired token", TICKET, 40014, _expired("ticket")),
    Case("ticket expired token, 42001", TICKET, 42001, _expired("ticket", expired_errcode=42001)),
    Case("ticket per second", TICKET, 90018, _limited("ticket", **SECOND)),
    Case("ticket per minute", TICKET, 90006, _limited("ticket", **MINUTE)),
    Case("ticket month", TICKET, 90020, _limited("ticket", **MONTH)),
    Case("new token ok", NEW_TOKEN, "ok", lambda c: c.new_token()),
    Case("new token form", NEW_TOKEN, errors.BODY_MISSING,
         lambda c: c.call(ACCESS_TOKEN_PATH, "POST", data=c.creds())),
    Case("new token no appKey", NEW_TOKEN, errors.APP_KEY_MISSING, lambda c: c.new_token({})),
    Case("new token no appSecret", NEW_TOKEN, errors.APP_SECRET_MISSING,
         lambda c: c.new_token({"appKey": "x"})),
    Case("new token wrong", NEW_TOKEN, errors.CLIENT_INVALID,
         lambda c: c.new_token({"appKey": "x", "appSecret": "y"})),
    Case("new token per second", NEW_TOKEN, errors.QPS_LIMIT, _limited("new", **SECOND)),
    Case("new token GET", NEW_TOKEN, errors.NOT_FOUND, lambda c: c.call(ACCESS_TOKEN_PATH, "GET")),
    Case("new token crash", NEW_TOKEN, errors.BUSY, _crash("new")),
    Case("new token too large", NEW_TOKEN, errors.TOO_LARGE, lambda c: c.new_token(data=c.too_large())),
    Case("apps ok", APPS, "ok", lambda c: c.apps(c.token())),
    Case("apps no token", APPS, errors.AUTHENTICATION, lambda c: c.apps(None)),
    Case("apps expired token", APPS, errors.AUTHENTICATION, _expired("apps")),
    Case("apps per minute", APPS, errors.QPS_LIMIT, _limited("apps", **MINUTE)),
    Case("apps month", APPS, errors.MONTH_LIMIT, _limited("apps", **MONTH)),
]  # fmt: skip


def code_of(payload: dict[str, Any]) -> Any:
    """An answer's code: its errcode, its new-API code, or "ok" for a new-API success."""
    return payload.get("errcode", payload.get("code", "ok"))


def check(spec: Node, case: Case, answer: requests.Response) -> Any:
    """The answer is one the spec declares for the case's operation, its keys in the order the
    matching branch (else the operation, else the spec) documents; returns its code."""
    path, method = case.operation
    operation = spec["paths"][path][method.lower()]
    payload = check_declared(
        spec,
        case.operation,
        case.name,
        answer,
        lambda _, body: list(envelope_keys(spec, operation, answer.status_code, body) or []),
    )
    code = code_of(payload)
    if code not in (0, "ok"):
        assert payload.get("errmsg", payload.get("message")) == text(code, payload), case.name
    if "requestid" in payload:
        assert answer.headers["x-acs-request-id"] == payload["requestid"], case.name
    return code


def text(code: Any, payload: dict[str, Any]) -> str:
    """The text errors.MESSAGES gives `code`, its blanks as the answer filled them."""
    template = errors.MESSAGES[code]
    sent = str(payload.get("errmsg", payload.get("message")))
    if "{" not in template:
        return template
    head = template.partition("{")[0]
    assert sent.startswith(head), (code, sent)
    return sent


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_mock_answer_is_declared(case: Case, context: Context, spec: Node) -> None:
    answer = case.send(context)
    assert check(spec, case, answer) == case.expected, f"{case.name}: {answer.text}"


def test_the_cases_reach_every_code_of_errors_py(
    context: Context, spec: Node, mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every code the mock can send on its operations is provoked above, and declared in the spec."""
    seen = {check(spec, case, case.send(context)) for case in one_by_one(CASES, context, mocks, monkeypatch)}
    off_operations = {400, 404, 405, 413, 414, errors.BAD_REQUEST, errors.URI_TOO_LONG, errors.METHOD_UNKNOWN}
    assert seen | off_operations == set(errors.MESSAGES) | {"ok"}
    written = str(spec)
    for code in set(errors.MESSAGES) - off_operations - {0, -1}:
        assert str(code) in written, f"{code} is not in the spec"


def test_every_example_matches_its_schema_and_its_text(spec: Node) -> None:
    from tests.specs import media, operations, resolve, schema_errors

    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            _, body = media(spec, response)
            examples = [resolve(spec, e)["value"] for e in body.get("examples", {}).values()]
            examples += [body["example"]] if "example" in body else []
            for value in examples:
                assert schema_errors(spec, body["schema"], value) == [], (method, path, status, value)
                code = code_of(value)
                if code not in (0, "ok"):
                    assert value.get("errmsg", value.get("message")) == text(code, value), value


def test_new_api_operations_say_their_own_content_type(spec: Node) -> None:
    from provider_mocks.providers.dingtalk.routes import LEGACY_CONTENT_TYPE, NEW_CONTENT_TYPE

    assert spec["x-content-type"] == LEGACY_CONTENT_TYPE
    for path in (ACCESS_TOKEN_PATH, INNER_APPS_PATH):
        (operation,) = spec["paths"][path].values()
        assert operation["x-content-type"] == NEW_CONTENT_TYPE
