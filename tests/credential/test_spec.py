"""specs/credential.yaml: its values for the checks every spec gets (tests/test_specs.py), the
cases that provoke each answer of the live mock, and what only the credential platform's spec is
checked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
import requests

from provider_mocks.providers.credential import errors
from provider_mocks.providers.credential.models import DEMO_ECHO, TOKEN_PATH
from tests.specs import (
    AnswerTable,
    LiveCase,
    Node,
    SpecTable,
    TokenContext,
    declared_codes,
    live_context,
    load_spec,
    schema_errors,
)

ENVELOPE_KEYS = ["code", "message", "_trackId", "data", "extr", "timestamp", "_status", "ok"]

SPEC = SpecTable(
    slug="credential",
    openapi="3.0.3",
    envelope_keys=ENVELOPE_KEYS,
    operations={(TOKEN_PATH, "POST"): None, (DEMO_ECHO, "POST"): None},
)


@pytest.fixture(scope="module")
def spec() -> Node:
    return load_spec("credential")


# -- the spec on its own --------------------------------------------------------


def test_every_platform_code_is_declared_on_some_operation(spec: Node) -> None:
    codes = {code for *_, code in declared_codes(spec)}
    platform = {code for code in errors.MESSAGES if isinstance(code, int) and code >= 10000}
    assert platform == {10101, 10102, 10103, 10104, 10106, 10131, 10133, 10134}
    assert platform <= codes


def test_codes_the_mock_cannot_send_are_described_not_declared(spec: Node) -> None:
    codes = {code for *_, code in declared_codes(spec)}
    for code, message in (
        (10132, "签名验证失败，请按照文档重新生成签名！"),
        (10135, "解密合作方应用请求数据失败，请联系管理员！"),
    ):
        assert code not in codes
        assert code not in errors.MESSAGES
        assert f"{code}" in spec["info"]["description"]
        assert message in spec["info"]["description"]


def test_the_decided_demo_api_is_marked_assumed(spec: Node) -> None:
    operation = spec["paths"][DEMO_ECHO]["post"]
    assert (operation["x-source"], operation["x-assumed"]) == ("decided", True)


# -- the envelope and trackId -------------------------------------------------


def test_envelope_keys_are_the_captured_order(spec: Node) -> None:
    assert spec["x-envelope-key-aliases"] == {"trackId": "_trackId"}
    envelope = spec["components"]["schemas"]["Envelope"]
    assert [k for k in envelope["properties"] if k != "trackId"] == ENVELOPE_KEYS


def _answer(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": 10134,
        "message": "非法的AccessToken或已失效，请重新获取！",
        "_trackId": None,
        "data": None,
        "extr": None,
        "timestamp": 1772337600000,
        "_status": None,
        "ok": False,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v != "DROP"}


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        (_answer(), True),
        (_answer(_trackId="DROP", trackId=None), True),  # the documentation's spelling
        (_answer(_trackId="abc"), True),
        (_answer(trackId=None), False),  # both spellings at once
        (_answer(_trackId="DROP"), False),  # neither
        (_answer(extr="DROP"), False),
        (_answer(extra=1), False),
        (_answer(timestamp=1.5), False),
        (_answer(ok=True), False),
        (_answer(data="x"), False),
    ],
)
def test_echo_answer_schema_accepts_either_track_id_spelling(
    spec: Node, body: dict[str, Any], accepted: bool
) -> None:
    schema = spec["paths"][DEMO_ECHO]["post"]["responses"]["200"]["content"][
        "application/json;charset=UTF-8"
    ]["schema"]
    assert (schema_errors(spec, schema, body) == []) is accepted, body


# -- the spec against the running mock ------------------------------------------

#: The spec's operations by a short name: (path, method).
TOKEN, ECHO = (TOKEN_PATH, "POST"), (DEMO_ECHO, "POST")


@dataclass
class Context(TokenContext):
    slug = "credential"
    method = "POST"
    token_path = TOKEN_PATH
    fields = ("clientId", "secret")
    extra: ClassVar[dict[str, str]] = {"userType": "2"}
    token_at = ("data",)

    def headers(self) -> dict[str, str]:
        """Both business headers, with a live token of the demo app."""
        return {"Access-Token": self.token(), "Request-Id": "r-1"}

    def echo(self, token: str | None, body: Any = None, request_id: str | None = "r-1") -> requests.Response:
        headers = {"Access-Token": token, "Request-Id": request_id}
        return self.call(DEMO_ECHO, headers={k: v for k, v in headers.items() if v is not None}, json=body)

    def admin(self, path: str, body: dict[str, Any]) -> None:
        answer = self.http.patch(f"{self.base_url}/__admin/credential{path}", json=body)
        assert answer.status_code == 200, answer.text


Case = LiveCase[Context]
context = live_context(Context)


def _token_crash(c: Context) -> requests.Response:
    c.crash("issue_token")
    return c.fetch(**c.credentials())


def _echo_crash(c: Context) -> requests.Response:
    token = c.token()
    c.crash("authorize")
    return c.echo(token)


def _request_id_required(c: Context) -> requests.Response:
    c.monkeypatch.setattr(c.mocks.model("credential").config.settings, "require_request_id", True)
    return c.echo(c.token(), BODY, None)


def _expired(c: Context) -> requests.Response:
    token = c.token()
    c.mocks.clock.advance(7200)
    return c.echo(token)


def _disabled_since(path: str, body: dict[str, Any]) -> Callable[[Context], requests.Response]:
    def send(c: Context) -> requests.Response:
        token = c.token()
        c.admin(path.replace("CLIENT", c.credentials()["clientId"]), body)
        return c.echo(token, {"a": 1})

    return send


BODY = {"名称": "合作方", "items": [1, 2], "nested": {"a": None}}

CASES = [
    Case("token ok", TOKEN, errors.OK, lambda c: c.fetch(**c.credentials())),
    Case("token ok in the body", TOKEN, errors.OK, lambda c: c.call(TOKEN_PATH, data=c.credentials())),
    Case("token no params", TOKEN, errors.MISSING_PARAMETERS, lambda c: c.fetch()),
    Case("token json body", TOKEN, errors.MISSING_PARAMETERS,
         lambda c: c.call(TOKEN_PATH, json=c.credentials())),
    Case("token user type 1", TOKEN, errors.MISSING_PARAMETERS,
         lambda c: c.fetch(**{**c.credentials(), "userType": "1"})),
    Case("token unknown client", TOKEN, errors.UNKNOWN_CLIENT,
         lambda c: c.fetch(**{**c.credentials(), "clientId": "nobody"})),
    Case("token wrong secret", TOKEN, errors.WRONG_SECRET,
         lambda c: c.fetch(**{**c.credentials(), "secret": "wrong"})),
    Case("token disabled app", TOKEN, errors.APP_DISABLED, lambda c: c.fetch(**c.credentials("disabled"))),
    Case("token disabled partner", TOKEN, errors.PARTNER_DISABLED,
         lambda c: c.fetch(**c.credentials("partner_off"))),
    Case("token ip refused", TOKEN, errors.IP_REFUSED, lambda c: c.fetch(**c.credentials("ip_limited"))),
    Case("token crash", TOKEN, errors.SYSTEM_ERROR, _token_crash),
    Case("token GET", TOKEN, 405, lambda c: c.call(TOKEN_PATH, "GET", params=c.credentials())),
    Case("token big body", TOKEN, 413, lambda c: c.call(TOKEN_PATH, data=c.too_large())),
    Case("echo ok", ECHO, errors.OK, lambda c: c.echo(c.token(), BODY)),
    Case("echo empty body", ECHO, errors.OK, lambda c: c.echo(c.token())),
    Case("echo no token", ECHO, errors.MISSING_PARAMETERS, lambda c: c.echo(None, BODY)),
    Case("echo no request id", ECHO, errors.OK, lambda c: c.echo(c.token(), BODY, None)),
    Case("echo no request id, required", ECHO, errors.MISSING_PARAMETERS, _request_id_required),
    Case("echo not json", ECHO, errors.MISSING_PARAMETERS,
         lambda c: c.call(DEMO_ECHO, headers=c.headers(), data=b"{not json")),
    Case("echo bad token", ECHO, errors.TOKEN_INVALID, lambda c: c.echo("not-a-token", BODY)),
    Case("echo expired token", ECHO, errors.TOKEN_INVALID, _expired),
    Case("echo app disabled since", ECHO, errors.APP_DISABLED,
         _disabled_since("/apps/CLIENT", {"disabled": True})),
    Case("echo partner disabled since", ECHO, errors.PARTNER_DISABLED,
         _disabled_since("/partners/partner-demo", {"disabled": True})),
    Case("echo ip refused", ECHO, errors.IP_REFUSED,
         _disabled_since("/apps/CLIENT", {"ip_allowlist": ["192.0.2.1"]})),
    Case("echo not granted", ECHO, errors.NOT_GRANTED, lambda c: c.echo(c.token("not_granted"), BODY)),
    Case("echo crash", ECHO, errors.SYSTEM_ERROR, _echo_crash),
    Case("echo PUT", ECHO, 405, lambda c: c.call(DEMO_ECHO, "PUT", json=BODY)),
    Case("echo big body", ECHO, 413, lambda c: c.call(DEMO_ECHO, headers=c.headers(), data=c.too_large())),
]  # fmt: skip


def text_key(path: str, code: int, message: str | None) -> int | None:
    """An answer's errors.MESSAGES key: its code; success has a null message, and no entry."""
    return None if code == errors.OK else code


ANSWERS = AnswerTable(Context, CASES, errors.MESSAGES, text_key=text_key)


def test_echo_answers_hold_what_was_sent(context: Context) -> None:
    assert context.echo(context.token(), BODY).json()["data"] == BODY
