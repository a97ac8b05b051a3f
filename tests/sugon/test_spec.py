"""specs/sugon.yaml: its values for the checks every spec gets (tests/test_specs.py), the cases
that provoke each answer of the live mock, and what only Sugon's spec is checked for.

Key order: the top-level `x-envelope-keys` holds for every answer except those of an
operation with its own (the AK/SK token endpoint) and those matching a schema with its own
`x-envelope-keys` (the renewal's success answer).

Texts: one code may have its own text on one operation (10009 on the AK/SK endpoint); the
spec pins, for each operation, the text `errors.MESSAGES` gives the code there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import requests

from provider_mocks.core.provider import text_key
from provider_mocks.providers.sugon import errors
from provider_mocks.providers.sugon.paths import (
    AKSK_PATH,
    CENTER_PATH,
    OPERATIONS,
    RENEW_PATH,
    STATE_PATH,
    TOKENS_PATH,
    USER_PATH,
)
from tests.specs import (
    AnswerTable,
    LiveCase,
    LiveContext,
    Node,
    SpecTable,
    branch_order,
    branch_pins,
    branches,
    declared_codes,
    load_spec,
    media,
    operations,
    resolve,
    schema_errors,
)

from .helpers import ACTIVE, DAY, RENEW_ONLY, key_headers

#: The spec's operations by a short name: (path, method).
TOKENS, KEY, RENEW = (TOKENS_PATH, "POST"), (AKSK_PATH, "POST"), (RENEW_PATH, "POST")
STATE, CENTER, USER = (STATE_PATH, "GET"), (CENTER_PATH, "GET"), (USER_PATH, "GET")

SPEC = SpecTable(
    slug="sugon",
    openapi="3.0.3",
    envelope_keys=["code", "msg", "data"],
    # each served by the endpoint named as its operation
    operations={op: f"sugon.{OPERATIONS[op[0]]}" for op in (TOKENS, KEY, RENEW, STATE, CENTER, USER)},
)


@pytest.fixture(scope="module")
def spec() -> Node:
    return load_spec("sugon")


def branch_code(spec: Node, branch: Node) -> str:
    """The one code a oneOf branch pins."""
    code: str = branch_pins(spec, branch, "msg")[0]
    return code


def text_key_on(path: str, code: str, message: str) -> str:
    """The errors.MESSAGES key of the code's text on the operation of `path`: its own, else the code's."""
    key = text_key(code, OPERATIONS[path])
    return key if key in errors.MESSAGES else code


# -- the spec on its own --------------------------------------------------------


def test_every_platform_code_is_declared(spec: Node) -> None:
    codes = {code for *_, code in declared_codes(spec, "msg")}
    http_level = {"400", "404", "405", "413"}
    assert {errors.code_of(key) for key in errors.MESSAGES} - http_level <= codes
    assert {"0", "10001", "10003", "10004", "10007", "10008", "10009"} <= codes


def test_only_the_renewal_success_and_the_aksk_answers_have_their_own_key_order(spec: Node) -> None:
    own = {
        (path, method, branch_code(spec, b)): b["x-envelope-keys"]
        for path, method, operation in operations(spec)
        for response in operation["responses"].values()
        for b in branches(spec, media(spec, response)[1]["schema"])
        if "x-envelope-keys" in b
    }
    assert own == {(RENEW_PATH, "POST", "0"): ["msg", "code", "data"]}
    by_operation = {
        (path, method): op["x-envelope-keys"]
        for path, method, op in operations(spec)
        if "x-envelope-keys" in op
    }
    assert by_operation == {(AKSK_PATH, "POST"): ["msg", "code", "data"]}


def test_the_aksk_endpoint_has_its_own_10009_text(spec: Node) -> None:
    answers = declared_codes(spec, "msg")
    assert answers[(AKSK_PATH, "POST", 200, "10009")] == "校验失败"
    assert answers[(CENTER_PATH, "GET", 200, "10009")] == "没有权限访问接口"
    assert answers[(USER_PATH, "GET", 200, "10009")] == "没有权限访问接口"


def test_the_doc_example_renewal_answer_validates(spec: Node) -> None:
    """The documentation's own example answer, verbatim."""
    example = {
        "msg": "success",
        "code": "0",
        "data": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJjb21wdXRlVXNlciI6Imhhb3dqIiwiYWNjb3VudFN0YXR1cyI6Ik93ZSIsImNyZWF0b3IiOiJhYyIsInJvbGUiOiIxIiwiZXhw"
        "aXJlVGltZSI6IjE2MzQxNzg5ODQ0OTgiLCJjbHVzdGVySWQiOiIxMTEyNiIsImludm9rZXIiOiIyd2VhZGdlcWEiLCJ1c2VyIjoi"
        "aGFvd2oifQ.LUOEH3_7GjbdizcRhdPSpUxkg0mza8XM6Bd3_5ZAa-I",
    }
    schema = {"$ref": "#/components/schemas/RenewAnswer"}
    assert schema_errors(spec, schema, example) == []
    assert branch_order(spec, (RENEW_PATH, "POST"), schema, example) == list(example)


