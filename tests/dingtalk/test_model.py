"""DingTalk's rules through its real paths: one renewed token per app on both endpoints, the
business call of each generation, each generation's envelope, the quotas, on the virtual clock."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from provider_mocks import create_app, get_mocks
from provider_mocks.core.server import LiveServer

TOKEN, TICKET = "/gettoken", "/get_jsapi_ticket"
ACCESS_TOKEN, INNER_APPS = "/v1.0/oauth2/accessToken", "/v1.0/microApp/allInnerApps"
HEADER = "x-acs-dingtalk-access-token"
OAPI, API = {"Host": "oapi.dingtalk.com"}, {"Host": "api.dingtalk.com"}
REQUEST_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
INVALID_CLIENT = "无效的clientId或者clientSecret"
NO_LIMITS = {"api_per_second": 100_000, "api_per_minute": 100_000}


class Client:
    """A test client of an app with only DingTalk mounted, and the demo apps' credentials."""

    def __init__(self, **settings: Any) -> None:
        self.app = create_app(
            {"dingtalk": {"settings": settings}} if settings else None, providers=["dingtalk"]
        )
        self.mocks = get_mocks(self.app)
        self.http: FlaskClient = self.app.test_client()
        self.roles = self.mocks.model("dingtalk").demo_credentials()

    def keys(self, role: str = "demo") -> tuple[str, str]:
        return self.roles[role]["appkey"], self.roles[role]["appsecret"]

    def gettoken(self, role: str = "demo", **query: str) -> TestResponse:
        key, secret = self.keys(role)
        return self.http.get(TOKEN, query_string={"appkey": key, "appsecret": secret, **query}, headers=OAPI)

    def access_token(self, role: str = "demo") -> TestResponse:
        key, secret = self.keys(role)
        return self.http.post(ACCESS_TOKEN, json={"appKey": key, "appSecret": secret}, headers=API)

    def legacy(self, role: str = "demo") -> str:
        return str(self.gettoken(role).get_json()["access_token"])

    def ticket(self, token: str) -> dict[str, Any]:
        found: dict[str, Any] = self.http.get(TICKET, query_string={"access_token": token}).get_json()
        return found

    def apps(self, token: str) -> TestResponse:
        return self.http.get(INNER_APPS, headers={HEADER: token, **API})


@pytest.fixture
def made() -> type[Client]:
    return Client


def test_a_fetch_within_validity_answers_the_same_token_renewed(made: type[Client]) -> None:
    client = made()
    answer = client.gettoken()
    assert answer.headers["Content-Type"] == "application/json"
    first = answer.get_json()
    assert list(first) == ["errcode", "access_token", "errmsg", "expires_in"]
    assert (first["errcode"], first["errmsg"], first["expires_in"]) == (0, "ok", 7200)
    client.mocks.clock.advance(7000)
    again = client.gettoken().get_json()
    assert (again["access_token"], again["expires_in"]) == (first["access_token"], 7200)
    client.mocks.clock.advance(7000)  # 14000 s after the first fetch: renewed at 7000 s
    assert client.ticket(first["access_token"])["errcode"] == 0
    client.mocks.clock.advance(200)
    assert client.ticket(first["access_token"])["errcode"] == 40014
    assert client.legacy() != first["access_token"]


def test_without_renewal_a_fetch_answers_the_same_token_with_its_seconds_left(made: type[Client]) -> None:
    client = made(renew_on_fetch=False)
    first = client.gettoken().get_json()
    client.mocks.clock.advance(7000)
    again = client.gettoken().get_json()
    assert (again["access_token"], again["expires_in"]) == (first["access_token"], 200)
    client.mocks.clock.advance(200)
    assert client.ticket(first["access_token"])["errcode"] == 40014


def test_both_endpoints_answer_one_token_per_app(made: type[Client]) -> None:
    client = made()
    legacy = client.legacy()
    answer = client.access_token()
    assert answer.headers["Content-Type"] == "application/json;charset=utf-8"
    assert REQUEST_ID.match(answer.headers["x-acs-request-id"])
    assert answer.get_json() == {"expireIn": 7200, "accessToken": legacy}
    assert list(answer.get_json()) == ["expireIn", "accessToken"]
    assert client.legacy("second_app") != legacy  # "每个应用的access_token是彼此独立的"


