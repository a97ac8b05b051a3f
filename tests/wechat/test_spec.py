"""specs/wechat.yaml: its values for the checks every spec gets (tests/test_specs.py), the cases
that provoke each answer of the live mock, and what only WeChat's spec is checked for.

A success of a token or of get_api_domain_ip carries no errcode: it stands for code 0, "ok"
(`AnswerTable.bare`). An error's errmsg is its text and the request's id: each branch pins the
text in `x-text`, its `pattern` takes either.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from provider_mocks.providers.wechat import errors
from provider_mocks.providers.wechat.models import (
    CLEAR_PATH,
    CLEAR_V2_PATH,
    DOMAIN_IP_PATH,
    QUOTA_PATH,
    STABLE_PATH,
    TOKEN_PATH,
)
from tests.specs import (
    AnswerTable,
    LiveCase,
    LiveContext,
    Node,
    Operation,
    SpecTable,
    answer_branches,
    branch_order,
    live_context,
    load_spec,
    resolve,
    schema_errors,
)

from .helpers import MOUNT, credentials, text_of

TOKEN, STABLE, QUOTA = (TOKEN_PATH, "GET"), (STABLE_PATH, "POST"), (QUOTA_PATH, "POST")
CLEAR, CLEAR_V2, DOMAIN_IP = (CLEAR_PATH, "POST"), (CLEAR_V2_PATH, "POST"), (DOMAIN_IP_PATH, "GET")
OPERATIONS: dict[Operation, str | None] = {
    TOKEN: "wechat.token",
    STABLE: "wechat.stable_token",
    QUOTA: "wechat.get_api_quota",
    CLEAR: "wechat.clear_quota",
    CLEAR_V2: "wechat.clear_quota_v2",
    DOMAIN_IP: "wechat.get_api_domain_ip",
}

SPEC = SpecTable(
    slug="wechat", openapi="3.0.3", envelope_keys=["errcode", "errmsg"], operations=OPERATIONS, marked=55
)


@pytest.fixture(scope="module")
def spec() -> Node:
    return load_spec("wechat")


# -- the spec on its own --------------------------------------------------------


def test_every_code_of_errors_py_is_declared_with_its_text(spec: Node) -> None:
    declared = {
        pinned["x-text"]
        for *_, branch in answer_branches(spec)
        for part in branch.get("allOf", [])
        if (pinned := resolve(spec, part).get("properties", {}).get("errmsg", {})) and "x-text" in pinned
    }
    sent = {text for code, text in errors.MESSAGES.items() if code not in (0, 400, 404, 414)}
    assert sent == declared


#: A request id as answers write it.
RID = "68d49773-32044106-7794eb1b"


@pytest.mark.parametrize(
    ("schema", "errmsg", "valid"),
    [
        ("E40013", "invalid appid", True),
        ("E40013", "invalid appid rid: " + RID, True),
        ("E40013", "invalid appid hint: [dLTTea0566vr46!]", False),
        ("E40013", "invalid appid rid: 68d49773", False),
        ("E40125", "invalid appsecret, rid: 66b5fb8f-5e3c0071-3d7f539a", True),
        ("E45009", "api freq out of limit", True),
        ("E45009", "reach max api daily quota limit rid: " + RID, True),
        ("E45011", "api minute-quota reach limit, must slower, retry next minute, rid: " + RID, True),
        ("E40001", "invalid credential, access_token is invalid or not latest", True),
        ("E40164", "invalid ip 119.253.43.19, not in whitelist", True),
        ("E40164", "invalid ip 218.58.124.130 ipv6 ::ffff:218.58.124.130, not in whitelist", True),
        ("E40164", "invalid ip 10.0.0.1 ipv6 ::ffff:10.0.0.1, not in whitelist rid: " + RID, True),
        ("E40164", "invalid ip not in whitelist", False),
    ],
)  # fmt: skip
def test_an_errmsg_is_its_text_with_or_without_the_request_id(
    spec: Node, schema: str, errmsg: str, valid: bool
) -> None:
    """The answers the sources quote pass, each code's own text only."""
    code = int(schema[1:])
    body = {"errcode": code, "errmsg": errmsg}
    assert (schema_errors(spec, {"$ref": f"#/components/schemas/{schema}"}, body) == []) is valid