def test_the_public_center_example_validates(spec: Node) -> None:
    """SCNet's 获取授权区域 example (public copy: wcpsoft/scnet_sdk), its URL placeholders filled in."""
    example = {
        "code": "0",
        "msg": "success",
        "data": {
            "id": 11112,
            "name": "OpenAPI计算中心",
            "description": "对外OpenAPI中心",
            "clusterUserInfo": {"userName": "test", "homePath": "/public/home/test"},
            "ingressUrls": [
                {"enable": "true", "isManagerNode": "true", "version": "5.2.2", "url": "https://www.scnet.cn"}
            ],
            "efileUrls": [
                {
                    "nodeName": "h04r3n07",
                    "enable": "true",
                    "fastTransEnable": "true",
                    "udpPort": "65104",
                    "version": "2.6.1",
                    "url": "https://www.scnet.cn/efile",
                }
            ],
            "eshellUrls": [{"enable": "true", "version": "2.4.3", "url": "https://www.scnet.cn/eshell"}],
            "hpcUrls": [
                {
                    "enable": "true",
                    "isManagerNode": "true",
                    "version": "5.2.2",
                    "url": "https://www.scnet.cn/hpc",
                }
            ],
            "aiUrls": [{"enable": "true", "version": "2.4.3", "url": "https://www.scnet.cn/ai"}],
        },
    }
    assert schema_errors(spec, {"$ref": "#/components/schemas/CenterAnswer"}, example) == []


def test_decided_operations_and_codes_are_assumed(spec: Node) -> None:
    """Only the renewal is documented; the other operations come from public material."""
    sources = {(path, method): op["x-source"] for path, method, op in operations(spec)}
    assert sources == {
        TOKENS: "public",
        KEY: "public",
        RENEW: "doc",
        STATE: "public",
        CENTER: "public",
        USER: "public",
    }
    for name in ("UserFrozen", "SignatureRefused", "CenterOk", "UserOk"):
        assert resolve(spec, {"$ref": f"#/components/schemas/{name}"})["x-assumed"] is True, name


# -- the spec against the running mock ------------------------------------------


@dataclass
class Context(LiveContext):
    slug = "sugon"

    def credentials(self, role: str = "demo") -> dict[str, str]:
        found = self.demo(role)
        return {k: v for k, v in found.items() if k != "note"}

    def login(self, role: str = "demo", **override: str) -> requests.Response:
        creds = self.credentials(role) | override
        return self.call(TOKENS_PATH, "POST", headers=creds)

    def key_login(self, **override: str) -> requests.Response:
        stamp = int(self.mocks.clock.time())
        return self.call(AKSK_PATH, "POST", headers=key_headers(self.credentials("aksk"), stamp, **override))

    def token(self, cluster_id: str = ACTIVE) -> str:
        answer = self.login().json()
        assert answer["code"] == errors.OK, answer
        found: str = next(item["token"] for item in answer["data"] if item["clusterId"] == cluster_id)
        return found

    def with_token(self, operation: tuple[str, str], jwt: str) -> requests.Response:
        return self.call(operation[0], operation[1], headers={"token": jwt})

    def expired(self, operation: tuple[str, str], seconds: float) -> requests.Response:
        jwt = self.token()
        self.mocks.clock.advance(seconds)
        return self.with_token(operation, jwt)

    def frozen(self, operation: tuple[str, str]) -> requests.Response:
        jwt = self.token()
        user = self.credentials()["user"]
        self.http.patch(
            f"{self.base_url}/__admin/sugon/users/{user}", json={"frozen": True}
        ).raise_for_status()
        return self.with_token(operation, jwt)

    def crashed(self, operation: tuple[str, str], method: str) -> requests.Response:
        jwt = self.token()
        self.crash(method)
        return self.with_token(operation, jwt)


Case = LiveCase[Context]


def _login_crash(c: Context) -> requests.Response:
    c.crash("login")
    return c.login()


def _key_crash(c: Context) -> requests.Response:
    c.crash("login_with_key")
    return c.key_login()


def _key_frozen(c: Context) -> requests.Response:
    user = c.credentials("aksk")["user"]
    c.http.patch(f"{c.base_url}/__admin/sugon/users/{user}", json={"frozen": True}).raise_for_status()
    return c.key_login()


def _not_allowed(operation: tuple[str, str]) -> Callable[[Context], requests.Response]:
    """A call of `operation` with a token of a region that may call nothing."""

    def send(c: Context) -> requests.Response:
        c.http.patch(f"{c.base_url}/__admin/sugon/regions/{ACTIVE}", json={"apis": []}).raise_for_status()
        return c.with_token(operation, c.token())

    return send