def test_a_token_per_endpoint_works_on_both_apis(made: type[Client]) -> None:
    client = made(shared_token=False)
    legacy = client.legacy()
    new = client.access_token().get_json()["accessToken"]
    assert legacy != new
    for token in (legacy, new):
        assert client.ticket(token)["errcode"] == 0
        assert client.apps(token).status_code == 200


def test_the_business_calls_answer_as_documented(made: type[Client]) -> None:
    client = made()
    token = client.legacy()
    ticket = client.ticket(token)
    assert list(ticket) == ["errcode", "errmsg", "ticket", "expires_in"]
    assert (ticket["errcode"], ticket["errmsg"], ticket["expires_in"]) == (0, "ok", 7200)
    client.mocks.clock.advance(10)
    assert client.ticket(token)["ticket"] == ticket["ticket"]  # kept like the token
    answer = client.apps(token)
    assert answer.headers["Content-Type"] == "application/json;charset=utf-8"
    apps = answer.get_json()["appList"]
    assert [app["name"] for app in apps] == ["考勤", "审批"]  # both apps of the corp
    assert list(apps[0])[:3] == ["agentId", "name", "desc"]


def test_an_expired_token_is_refused_in_each_generations_envelope(made: type[Client]) -> None:
    client = made()
    token = client.legacy()
    client.mocks.clock.advance(7200)
    legacy = client.http.get(TICKET, query_string={"access_token": token})
    assert (legacy.status_code, legacy.headers["Content-Type"]) == (200, "application/json")
    assert legacy.get_json() == {"errcode": 40014, "errmsg": "不合法的access_token"}
    new = client.apps(token)
    assert new.status_code == 400
    body = new.get_json()
    assert list(body) == ["code", "requestid", "message"]
    assert (body["code"], body["message"]) == ("InvalidAuthentication", "不合法的access_token")
    assert body["requestid"] == new.headers["x-acs-request-id"]
    assert REQUEST_ID.match(body["requestid"])
    assert client.apps(token).get_json()["requestid"] != body["requestid"]  # fresh per answer


def test_the_old_tables_42001_is_a_setting(made: type[Client]) -> None:
    client = made(expired_errcode=42001)
    token = client.legacy()
    client.mocks.clock.advance(7200)
    assert client.ticket(token) == {"errcode": 42001, "errmsg": "access_token超时"}
    assert client.ticket("f" * 32) == {"errcode": 40014, "errmsg": "不合法的access_token"}


@pytest.mark.parametrize(
    ("query", "code", "text"),
    [
        ({}, 41002, "缺少corpid参数"),
        ({"appsecret": "x"}, 41002, "缺少corpid参数"),
        ({"appkey": "DEMO"}, 41004, "缺少secret参数"),
        ({"appkey": "", "appsecret": ""}, 41002, "缺少corpid参数"),
        ({"appkey": "dingnobody", "appsecret": "x"}, 40089, "不合法的corpId或corpSecret"),
        ({"appkey": "DEMO", "appsecret": "wrong"}, 40089, "不合法的corpId或corpSecret"),
        ({"appkey": "钉钉" * 2000, "appsecret": "秘密"}, 40089, "不合法的corpId或corpSecret"),
    ],
)
def test_a_refused_gettoken_answers_its_code_and_text(
    made: type[Client], query: dict[str, str], code: int, text: str
) -> None:
    client = made()
    demo_key = client.keys()[0]
    query = {name: demo_key if value == "DEMO" else value for name, value in query.items()}
    answer = client.http.get(TOKEN, query_string=query, headers=OAPI)
    assert (answer.status_code, answer.headers["Content-Type"]) == (200, "application/json")
    assert answer.get_json() == {"errcode": code, "errmsg": text}  # the two keys alone


def test_older_clients_corpid_and_corpsecret_fetch_the_same_token(made: type[Client]) -> None:
    client = made()
    key, secret = client.keys()
    older = client.http.get(TOKEN, query_string={"corpid": key, "corpsecret": secret}).get_json()
    assert older["access_token"] == client.legacy()


@pytest.mark.parametrize(
    "text", ["不合法的corpid或corpsecret", "不合法的corpid或corpsecret或者不合法的appkey或appsecret"]
)
def test_40089s_text_is_a_setting(made: type[Client], text: str) -> None:
    client = made(credential_errmsg=text)
    assert client.gettoken(appsecret="wrong").get_json() == {"errcode": 40089, "errmsg": text}


