"""WeChat's rules through its real paths: a token replacing the last and its 5 minutes of
overlap, the stable token apart, the quotas and their clears, the errcode answers, by its hosts
and under its prefix; the lifecycle on the virtual clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from provider_mocks import create_app, get_mocks
from provider_mocks.core.services import Mocks
from provider_mocks.providers.wechat.models import (
    BEIJING,
    CLEAR_PATH,
    CLEAR_V2_PATH,
    DOMAIN_IP_PATH,
    QUOTA_PATH,
    STABLE_PATH,
    TOKEN_PATH,
)

from .helpers import HOST, RID, credentials, text_of

CONTENT_TYPE = "application/json; encoding=utf-8"
INVALID_CREDENTIAL = (
    "invalid credential, access_token is invalid or not latest, could get access_token by "
    "getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r"
)


@dataclass
class WeChat:
    """The mock with WeChat alone, a client naming its host, and the demo accounts by role."""

    client: FlaskClient
    mocks: Mocks
    roles: dict[str, dict[str, Any]]

    def get(self, path: str, **query: Any) -> TestResponse:
        return self.client.get(path, query_string=query, headers=HOST)

    def post(self, path: str, body: Any = None, **query: Any) -> TestResponse:
        return self.client.post(path, query_string=query, json=body, headers=HOST)

    def fetch(self, role: str = "demo", **changes: Any) -> dict[str, Any]:
        found: dict[str, Any] = self.get(TOKEN_PATH, **credentials(self.roles[role], **changes)).get_json()
        return found

    def token(self, role: str = "demo") -> str:
        found: str = self.fetch(role)["access_token"]
        return found

    def stable(self, role: str = "demo", **changes: Any) -> dict[str, Any]:
        found: dict[str, Any] = self.post(STABLE_PATH, credentials(self.roles[role], **changes)).get_json()
        return found

    def call(self, access: str | None) -> dict[str, Any]:
        query = {} if access is None else {"access_token": access}
        found: dict[str, Any] = self.get(DOMAIN_IP_PATH, **query).get_json()
        return found

    def code(self, access: str | None) -> int:
        return int(self.call(access).get("errcode", 0))

    def quota(self, access: str, cgi_path: str = TOKEN_PATH) -> dict[str, Any]:
        found: dict[str, Any] = self.post(QUOTA_PATH, {"cgi_path": cgi_path}, access_token=access).get_json()
        return found

    def clear(self, access: str, role: str = "demo") -> dict[str, Any]:
        found: dict[str, Any] = self.post(
            CLEAR_PATH, {"appid": self.roles[role]["appid"]}, access_token=access
        ).get_json()
        return found

    def advance(self, seconds: float) -> None:
        self.mocks.clock.advance(seconds)


@pytest.fixture
def made() -> Any:
    def make(**settings: Any) -> WeChat:
        app = create_app(
            {"wechat": {"settings": settings}} if settings else None, providers=["wechat", "wecom"]
        )
        mocks = get_mocks(app)
        mocks.clock.freeze()
        return WeChat(app.test_client(), mocks, mocks.model("wechat").demo_credentials())

    return make


@pytest.fixture
def wechat(made: Any) -> WeChat:
    found: WeChat = made()
    return found


# -- the access token -----------------------------------------------------------------


def test_a_token_is_its_value_and_seconds_alone(wechat: WeChat) -> None:
    answer = wechat.get(TOKEN_PATH, **credentials(wechat.roles["demo"]))
    assert (answer.status_code, answer.headers["Content-Type"]) == (200, CONTENT_TYPE)
    body = answer.get_json()
    assert list(body) == ["access_token", "expires_in"]
    assert body["expires_in"] == 7200
    assert type(body["expires_in"]) is int
    assert 0 < len(body["access_token"]) <= 512


def test_a_fetch_replaces_the_token_which_works_5_minutes_more(wechat: WeChat) -> None:
    first = wechat.token()
    wechat.advance(1000)
    second = wechat.token()
    assert second != first
    wechat.advance(299)
    assert (wechat.code(first), wechat.code(second)) == (0, 0)
    wechat.advance(1)
    refused = wechat.call(first)
    assert (refused["errcode"], text_of(refused["errmsg"])) == (40001, INVALID_CREDENTIAL)
    assert wechat.code(second) == 0
    # the token that replaced it lives its own 7200 s, then answers 42001
    wechat.advance(7200 - 300 - 1)
    assert wechat.code(second) == 0
    wechat.advance(1)
    assert wechat.code(second) == 42001
    assert wechat.code(first) == 42001  # past its own expiry, the replaced one is expired too


def test_the_overlap_is_a_setting(made: Any) -> None:
    wechat = made(overlap=0)
    first = wechat.token()
    wechat.token()
    assert wechat.code(first) == 40001


def test_one_account_s_fetch_leaves_another_s_token(wechat: WeChat) -> None:
    demo, second = wechat.token(), wechat.token("second")
    wechat.token()
    wechat.advance(300)
    assert (wechat.code(demo), wechat.code(second)) == (40001, 0)


def test_wechat_is_served_by_its_hosts_and_under_its_prefix_only(wechat: WeChat) -> None:
    query = credentials(wechat.roles["demo"])
    assert wechat.client.get(TOKEN_PATH, query_string=query).status_code == 404  # /cgi-bin/ is WeCom's too
    for host in ("api.weixin.qq.com", "api2.weixin.qq.com", "sh.api.weixin.qq.com", "sz.api.weixin.qq.com"):
        answer = wechat.client.get(TOKEN_PATH, query_string=query, headers={"Host": f"{host}:443"})
        assert "access_token" in answer.get_json(), host
    assert "access_token" in wechat.client.get(f"/wechat{TOKEN_PATH}", query_string=query).get_json()
    # WeCom's host reaches WeCom's get_api_domain_ip, not WeChat's
    wecom = wechat.client.get(DOMAIN_IP_PATH, headers={"Host": "qyapi.weixin.qq.com"}).get_json()
    assert list(wecom) == ["ip_list", "errcode", "errmsg"]
    journal = wechat.mocks.journal.entries("wechat")
    assert {entry["path"] for entry in journal} == {TOKEN_PATH}  # the real path, the provider named


# -- refusals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code", "text"),
    [
        ({"grant_type": None}, 40002, "invalid grant_type"),
        ({"grant_type": "authorization_code"}, 40002, "invalid grant_type"),
        ({"grant_type": "CLIENT_CREDENTIAL"}, 40002, "invalid grant_type"),
        ({"appid": None}, 41002, "appid missing"),
        ({"appid": ""}, 41002, "appid missing"),
        ({"appid": None, "secret": None}, 41002, "appid missing"),
        ({"secret": None}, 41004, "appsecret missing"),
        ({"appid": "wx0000000000000000"}, 40013, "invalid appid"),
        ({"appid": "公众号"}, 40013, "invalid appid"),
        ({"appid": "x" * 10_000}, 40013, "invalid appid"),
        ({"secret": "wrong"}, 40125, "invalid appsecret"),
        ({"secret": "密钥"}, 40125, "invalid appsecret"),
    ],
)
def test_a_refused_fetch_answers_its_code_and_text(
    wechat: WeChat, changes: dict[str, Any], code: int, text: str
) -> None:
    answer = wechat.get(TOKEN_PATH, **credentials(wechat.roles["demo"], **changes))
    assert (answer.status_code, answer.headers["Content-Type"]) == (200, CONTENT_TYPE)
    body = answer.get_json()
    assert list(body) == ["errcode", "errmsg"]
    assert (body["errcode"], text_of(body["errmsg"])) == (code, text)
    assert RID.search(body["errmsg"])


@pytest.mark.parametrize(
    ("settings", "role", "changes", "errcode", "errmsg"),
    [
        ({}, "ip_limited", {}, 40164, "invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist"),
        ({"texts": "older"}, "ip_limited", {}, 40164, "invalid ip 127.0.0.1, not in whitelist"),
        ({"ip_refused_code": 61004}, "ip_limited", {}, 61004, "access clientip is not registered"),
        ({}, "frozen", {}, 40243, "appsecret is frozen"),
        ({"wrong_secret_code": 40001}, "demo", {"secret": "x"}, 40001, INVALID_CREDENTIAL),
        (
            {"wrong_secret_code": 40001, "texts": "older"},
            "demo",
            {"secret": "x"},
            40001,
            "invalid credential, access_token is invalid or not latest",
        ),
    ],
)
def test_the_settings_answer_as_each_version_of_the_pages(
    made: Any, settings: dict[str, Any], role: str, changes: dict[str, Any], errcode: int, errmsg: str
) -> None:
    """Where the pages disagree, each reading is a setting; errmsg_rid off writes the bare text."""
    wechat = made(errmsg_rid=False, **settings)
    assert wechat.fetch(role, **changes) == {"errcode": errcode, "errmsg": errmsg}


def test_a_wrong_method_is_the_platform_s_code_in_an_http_200(wechat: WeChat) -> None:
    for method, path, code in (
        ("POST", TOKEN_PATH, 43001),
        ("PUT", DOMAIN_IP_PATH, 43001),
        ("GET", STABLE_PATH, 43002),
        ("DELETE", QUOTA_PATH, 43002),
        ("GET", CLEAR_PATH, 43002),
        ("PATCH", CLEAR_V2_PATH, 43002),
    ):
        answer = wechat.client.open(path, method=method, headers=HOST)
        assert (answer.status_code, answer.get_json()["errcode"]) == (200, code), (method, path)
        assert "Allow" not in answer.headers


@pytest.mark.parametrize(
    ("access", "code"),
    [
        (None, 41001),
        ("", 41001),
        ("not a token", 40014),
        ("令牌", 40014),
        ("x" * 513, 40014),
        ("x" * 512, 40001),
        ("ACCESS_TOKEN", 40001),
    ],
)
def test_a_call_with_no_live_token_is_refused(wechat: WeChat, access: str | None, code: int) -> None:
    assert wechat.code(access) == code


# -- the stable token -----------------------------------------------------------------


def test_the_stable_token_is_the_same_while_it_lives_and_renewed_in_its_last_5_minutes(
    wechat: WeChat,
) -> None:
    first = wechat.stable()
    assert list(first) == ["access_token", "expires_in"]
    assert first["expires_in"] == 7200
    wechat.advance(100.5)
    assert wechat.stable() == {"access_token": first["access_token"], "expires_in": 7100}  # its seconds left
    wechat.advance(6799)  # 300.5 s left
    assert wechat.stable() == {"access_token": first["access_token"], "expires_in": 301}
    wechat.advance(0.5)  # 300 s left: a new one
    renewed = wechat.stable()
    assert renewed["access_token"] != first["access_token"]
    assert renewed["expires_in"] == 7200
    wechat.advance(299)
    assert (wechat.code(first["access_token"]), wechat.code(renewed["access_token"])) == (0, 0)
    wechat.advance(1)
    assert wechat.code(first["access_token"]) == 42001


def test_the_stable_token_is_apart_from_the_access_token(wechat: WeChat) -> None:
    held = wechat.stable()["access_token"]
    ordinary = wechat.token()
    assert ordinary != held
    wechat.token()  # replaces the ordinary one only
    wechat.advance(300)
    assert wechat.stable()["access_token"] == held
    assert (wechat.code(held), wechat.code(ordinary)) == (0, 40001)
    newest = wechat.token()
    wechat.stable(force_refresh=True)  # replaces the stable one only
    wechat.advance(300)
    assert (wechat.code(held), wechat.code(newest)) == (40001, 0)


def test_a_forced_refresh_replaces_the_stable_token_30_s_apart_20_a_day(wechat: WeChat) -> None:
    wechat.mocks.clock.set(datetime(2026, 3, 10, 8, 0, tzinfo=BEIJING))
    held = wechat.stable()["access_token"]
    forced = wechat.stable(force_refresh=True)
    assert forced["access_token"] != held
    assert forced["expires_in"] == 7200
    wechat.advance(29.9)  # "否则不会刷新": the live token, with its seconds left
    assert wechat.stable(force_refresh=True) == {"access_token": forced["access_token"], "expires_in": 7171}
    wechat.advance(0.1)
    assert wechat.stable(force_refresh=True)["access_token"] != forced["access_token"]
    assert wechat.code(held) == 0  # replaced 30 s ago: in its 5 minutes
    for _ in range(18):  # 20 in all
        wechat.advance(30)
        assert "access_token" in wechat.stable(force_refresh=True)
    wechat.advance(30)
    assert text_of(wechat.stable(force_refresh=True)["errmsg"]) == "reach max api daily quota limit"
    assert "access_token" in wechat.stable()  # the normal mode still answers
    wechat.mocks.clock.set(datetime(2026, 3, 11, 0, 0, tzinfo=BEIJING))  # a new day in Beijing
    assert "access_token" in wechat.stable(force_refresh=True)


@pytest.mark.parametrize(
    ("force", "forced"),
    [(True, True), (1, True), ("true", True), (False, False), (0, False), ("false", False), (None, False)],
)
def test_force_refresh_is_read_leniently(wechat: WeChat, force: Any, forced: bool) -> None:
    held = wechat.stable()["access_token"]
    body = {**credentials(wechat.roles["demo"]), "force_refresh": force}
    assert (wechat.post(STABLE_PATH, body).get_json()["access_token"] != held) is forced


@pytest.mark.parametrize(
    ("data", "content_type", "code"),
    [
        (b"grant_type=client_credential", "application/x-www-form-urlencoded", 47001),
        (b"[]", "application/json", 47001),
        (b'"text"', "application/json", 47001),
        (b"{", "application/json", 47001),
        (b'{"a": NaN}', "application/json", 47001),
        (b"", "application/json", 40002),
        (b"{}", "text/plain", 40002),
        (b'{"grant_type": "client_credential", "appid": ["wx"]}', "application/json", 41002),
        (b'{"grant_type": "client_credential", "appid": "wx0", "secret": 1}', "application/json", 41004),
        (
            '{"grant_type":"client_credential","appid":"微信","secret":"x"}'.encode(),
            "application/json",
            40013,
        ),
    ],
)
def test_a_stable_token_body_that_is_not_a_json_object_is_47001(
    wechat: WeChat, data: bytes, content_type: str, code: int
) -> None:
    answer = wechat.client.post(STABLE_PATH, data=data, content_type=content_type, headers=HOST)
    assert (answer.status_code, answer.get_json()["errcode"]) == (200, code)


# -- quotas ---------------------------------------------------------------------------


def test_the_daily_quota_counts_exactly_until_beijing_midnight_or_a_clear(wechat: WeChat) -> None:
    wechat.mocks.clock.set(datetime(2026, 3, 10, 23, 59, 0, tzinfo=BEIJING))
    first = wechat.fetch("limited")["access_token"]
    for _ in range(2):
        wechat.fetch("limited")
    refused = wechat.fetch("limited")
    assert (refused["errcode"], text_of(refused["errmsg"])) == (45009, "reach max api daily quota limit")
    assert wechat.quota(first)["quota"] == {"daily_limit": 3, "used": 3, "remain": 0}
    wechat.advance(59.9)
    assert wechat.fetch("limited")["errcode"] == 45009  # refused calls are not counted
    wechat.advance(0.1)  # 00:00 in Beijing
    fresh = wechat.fetch("limited")["access_token"]
    assert wechat.quota(fresh)["quota"] == {"daily_limit": 3, "used": 1, "remain": 2}
    for _ in range(2):
        wechat.fetch("limited")
    assert wechat.fetch("limited")["errcode"] == 45009
    assert wechat.clear(fresh, "limited") == {"errcode": 0, "errmsg": "ok"}
    assert wechat.quota(fresh)["quota"]["used"] == 0
    assert "access_token" in wechat.fetch("limited")


def test_the_quota_get_answers_the_counts_the_mock_keeps(wechat: WeChat) -> None:
    access = wechat.token()
    for _ in range(2):
        wechat.stable()
    wechat.call(access)
    answers = {path: wechat.quota(access, path) for path in (TOKEN_PATH, STABLE_PATH, DOMAIN_IP_PATH)}
    assert list(answers[TOKEN_PATH]) == ["errcode", "errmsg", "quota", "rate_limit", "component_rate_limit"]
    assert {path: answer["quota"] for path, answer in answers.items()} == {
        TOKEN_PATH: {"daily_limit": 2000, "used": 1, "remain": 1999},
        STABLE_PATH: {"daily_limit": 500_000, "used": 2, "remain": 499_998},
        DOMAIN_IP_PATH: {"daily_limit": 100_000, "used": 1, "remain": 99_999},
    }
    assert answers[STABLE_PATH]["rate_limit"] == {"call_count": 10_000, "refresh_second": 60}
    assert answers[TOKEN_PATH]["component_rate_limit"] == {"call_count": 1000, "refresh_second": 60}


def test_the_older_quota_page_answers_the_quota_alone(made: Any) -> None:
    wechat = made(quota_rate_limits=False)
    answer = wechat.quota(wechat.token())
    assert answer == {"errcode": 0, "errmsg": "ok", "quota": {"daily_limit": 2000, "used": 1, "remain": 1999}}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, 76003),
        ({"cgi_path": ""}, 76003),
        ({"cgi_path": 1}, 76003),
        ({"cgi_path": "cgi-bin/token"}, 76003),
        ({"cgi_path": "https://api.weixin.qq.com/cgi-bin/token"}, 76003),
        ({"cgi_path": "/cgi-bin/message/custom/send"}, 76021),
        ({"cgi_path": "/cgi-bin/token?x=1"}, 76021),
        ([TOKEN_PATH], 47001),
    ],
)
def test_a_quota_of_what_is_not_a_counted_path_is_refused(wechat: WeChat, body: Any, code: int) -> None:
    assert wechat.post(QUOTA_PATH, body, access_token=wechat.token()).get_json()["errcode"] == code


def test_a_minute_over_its_quota_is_refused_until_the_next_minute(wechat: WeChat) -> None:
    wechat.mocks.clock.set(datetime(2026, 3, 10, 12, 0, 30, tzinfo=BEIJING))
    answer = wechat.client.patch(
        f"/__admin/wechat/apps/{wechat.roles['demo']['appid']}", json={"token_per_minute": 2}
    )
    assert answer.status_code == 200
    assert ["access_token" in wechat.fetch() for _ in range(2)] == [True, True]
    refused = wechat.fetch()
    assert (refused["errcode"], text_of(refused["errmsg"])) == (
        45011,
        "api minute-quota reach limit, must slower, retry next minute",
    )
    wechat.advance(29.9)
    assert wechat.fetch()["errcode"] == 45011
    wechat.advance(0.1)  # the next minute
    assert "access_token" in wechat.fetch()
    assert wechat.quota(wechat.token())["rate_limit"] == {"call_count": 2, "refresh_second": 60}


def test_ten_clears_a_month_by_token_and_by_secret_together(wechat: WeChat) -> None:
    wechat.mocks.clock.set(datetime(2026, 3, 31, 23, 0, tzinfo=BEIJING))
    access, demo = wechat.token(), wechat.roles["demo"]
    by_secret = {"appid": demo["appid"], "appsecret": demo["secret"]}
    for n in range(5):
        assert wechat.clear(access) == {"errcode": 0, "errmsg": "ok"}, n
        assert wechat.post(CLEAR_V2_PATH, by_secret).get_json() == {"errcode": 0, "errmsg": "ok"}, n
    refused = wechat.post(CLEAR_V2_PATH, None, **by_secret).get_json()  # in the query, as WxJava sends it
    assert (refused["errcode"], text_of(refused["errmsg"])) == (
        48006,
        "forbid to clear quota because of reaching the limit",
    )
    assert wechat.clear(access)["errcode"] == 48006
    wechat.mocks.clock.set(datetime(2026, 4, 1, 0, 0, tzinfo=BEIJING))  # April in Beijing
    assert wechat.clear(wechat.token())["errcode"] == 0


def test_clear_quota_clears_only_its_own_account(wechat: WeChat) -> None:
    access = wechat.token()
    assert wechat.clear(access, "second")["errcode"] == 40013  # another account's appid
    assert wechat.post(CLEAR_PATH, {}, access_token=access).get_json()["errcode"] == 41002
    wechat.token("second")
    assert wechat.clear(access) == {"errcode": 0, "errmsg": "ok"}
    assert wechat.quota(wechat.token("second"), TOKEN_PATH)["quota"]["used"] == 2


# -- the audit ------------------------------------------------------------------------


def test_the_audit_judges_two_fetchers_by_the_overlap(wechat: WeChat) -> None:
    """Two servers fetching for one account: a call with the replaced token in its 5 minutes is
    warned, one after them is an error."""
    first = wechat.token()
    wechat.call(first)
    second = wechat.token()  # another server's fetch replaces the first's token
    wechat.call(first)
    wechat.call(second)
    found = [(v.rule, v.severity) for v in wechat.mocks.violations("wechat")]
    assert found == [("replaced-token-used", "warning")]
    assert "40001 in 300 s" in wechat.mocks.violations("wechat")[0].message
    wechat.advance(300)
    wechat.call(first)
    found = sorted((v.rule, v.severity) for v in wechat.mocks.violations("wechat"))
    assert found == [
        ("no-refresh-after-invalid", "error"),
        ("overwritten-token-used", "error"),
        ("replaced-token-used", "warning"),
    ]


def test_the_audit_warns_a_refetch_of_either_token_while_it_lives(wechat: WeChat) -> None:
    for fetch in (wechat.token, wechat.stable):
        fetch()
        fetch()
    found = [(v.rule, v.credential) for v in wechat.mocks.violations("wechat")]
    appid = wechat.roles["demo"]["appid"]
    assert found == [("refetch-while-valid", appid), ("refetch-while-valid", appid)]


def test_the_audit_flags_a_retry_after_45009_without_waiting(wechat: WeChat) -> None:
    for _ in range(5):
        wechat.fetch("limited")
    found = [v.rule for v in wechat.mocks.violations("wechat")]
    assert found.count("retry-without-backoff") == 1  # the 5th, right after the 4th's 45009


def test_an_error_body_is_written_outside_a_request_too(wechat: WeChat) -> None:
    from provider_mocks.core.errors import ProviderError
    from provider_mocks.providers.wechat import errors

    model = wechat.mocks.model("wechat")
    body = errors.error_body(model, ProviderError(errors.TOKEN_EXPIRED))  # type: ignore[arg-type]
    assert (body["errcode"], text_of(body["errmsg"])) == (42001, "access_token expired")