def test_a_success_with_an_errcode_is_no_token_answer(spec: Node) -> None:
    """The schema is strict: the token answer is the token and its seconds, nothing more."""
    token_ok = {"$ref": "#/components/schemas/TokenOk"}
    assert schema_errors(spec, token_ok, {"access_token": "t", "expires_in": 7200}) == []
    assert schema_errors(spec, token_ok, {"errcode": 0, "access_token": "t", "expires_in": 7200}) != []
    assert schema_errors(spec, token_ok, {"access_token": "t", "expires_in": "7200"}) != []


# -- the spec against the running mock ------------------------------------------


@dataclass
class Context(LiveContext):
    slug = "wechat"

    def call(self, path: str, method: str | None = None, **kwargs: Any) -> requests.Response:
        """A request to WeChat's real path, under its prefix on the mock."""
        return super().call(MOUNT + path, method, **kwargs)

    def fetch(self, role: str = "demo", **changes: Any) -> requests.Response:
        return self.call(TOKEN_PATH, params=credentials(self.demo(role), **changes))

    def stable(self, role: str = "demo", **changes: Any) -> requests.Response:
        return self.call(STABLE_PATH, "POST", json=credentials(self.demo(role), **changes))

    def token(self, role: str = "demo") -> str:
        found: str = self.fetch(role).json()["access_token"]
        return found

    def with_token(
        self, path: str, access: str | None, method: str = "POST", **kwargs: Any
    ) -> requests.Response:
        return self.call(path, method, params={} if access is None else {"access_token": access}, **kwargs)

    def settings(self, **changes: Any) -> None:
        """The mock's settings changed for the case."""
        for name, value in changes.items():
            self.monkeypatch.setattr(self.mocks.model("wechat").config.settings, name, value)

    def own_quota(self, **quota: int) -> None:
        """The demo account's own cgi-bin/token quotas, through the admin API."""
        answer = self.http.patch(f"{self.base_url}/__admin/wechat/apps/{self.demo()['appid']}", json=quota)
        assert answer.status_code == 200, answer.text

    def secret_v2(self, role: str = "demo", **changes: Any) -> requests.Response:
        found = self.demo(role)
        body = {"appid": found["appid"], "appsecret": found["secret"], **changes}
        return self.call(CLEAR_V2_PATH, "POST", json={k: v for k, v in body.items() if v is not None})


Case = LiveCase[Context]
context = live_context(Context)


Send = Callable[[Context], requests.Response]


def _with(send: Send, **settings: Any) -> Send:
    """`send` with the mock's settings changed."""

    def run(c: Context) -> requests.Response:
        c.settings(**settings)
        return send(c)

    return run


def _crash(method: str, send: Send) -> Send:
    def run(c: Context) -> requests.Response:
        c.crash(method)
        return send(c)

    return run


def _again(send: Send) -> Send:
    """`send` twice: the second answer."""

    def run(c: Context) -> requests.Response:
        send(c)
        return send(c)

    return run


def _limited(c: Context) -> requests.Response:
    """The demo account allowed 3 tokens a day: the 4th fetch."""
    for _ in range(3):
        c.fetch("limited")
    return c.fetch("limited")


def _a_minute(c: Context) -> requests.Response:
    c.own_quota(token_per_minute=1)
    c.fetch()
    return c.fetch()


def _expired(path: str, method: str = "POST", **kwargs: Any) -> Send:
    def run(c: Context) -> requests.Response:
        access = c.token()
        c.mocks.clock.advance(7200)
        return c.with_token(path, access, method, **kwargs)

    return run


def _replaced(c: Context) -> requests.Response:
    """A token replaced more than 5 minutes ago."""
    old = c.token()
    c.token()
    c.mocks.clock.advance(300)
    return c.with_token(DOMAIN_IP_PATH, old, "GET")


def _token_call(path: str, method: str = "POST", **kwargs: Any) -> Send:
    """A call with a live token of the demo account."""
    return lambda c: c.with_token(path, c.token(), method, **kwargs)


def _cleared_twice(send: Send) -> Send:
    return _with(_again(send), clears_per_month=1)


UNKNOWN = "nobody-s-token"
NOBODY = "wx0000000000000000"
QUOTA_BODY = {"cgi_path": TOKEN_PATH}


def _big(path: str, method: str) -> Send:
    return lambda c: c.call(path, method, data=c.too_large())


def _clear(c: Context) -> requests.Response:
    return c.with_token(CLEAR_PATH, c.token(), json={"appid": c.demo()["appid"]})