def test_a_post_to_gettoken_is_43001(made: type[Client]) -> None:
    answer = made().http.post(TOKEN)
    assert answer.status_code == 200
    assert answer.get_json() == {"errcode": 43001, "errmsg": "需要GET请求"}


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        (b"", 400, "Missingbody", "body is mandatory for this action."),
        (b"appKey=x&appSecret=y", 400, "Missingbody", "body is mandatory for this action."),
        (b"[1, 2]", 400, "Missingbody", "body is mandatory for this action."),
        (b'{"appKey": "x"', 400, "Missingbody", "body is mandatory for this action."),
        (b"{}", 400, "MissingappKey", "appKey is mandatory for this action."),
        (b'{"appKey": "x"}', 400, "MissingappSecret", "appSecret is mandatory for this action."),
        (b'{"appKey": 1, "appSecret": 2}', 400, "invalidClientIdOrSecret", INVALID_CLIENT),
        (b'{"appKey": "x", "appSecret": "y"}', 400, "invalidClientIdOrSecret", INVALID_CLIENT),
        ('{"appKey": "钉钉", "appSecret": "\\ud800"}'.encode(), 400, "invalidClientIdOrSecret",
         INVALID_CLIENT),
    ],
)  # fmt: skip
def test_a_refused_access_token_answers_its_status_code_and_message(
    made: type[Client], body: bytes, status: int, code: str, message: str
) -> None:
    answer = made().http.post(ACCESS_TOKEN, data=body, headers={"Content-Type": "application/json", **API})
    assert (answer.status_code, answer.headers["Content-Type"]) == (status, "application/json;charset=utf-8")
    found = answer.get_json()
    assert list(found) == ["code", "requestid", "message"]
    assert (found["code"], found["message"]) == (code, message)
    assert found["requestid"] == answer.headers["x-acs-request-id"]


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", ACCESS_TOKEN, 404, "InvalidAction.NotFound"),
        ("POST", INNER_APPS, 404, "InvalidAction.NotFound"),
        ("GET", "/v1.0/nothing/here", 404, "InvalidAction.NotFound"),
        ("GET", "/gettoken/x", 404, 404),
        ("PUT", TICKET, 200, 43001),
        ("BREW", TOKEN, 405, 405),
        ("BREW", INNER_APPS, 405, "MethodNotAllowed"),
    ],
)
def test_http_failures_answer_in_the_paths_envelope(
    made: type[Client], method: str, path: str, status: int, body: Any
) -> None:
    answer = made().http.open(path, method=method)
    assert answer.status_code == status
    found = answer.get_json()
    assert found.get("code", found.get("errcode")) == body
    assert ("Allow" in answer.headers) == (status == 405)


def test_a_crash_is_each_generations_system_busy(made: type[Client], monkeypatch: pytest.MonkeyPatch) -> None:
    client = made()

    def boom(*args: object) -> None:
        raise RuntimeError("a crash the test provoked")

    monkeypatch.setattr(client.mocks.model("dingtalk"), "token", boom)
    legacy = client.gettoken()
    assert (legacy.status_code, legacy.get_json()) == (200, {"errcode": -1, "errmsg": "系统繁忙"})
    new = client.access_token()
    assert (new.status_code, new.get_json()["code"], new.get_json()["message"]) == (
        500,
        "systemBusy",
        "系统繁忙",
    )


def test_dingtalk_is_served_at_its_real_paths_under_its_prefix_and_its_hosts(made: type[Client]) -> None:
    client = made()
    key, secret = client.keys()
    query = {"appkey": key, "appsecret": secret}
    for path, headers in ((TOKEN, {}), (f"/dingtalk{TOKEN}", {}), (TOKEN, OAPI)):
        assert client.http.get(path, query_string=query, headers=headers).get_json()["errcode"] == 0
    journal = client.mocks.journal.entries("dingtalk")
    assert {entry["path"] for entry in journal} == {TOKEN}


