"""specs/wecom.yaml: its values for the checks every spec gets (tests/test_specs.py), and the spec
held to errors.py and to the live mock.

WeCom's error answers share one schema (`Failure`): the platform writes each errmsg with a hint
that changes every answer, so no branch can pin a text. Instead every code of errors.MESSAGES is
provoked here from the live mock, each answer is one the spec declares (status, Content-Type,
schema, key order), and its errmsg is the code's text with the platform's hint.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from provider_mocks.providers.wecom import errors
from provider_mocks.providers.wecom.models import DOMAIN_IP_PATH, TOKEN_PATH
from tests.specs import (
    LiveCase,
    LiveContext,
    Node,
    SpecTable,
    branch_order,
    check_declared,
    live_context,
    load_spec,
    media,
    one_by_one,
    operations,
    resolve,
    schema_errors,
)

SPEC = SpecTable(
    slug="wecom",
    openapi="3.0.3",
    envelope_keys=["errcode", "errmsg"],
    operations={(TOKEN_PATH, "GET"): "wecom.gettoken", (DOMAIN_IP_PATH, "GET"): "wecom.get_api_domain_ip"},
    marked=10,
)
TOKEN, DOMAIN_IP = (TOKEN_PATH, "GET"), (DOMAIN_IP_PATH, "GET")
#: An error's errmsg: the code's text, then the platform's hint [public].
HINTED = re.compile(r"^(?P<text>.+?), hint: \[[^\]]+\], from ip: [^,]*, more info at \S+\?e=(?P<code>-?\d+)$")


@pytest.fixture(scope="module")
def spec() -> Node:
    return load_spec("wecom")


@dataclass
class Context(LiveContext):
    slug = "wecom"

    def call(self, path: str, method: str | None = None, **kwargs: Any) -> requests.Response:
        """WeCom's real paths under its prefix (its host is tested in tests/wecom/test_model.py)."""
        return self.http.request(method or self.method, f"{self.base_url}/wecom{path}", **kwargs)

    def app_of(self, role: str = "demo") -> dict[str, str]:
        found = self.demo(role)
        return {"corpid": found["corpid"], "corpsecret": found["corpsecret"]}

    def fetch(self, **params: str) -> requests.Response:
        return self.call(TOKEN_PATH, params=params)

    def token(self) -> str:
        token: str = self.fetch(**self.app_of()).json()["access_token"]
        return token

    def domain_ip(self, token: str | None) -> requests.Response:
        return self.call(DOMAIN_IP_PATH, params={} if token is None else {"access_token": token})

    def limited(self, send: Any) -> requests.Response:
        """`send` again once a corp's minute allows one call of each API."""
        self.monkeypatch.setattr(self.mocks.model("wecom").config.settings, "api_per_minute", 1)
        send(self)
        found: requests.Response = send(self)
        return found


Case = LiveCase[Context]
context = live_context(Context)


def _crashed(
    method: str, send: Callable[[Context, str], requests.Response]
) -> Callable[[Context], requests.Response]:
    def crash(c: Context) -> requests.Response:
        token = c.token()
        c.crash(method)
        return send(c, token)

    return crash


def _domain_ip_too_often(c: Context) -> requests.Response:
    token = c.token()
    return c.limited(lambda c: c.domain_ip(token))


def _expired(c: Context) -> requests.Response:
    token = c.token()
    c.mocks.clock.advance(7200)
    return c.domain_ip(token)


CASES = [
    Case("token ok", TOKEN, errors.OK, lambda c: c.fetch(**c.app_of())),
    Case("token no secret", TOKEN, errors.SECRET_MISSING, lambda c: c.fetch(corpid=c.app_of()["corpid"])),
    Case("token nothing", TOKEN, errors.SECRET_MISSING, lambda c: c.fetch()),
    Case("token no corpid", TOKEN, errors.CORPID_MISSING, lambda c: c.fetch(corpsecret="x")),
    Case("token unknown corp", TOKEN, errors.INVALID_CORPID, lambda c: c.fetch(corpid="ww0", corpsecret="x")),
    Case("token wrong secret", TOKEN, errors.INVALID_SECRET,
         lambda c: c.fetch(corpid=c.app_of()["corpid"], corpsecret="wrong")),
    Case("token too often", TOKEN, errors.FREQUENCY, lambda c: c.limited(lambda c: c.fetch(**c.app_of()))),
    Case("token crash", TOKEN, errors.SYSTEM_BUSY, _crashed("token", lambda c, _: c.fetch(**c.app_of()))),
    Case("token POST", TOKEN, 405, lambda c: c.call(TOKEN_PATH, "POST", params=c.app_of())),
    Case("domain ip ok", DOMAIN_IP, errors.OK, lambda c: c.domain_ip(c.token())),
    Case("domain ip no token", DOMAIN_IP, errors.TOKEN_MISSING, lambda c: c.domain_ip(None)),
    Case("domain ip unknown token", DOMAIN_IP, errors.INVALID_TOKEN, lambda c: c.domain_ip("not-a-token")),
    Case("domain ip expired token", DOMAIN_IP, errors.TOKEN_EXPIRED, _expired),
    Case("domain ip too often", DOMAIN_IP, errors.FREQUENCY, _domain_ip_too_often),
    Case("domain ip crash", DOMAIN_IP, errors.SYSTEM_BUSY, _crashed("api_domain_ip", Context.domain_ip)),
    Case("domain ip PUT", DOMAIN_IP, 405, lambda c: c.call(DOMAIN_IP_PATH, "PUT")),
]  # fmt: skip

#: Codes answered off the operations (a request the platform's server never routes): HTTP-level.
UNDECLARED = {400, 404, 413, 414}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_answer_is_declared_with_its_code_and_text(case: Case, context: Context, spec: Node) -> None:
    answer = case.send(context)
    payload = check_declared(
        spec,
        case.operation,
        case.name,
        answer,
        lambda schema, p: branch_order(spec, case.operation, schema, p),
    )
    assert payload["errcode"] == case.expected, answer.text
    if case.expected == errors.OK:
        assert payload["errmsg"] == errors.MESSAGES[errors.OK]
    else:
        hinted = HINTED.match(payload["errmsg"])
        assert hinted is not None, payload["errmsg"]
        assert (hinted["text"], int(hinted["code"])) == (errors.MESSAGES[case.expected], case.expected)


def test_the_cases_reach_every_code_of_errors_py(context: Context, mocks: Any, monkeypatch: Any) -> None:
    """Every code the mock may answer on its operations is provoked (and so held to the spec above)."""
    seen = {case.send(context).json()["errcode"] for case in one_by_one(CASES, context, mocks, monkeypatch)}
    assert seen == set(errors.MESSAGES) - UNDECLARED


@pytest.mark.parametrize("operation", [TOKEN, DOMAIN_IP], ids=["gettoken", "get_api_domain_ip"])
def test_examples_match_their_schema_in_its_key_order(spec: Node, operation: tuple[str, str]) -> None:
    found = {(path, method): op for path, method, op in operations(spec)}[operation]
    examples = []
    for response in found["responses"].values():
        _, body = media(spec, resolve(spec, response))
        values = [resolve(spec, example)["value"] for example in body.get("examples", {}).values()]
        for value in [*values, *([body["example"]] if "example" in body else [])]:
            assert schema_errors(spec, body["schema"], value) == [], value
            assert list(value) == branch_order(spec, operation, body["schema"], value)
            examples.append(value["errcode"])
    assert errors.OK in examples
    assert any(code != errors.OK for code in examples)