CASES = [
    Case("token ok", TOKEN, errors.OK, lambda c: c.fetch()),
    Case("token no grant_type", TOKEN, errors.INVALID_GRANT_TYPE, lambda c: c.fetch(grant_type=None)),
    Case("token another grant_type", TOKEN, errors.INVALID_GRANT_TYPE,
         lambda c: c.fetch(grant_type="authorization_code")),
    Case("token no appid", TOKEN, errors.APPID_MISSING, lambda c: c.fetch(appid=None)),
    Case("token no secret", TOKEN, errors.SECRET_MISSING, lambda c: c.fetch(secret=None)),
    Case("token unknown appid", TOKEN, errors.INVALID_APPID, lambda c: c.fetch(appid=NOBODY)),
    Case("token wrong secret", TOKEN, errors.INVALID_SECRET, lambda c: c.fetch(secret="wrong")),
    Case("token wrong secret, older page", TOKEN, errors.INVALID_CREDENTIAL,
         _with(lambda c: c.fetch(secret="wrong"), wrong_secret_code=40001)),
    Case("token off the white-list", TOKEN, errors.IP_NOT_WHITELISTED, lambda c: c.fetch("ip_limited")),
    Case("token off the white-list, guide", TOKEN, errors.CLIENT_IP_NOT_REGISTERED,
         _with(lambda c: c.fetch("ip_limited"), ip_refused_code=61004)),
    Case("token frozen secret", TOKEN, errors.SECRET_FROZEN, lambda c: c.fetch("frozen")),
    Case("token over the minute", TOKEN, errors.MINUTE_QUOTA, _a_minute),
    Case("token over the day", TOKEN, errors.DAILY_QUOTA, _limited),
    Case("token POST", TOKEN, errors.REQUIRE_GET,
         lambda c: c.call(TOKEN_PATH, "POST", params=credentials(c.demo()))),
    Case("token crash", TOKEN, errors.SYSTEM_ERROR, _crash("token", lambda c: c.fetch())),
    Case("token big body", TOKEN, 413, _big(TOKEN_PATH, "GET")),
    Case("stable ok", STABLE, errors.OK, lambda c: c.stable()),
    Case("stable ok again", STABLE, errors.OK, _again(lambda c: c.stable())),
    Case("stable forced", STABLE, errors.OK, lambda c: c.stable(force_refresh=True)),
    Case("stable form body", STABLE, errors.DATA_FORMAT,
         lambda c: c.call(STABLE_PATH, "POST", data=credentials(c.demo()))),
    Case("stable JSON list", STABLE, errors.DATA_FORMAT, lambda c: c.call(STABLE_PATH, "POST", json=[1])),
    Case("stable empty body", STABLE, errors.INVALID_GRANT_TYPE, lambda c: c.call(STABLE_PATH, "POST")),
    Case("stable no appid", STABLE, errors.APPID_MISSING, lambda c: c.stable(appid=None)),
    Case("stable appid a number", STABLE, errors.APPID_MISSING, lambda c: c.stable(appid=12345)),
    Case("stable no secret", STABLE, errors.SECRET_MISSING, lambda c: c.stable(secret=None)),
    Case("stable unknown appid", STABLE, errors.INVALID_APPID, lambda c: c.stable(appid=NOBODY)),
    Case("stable wrong secret", STABLE, errors.INVALID_SECRET, lambda c: c.stable(secret="wrong")),
    Case("stable wrong secret, older page", STABLE, errors.INVALID_CREDENTIAL,
         _with(lambda c: c.stable(secret="wrong"), wrong_secret_code=40001)),
    Case("stable off the white-list", STABLE, errors.IP_NOT_WHITELISTED, lambda c: c.stable("ip_limited")),
    Case("stable off the white-list, guide", STABLE, errors.CLIENT_IP_NOT_REGISTERED,
         _with(lambda c: c.stable("ip_limited"), ip_refused_code=61004)),
    Case("stable frozen secret", STABLE, errors.SECRET_FROZEN, lambda c: c.stable("frozen")),
    Case("stable over the minute", STABLE, errors.MINUTE_QUOTA,
         _with(_again(lambda c: c.stable()), stable_per_minute=1)),
    Case("stable over the day", STABLE, errors.DAILY_QUOTA,
         _with(_again(lambda c: c.stable()), stable_daily=1)),
    Case("stable forced too often", STABLE, errors.DAILY_QUOTA,
         _with(lambda c: c.stable(force_refresh=True), force_per_day=0)),
    Case("stable GET", STABLE, errors.REQUIRE_POST, lambda c: c.call(STABLE_PATH, "GET")),
    Case("stable crash", STABLE, errors.SYSTEM_ERROR, _crash("stable_token", lambda c: c.stable())),
    Case("stable big body", STABLE, 413, _big(STABLE_PATH, "POST")),
    Case("quota ok", QUOTA, errors.OK, _token_call(QUOTA_PATH, json=QUOTA_BODY)),
    Case("quota no token", QUOTA, errors.TOKEN_MISSING,
         lambda c: c.with_token(QUOTA_PATH, None, json=QUOTA_BODY)),
    Case("quota no token's shape", QUOTA, errors.INVALID_TOKEN,
         lambda c: c.with_token(QUOTA_PATH, "not a token", json=QUOTA_BODY)),
    Case("quota unknown token", QUOTA, errors.INVALID_CREDENTIAL,
         lambda c: c.with_token(QUOTA_PATH, UNKNOWN, json=QUOTA_BODY)),
    Case("quota expired token", QUOTA, errors.TOKEN_EXPIRED, _expired(QUOTA_PATH, json=QUOTA_BODY)),
    Case("quota not json", QUOTA, errors.DATA_FORMAT, _token_call(QUOTA_PATH, data=b"{not json")),
    Case("quota no cgi_path", QUOTA, errors.CGI_PATH_INVALID, _token_call(QUOTA_PATH, json={})),
    Case("quota cgi_path with its host", QUOTA, errors.CGI_PATH_INVALID,
         _token_call(QUOTA_PATH, json={"cgi_path": "https://api.weixin.qq.com/cgi-bin/token"})),
    Case("quota unknown cgi_path", QUOTA, errors.CGI_PATH_NOT_FOUND,
         _token_call(QUOTA_PATH, json={"cgi_path": "/cgi-bin/message/custom/send"})),
    Case("quota GET", QUOTA, errors.REQUIRE_POST, _token_call(QUOTA_PATH, "GET")),
    Case("quota crash", QUOTA, errors.SYSTEM_ERROR,
         _crash("quota", _token_call(QUOTA_PATH, json=QUOTA_BODY))),
    Case("quota big body", QUOTA, 413, _big(QUOTA_PATH, "POST")),
    Case("clear ok", CLEAR, errors.OK, _clear),
    Case("clear no token", CLEAR, errors.TOKEN_MISSING, lambda c: c.with_token(CLEAR_PATH, None, json={})),
    Case("clear no token's shape", CLEAR, errors.INVALID_TOKEN,
         lambda c: c.with_token(CLEAR_PATH, "not a token", json={})),
    Case("clear unknown token", CLEAR, errors.INVALID_CREDENTIAL,
         lambda c: c.with_token(CLEAR_PATH, UNKNOWN, json={})),
    Case("clear expired token", CLEAR, errors.TOKEN_EXPIRED, _expired(CLEAR_PATH, json={})),
    Case("clear not json", CLEAR, errors.DATA_FORMAT, _token_call(CLEAR_PATH, data=b"[")),
    Case("clear no appid", CLEAR, errors.APPID_MISSING, _token_call(CLEAR_PATH, json={})),
    Case("clear another account", CLEAR, errors.INVALID_APPID,
         lambda c: c.with_token(CLEAR_PATH, c.token(), json={"appid": c.demo("second")["appid"]})),
    Case("clear past the month's", CLEAR, errors.CLEAR_LIMIT, _cleared_twice(_clear)),
    Case("clear GET", CLEAR, errors.REQUIRE_POST, _token_call(CLEAR_PATH, "GET")),
    Case("clear crash", CLEAR, errors.SYSTEM_ERROR, _crash("clear_quota", _clear)),
    Case("clear big body", CLEAR, 413, _big(CLEAR_PATH, "POST")),
    Case("clear by secret ok", CLEAR_V2, errors.OK, lambda c: c.secret_v2()),
    Case("clear by secret in the query", CLEAR_V2, errors.OK,
         lambda c: c.call(CLEAR_V2_PATH, "POST",
                          params={"appid": c.demo()["appid"], "appsecret": c.demo()["secret"]})),
    Case("clear by secret not json", CLEAR_V2, errors.DATA_FORMAT,
         lambda c: c.call(CLEAR_V2_PATH, "POST", data=b"x")),
    Case("clear by secret no appid", CLEAR_V2, errors.APPID_MISSING, lambda c: c.secret_v2(appid=None)),
    Case("clear by secret no secret", CLEAR_V2, errors.SECRET_MISSING, lambda c: c.secret_v2(appsecret=None)),
    Case("clear by secret unknown appid", CLEAR_V2, errors.INVALID_APPID,
         lambda c: c.secret_v2(appid=NOBODY)),
    Case("clear by secret wrong secret", CLEAR_V2, errors.INVALID_SECRET,
         lambda c: c.secret_v2(appsecret="x")),
    Case("clear by secret wrong secret, older page", CLEAR_V2, errors.INVALID_CREDENTIAL,
         _with(lambda c: c.secret_v2(appsecret="x"), wrong_secret_code=40001)),
    Case("clear by secret off the white-list", CLEAR_V2, errors.IP_NOT_WHITELISTED,
         lambda c: c.secret_v2("ip_limited")),
    Case("clear by secret off the white-list, guide", CLEAR_V2, errors.CLIENT_IP_NOT_REGISTERED,
         _with(lambda c: c.secret_v2("ip_limited"), ip_refused_code=61004)),
    Case("clear by secret frozen", CLEAR_V2, errors.SECRET_FROZEN, lambda c: c.secret_v2("frozen")),
    Case("clear by secret past the month's", CLEAR_V2, errors.CLEAR_LIMIT,
         _cleared_twice(lambda c: c.secret_v2())),
    Case("clear by secret GET", CLEAR_V2, errors.REQUIRE_POST, lambda c: c.call(CLEAR_V2_PATH, "GET")),
    Case("clear by secret crash", CLEAR_V2, errors.SYSTEM_ERROR,
         _crash("clear_quota_by_secret", lambda c: c.secret_v2())),
    Case("clear by secret big body", CLEAR_V2, 413, _big(CLEAR_V2_PATH, "POST")),
    Case("domain ip ok", DOMAIN_IP, errors.OK, _token_call(DOMAIN_IP_PATH, "GET")),
    Case("domain ip with the stable token", DOMAIN_IP, errors.OK,
         lambda c: c.with_token(DOMAIN_IP_PATH, c.stable().json()["access_token"], "GET")),
    Case("domain ip no token", DOMAIN_IP, errors.TOKEN_MISSING,
         lambda c: c.with_token(DOMAIN_IP_PATH, None, "GET")),
    Case("domain ip no token's shape", DOMAIN_IP, errors.INVALID_TOKEN,
         lambda c: c.with_token(DOMAIN_IP_PATH, "a+b", "GET")),
    Case("domain ip unknown token", DOMAIN_IP, errors.INVALID_CREDENTIAL,
         lambda c: c.with_token(DOMAIN_IP_PATH, UNKNOWN, "GET")),
    Case("domain ip replaced token", DOMAIN_IP, errors.INVALID_CREDENTIAL, _replaced),
    Case("domain ip expired token", DOMAIN_IP, errors.TOKEN_EXPIRED, _expired(DOMAIN_IP_PATH, "GET")),
    Case("domain ip over the minute", DOMAIN_IP, errors.MINUTE_QUOTA,
         _with(_again(_token_call(DOMAIN_IP_PATH, "GET")), api_per_minute=1)),
    Case("domain ip over the day", DOMAIN_IP, errors.DAILY_QUOTA,
         _with(_again(_token_call(DOMAIN_IP_PATH, "GET")), api_daily=1)),
    Case("domain ip POST", DOMAIN_IP, errors.REQUIRE_GET, _token_call(DOMAIN_IP_PATH, "POST")),
    Case("domain ip crash", DOMAIN_IP, errors.SYSTEM_ERROR,
         _crash("api_domain_ip", _token_call(DOMAIN_IP_PATH, "GET"))),
    Case("domain ip big body", DOMAIN_IP, 413, _big(DOMAIN_IP_PATH, "GET")),
]  # fmt: skip

ANSWERS = AnswerTable(
    Context,
    CASES,
    errors.MESSAGES,
    message="errmsg",
    key_order=branch_order,
    frozen=True,
    outcome=lambda payload: payload.get("errcode", errors.OK),
    code="errcode",
    bare=(errors.OK, errors.MESSAGES[errors.OK]),
    text_of=text_of,
)


def test_an_error_names_the_caller_and_ends_with_the_request_id(context: Context) -> None:
    errmsg = context.fetch("ip_limited").json()["errmsg"]
    now = int(context.mocks.clock.time())
    text = r"invalid ip 127\.0\.0\.1 ipv6 ::ffff:127\.0\.0\.1, not in whitelist"
    assert re.fullmatch(rf"{text} rid: {now:08x}-[0-9a-f]{{8}}-[0-9a-f]{{8}}", errmsg), errmsg