def test_an_apps_calls_of_an_api_past_its_second_are_refused_until_it_ends(made: type[Client]) -> None:
    client = made(api_per_second=3)
    client.mocks.clock.set(1_800_000_000.5)  # 2027-01-15 16:00:00.5 in Beijing
    client.mocks.clock.freeze()
    assert [client.gettoken().get_json()["errcode"] for _ in range(4)] == [0, 0, 0, 90018]
    token = client.legacy("second_app")  # another app: its own allowance
    for _ in range(3):
        assert client.apps(token).status_code == 200
    refused = client.apps(token)
    assert refused.status_code == 403
    body = refused.get_json()
    assert body["code"] == "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"
    assert body["message"] == "请求过于频繁，限制将在 2027-01-15 16:00:01 结束"
    client.mocks.clock.advance(0.5)
    assert client.gettoken().get_json()["errcode"] == 0
    assert client.apps(token).status_code == 200


def test_an_apps_calls_of_an_api_past_its_minute_are_90006(made: type[Client]) -> None:
    client = made(api_per_second=100, api_per_minute=3)
    client.mocks.clock.set(1_800_000_000)  # a minute's start
    client.mocks.clock.freeze()
    codes = [client.gettoken().get_json()["errcode"] for _ in range(4)]
    assert codes == [0, 0, 0, 90006]
    client.mocks.clock.advance(59)
    assert client.gettoken().get_json()["errcode"] == 90006
    client.mocks.clock.advance(1)
    assert client.gettoken().get_json()["errcode"] == 0
    assert client.access_token().status_code == 200  # another API: its own count


def test_a_corps_business_calls_past_its_month_are_refused_until_the_next(made: type[Client]) -> None:
    client = made(calls_per_month=2, **NO_LIMITS)
    client.mocks.clock.set(1_801_411_200 - 10)  # 2027-01-31 23:59:50 in Beijing
    token, other = client.legacy(), client.legacy("second_app")
    assert client.ticket(token)["errcode"] == 0
    assert client.apps(other).status_code == 200  # the corp's, whichever app and API
    month = "您的企业本月api调用量已超过限制,调用量:3次,额度:2次,请登录开发者后台-资源管理-查看用量明细"
    assert client.ticket(token) == {"errcode": 90020, "errmsg": month}
    refused = client.apps(other)
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "Forbidden.AccessDenied.ApiCountLimitForOrg"
    assert "调用量:4次,额度:2次" in refused.get_json()["message"]
    assert client.gettoken().get_json()["errcode"] == 0  # a token fetch is not a business call
    client.mocks.clock.advance(10)  # February
    assert client.ticket(client.legacy())["errcode"] == 0


def test_the_minute_limit_is_exact_under_concurrency() -> None:
    settings = {"api_per_minute": 25, "api_per_second": 1000}
    app = create_app({"dingtalk": {"settings": settings}}, providers=["dingtalk"])
    demo = get_mocks(app).model("dingtalk").demo_credentials()["demo"]
    codes: list[int] = []
    with LiveServer(app) as server:
        get_mocks(app).clock.freeze()
        params = {"appkey": demo["appkey"], "appsecret": demo["appsecret"]}
        token = requests.get(server.url + TOKEN, params=params, timeout=10).json()["access_token"]

        def call() -> None:
            with requests.Session() as http:
                for _ in range(10):
                    got = http.get(server.url + TICKET, params={"access_token": token}, timeout=10).json()
                    codes.append(got["errcode"])

        threads = [threading.Thread(target=call) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert (codes.count(0), codes.count(90006)) == (25, 25)


def test_the_audit_judges_a_dingtalk_client(made: type[Client]) -> None:
    """A fetch while the token lives is warned, a retry at once after a limit an error, and a call
    in the token's last 200 s warned (the docs advise caching it about 7000 s)."""
    client = made(api_per_second=1)
    client.mocks.clock.freeze()
    token = client.legacy()
    client.mocks.clock.advance(1)
    assert client.legacy() == token  # a fetch while it lives
    assert client.gettoken().get_json()["errcode"] == 90018  # the second's second fetch
    assert client.gettoken().get_json()["errcode"] == 90018  # again at once
    client.mocks.clock.advance(7100)  # 100 s left of the token renewed at 1 s
    assert client.ticket(token)["errcode"] == 0
    found = {(v.rule, v.severity) for v in client.mocks.violations("dingtalk")}
    assert found == {
        ("refetch-while-valid", "warning"),
        ("retry-without-backoff", "error"),
        ("cached-to-expiry", "warning"),
    }