CASES = [
    Case("tokens ok", TOKENS, "0", lambda c: c.login()),
    Case("tokens no headers", TOKENS, "10003", lambda c: c.call(TOKENS_PATH, "POST")),
    Case("tokens wrong password", TOKENS, "10004", lambda c: c.login(password="wrong")),
    Case("tokens frozen", TOKENS, "10007", lambda c: c.login("frozen")),
    Case("tokens crash", TOKENS, "10001", _login_crash),
    Case("tokens GET", TOKENS, "405", lambda c: c.call(TOKENS_PATH, "GET")),
    Case("tokens big body", TOKENS, "413", lambda c: c.call(TOKENS_PATH, "POST", data=c.too_large())),
    Case("key ok", KEY, "0", lambda c: c.key_login()),
    Case("key no headers", KEY, "10003", lambda c: c.call(AKSK_PATH, "POST")),
    Case("key unknown", KEY, "10004", lambda c: c.key_login(accessKey="0" * 32)),
    Case("key bad signature", KEY, "10009", lambda c: c.key_login(signature="0" * 64)),
    Case("key frozen", KEY, "10007", _key_frozen),
    Case("key crash", KEY, "10001", _key_crash),
    Case("key PUT", KEY, "405", lambda c: c.call(AKSK_PATH, "PUT")),
    Case("key big body", KEY, "413", lambda c: c.call(AKSK_PATH, "POST", data=c.too_large())),
    Case("renew ok", RENEW, "0", lambda c: c.with_token(RENEW, c.token())),
    Case("renew no token", RENEW, "10003", lambda c: c.call(RENEW_PATH, "POST")),
    Case("renew forged", RENEW, "10004", lambda c: c.with_token(RENEW, c.token()[:-2])),
    Case("renew frozen", RENEW, "10007", lambda c: c.frozen(RENEW)),
    Case("renew too late", RENEW, "10008", lambda c: c.expired(RENEW, 2 * DAY + 60)),
    Case("renew not allowed", RENEW, "10009", _not_allowed(RENEW)),
    Case("renew crash", RENEW, "10001", lambda c: c.crashed(RENEW, "renew")),
    Case("renew GET", RENEW, "405", lambda c: c.call(RENEW_PATH, "GET")),
    Case("renew big body", RENEW, "413", lambda c: c.call(RENEW_PATH, "POST", data=c.too_large())),
    Case("state ok", STATE, "0", lambda c: c.with_token(STATE, c.token("0"))),
    Case("state no token", STATE, "10003", lambda c: c.call(STATE_PATH, "GET")),
    Case("state forged", STATE, "10004", lambda c: c.with_token(STATE, "a.b.c")),
    Case("state frozen", STATE, "10007", lambda c: c.frozen(STATE)),
    Case("state expired", STATE, "10008", lambda c: c.expired(STATE, DAY)),
    Case("state crash", STATE, "10001", lambda c: c.crashed(STATE, "state")),
    Case("state POST", STATE, "405", lambda c: c.call(STATE_PATH, "POST")),
    Case("state big body", STATE, "413", lambda c: c.call(STATE_PATH, "GET", data=c.too_large())),
    Case("center ok", CENTER, "0", lambda c: c.with_token(CENTER, c.token())),
    Case("center no token", CENTER, "10003", lambda c: c.call(CENTER_PATH, "GET")),
    Case("center forged", CENTER, "10004", lambda c: c.with_token(CENTER, "x")),
    Case("center frozen", CENTER, "10007", lambda c: c.frozen(CENTER)),
    Case("center expired", CENTER, "10008", lambda c: c.expired(CENTER, DAY)),
    Case("center not allowed", CENTER, "10009", lambda c: c.with_token(CENTER, c.token(RENEW_ONLY))),
    Case("center crash", CENTER, "10001", lambda c: c.crashed(CENTER, "center")),
    Case("center DELETE", CENTER, "405", lambda c: c.call(CENTER_PATH, "DELETE")),
    Case("center big body", CENTER, "413", lambda c: c.call(CENTER_PATH, "GET", data=c.too_large())),
    Case("user ok", USER, "0", lambda c: c.with_token(USER, c.token(RENEW_ONLY))),
    Case("user no token", USER, "10003", lambda c: c.call(USER_PATH, "GET")),
    Case("user forged", USER, "10004", lambda c: c.with_token(USER, "a.b")),
    Case("user frozen", USER, "10007", lambda c: c.frozen(USER)),
    Case("user expired", USER, "10008", lambda c: c.expired(USER, DAY)),
    Case("user not allowed", USER, "10009", _not_allowed(USER)),
    Case("user crash", USER, "10001", lambda c: c.crashed(USER, "account")),
    Case("user PATCH", USER, "405", lambda c: c.call(USER_PATH, "PATCH")),
    Case("user big body", USER, "413", lambda c: c.call(USER_PATH, "GET", data=c.too_large())),
]  # fmt: skip


ANSWERS = AnswerTable(
    Context,
    CASES,
    errors.MESSAGES,
    undeclared=frozenset({"400", "404"}),
    text_key=text_key_on,
    code_type=str,
    message="msg",
    key_order=branch_order,
    frozen=True,
)
