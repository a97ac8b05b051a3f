"""appauth over real HTTP: every code and lifecycle rule, on the virtual clock.

Expected answers are written out byte for byte, not read back from the mock's own
message table.
"""

# ruff: noqa: RUF001, RUF100 (the answers' Chinese punctuation is the expected text)

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support import clock, missing_app_credentials, sent_envelope

from .helpers import HELLO, JSON_UTF8, TOKEN, demo, error, fetch, hello, new_app, token

INVALID_TOKEN = '{"code":401,"message":"accessToken无效或已过期","result":null,"success":false}'.encode()
MISSING = '{"code":401,"message":"appId或appSecret不能为空","result":null,"success":false}'.encode()
WRONG = '{"code":401,"message":"appId或appSecret错误","result":null,"success":false}'.encode()
TOO_OFTEN = '{"code":429,"message":"请求过于频繁","result":null,"success":false}'.encode()


# -- GET /auth/getAccessToken -------------------------------------------------------


def test_token_answer_is_the_documented_bytes(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, set="2026-03-10T12:00:00+08:00", freeze=True)
    creds = demo(http, base_url)
    answer = http.get(f"{base_url}{TOKEN}", params={"appId": creds["appId"], "appSecret": creds["appSecret"]})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    match = re.fullmatch(
        rb'\{"code":200,"message":"(.+)","result":\{"accessToken":"[0-9a-f]{32}",'
        rb'"expireTime":"2026-03-10T14:00:00\+08:00","expiresIn":7200\},"success":true\}',
        answer.content,
    )
    assert match, answer.content
    assert match.group(1) == "操作成功".encode()  # UTF-8, not \u escapes


def test_same_token_within_validity_then_a_new_one(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, set="2026-03-10T12:00:00+08:00", freeze=True)
    creds = demo(http, base_url)
    first = fetch(http, base_url, creds)["result"]
    assert first["expiresIn"] == 7200
    for advance, left in ((1, 7199), (0.5, 7199), (3598.5, 3600), (3599, 1), (0.999, 1)):
        clock(http, base_url, advance=advance)
        again = fetch(http, base_url, creds)["result"]
        assert again == {
            "accessToken": first["accessToken"],
            "expireTime": first["expireTime"],
            "expiresIn": left,
        }
        assert hello(http, base_url, first["accessToken"]).json()["code"] == 200
    clock(http, base_url, advance=0.001)  # exactly 2026-03-10T14:00:00+08:00
    assert hello(http, base_url, first["accessToken"]).content == INVALID_TOKEN
    second = fetch(http, base_url, creds)["result"]
    assert second["accessToken"] != first["accessToken"]
    assert second["expireTime"] == "2026-03-10T16:00:00+08:00"
    assert second["expiresIn"] == 7200
    assert hello(http, base_url, second["accessToken"]).json()["code"] == 200


def test_expiring_demo_app_renews_after_sixty_seconds(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, set="2026-03-10T12:00:00+08:00", freeze=True)
    creds = demo(http, base_url, "expiring")
    first = fetch(http, base_url, creds)["result"]
    assert (first["expireTime"], first["expiresIn"]) == ("2026-03-10T12:01:00+08:00", 60)
    clock(http, base_url, advance=59)
    assert fetch(http, base_url, creds)["result"] == {**first, "expiresIn": 1}
    clock(http, base_url, advance=1)
    assert fetch(http, base_url, creds)["result"]["accessToken"] != first["accessToken"]


@pytest.mark.parametrize("params", missing_app_credentials())
def test_missing_credentials_answer_401(
    http: requests.Session, base_url: str, params: dict[str, str]
) -> None:
    assert sent_envelope(http.get(f"{base_url}{TOKEN}", params=params)) == MISSING


def test_unknown_app_or_wrong_secret_answer_401(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    for params in (
        {"appId": "app-nobody", "appSecret": creds["appSecret"]},
        {"appId": creds["appId"], "appSecret": creds["appSecret"] + "x"},
        {"appId": creds["appId"], "appSecret": demo(http, base_url, "limited")["appSecret"]},
    ):
        answer = http.get(f"{base_url}{TOKEN}", params=params)
        assert answer.status_code == 200
        assert answer.content == WRONG


def test_limited_demo_app_answers_429_on_the_fourth_fetch(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url, "limited")
    assert [fetch(http, base_url, creds)["code"] for _ in range(3)] == [200, 200, 200]
    answer = http.get(f"{base_url}{TOKEN}", params={"appId": creds["appId"], "appSecret": creds["appSecret"]})
    assert answer.status_code == 200
    assert answer.content == TOO_OFTEN


def test_default_limit_is_twenty_a_minute(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    creds = demo(http, base_url)
    assert [fetch(http, base_url, creds)["code"] for _ in range(21)] == [200] * 20 + [429]


def test_rate_limit_resets_after_its_window(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, set="2026-03-10T12:00:30+08:00", freeze=True)
    creds = demo(http, base_url, "limited")
    assert [fetch(http, base_url, creds)["code"] for _ in range(4)] == [200, 200, 200, 429]
    clock(http, base_url, advance=30)  # 12:01:00, a new clock minute: still the same window
    assert fetch(http, base_url, creds) == error(429, "请求过于频繁")
    clock(http, base_url, advance=29.999)
    assert fetch(http, base_url, creds) == error(429, "请求过于频繁")
    clock(http, base_url, advance=0.001)  # 60 s after the window's first fetch
    assert [fetch(http, base_url, creds)["code"] for _ in range(4)] == [200, 200, 200, 429]


def test_rate_limited_fetches_keep_the_window(http: requests.Session, base_url: str) -> None:
    """A 429 neither counts nor moves the window: it closes 60 s after its first fetch."""
    clock(http, base_url, set="2026-03-10T12:00:00+08:00", freeze=True)
    creds = demo(http, base_url, "limited")
    [fetch(http, base_url, creds) for _ in range(3)]
    for _ in range(5):
        clock(http, base_url, advance=10)
        assert fetch(http, base_url, creds)["code"] == 429
    clock(http, base_url, advance=10)
    assert fetch(http, base_url, creds)["code"] == 200


def test_bad_credentials_do_not_use_up_the_limit(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    creds = demo(http, base_url, "limited")
    for _ in range(5):
        http.get(f"{base_url}{TOKEN}", params={"appId": creds["appId"], "appSecret": "wrong"})
        http.get(f"{base_url}{TOKEN}", params={"appId": creds["appId"]})
    assert [fetch(http, base_url, creds)["code"] for _ in range(4)] == [200, 200, 200, 429]


def test_limits_are_per_app(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    limited = demo(http, base_url, "limited")
    [fetch(http, base_url, limited) for _ in range(3)]
    assert fetch(http, base_url, limited)["code"] == 429
    assert fetch(http, base_url, demo(http, base_url))["code"] == 200
    assert fetch(http, base_url, demo(http, base_url, "expiring"))["code"] == 200
    mine = new_app(http, base_url, rate_limit=3)
    assert [fetch(http, base_url, mine)["code"] for _ in range(4)] == [200, 200, 200, 429]


def test_concurrent_fetches_hit_the_limit_exactly(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    creds = new_app(http, base_url, rate_limit=10)

    def one(_: int) -> dict[str, object]:
        with requests.Session() as session:
            return fetch(session, base_url, creds)

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(one, range(40)))
    ok = [a for a in answers if a["code"] == 200]
    assert len(ok) == 10
    assert [a for a in answers if a["code"] != 200] == [error(429, "请求过于频繁")] * 30
    assert len({a["result"]["accessToken"] for a in ok}) == 1  # type: ignore[index]


# -- GET /auth/hello --------------------------------------------------------------------


def test_hello_greets_the_app(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    answer = hello(http, base_url, token(http, base_url))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    expected = '{"code":200,"message":"操作成功","result":"你好，' + creds["name"] + '！","success":true}'
    assert answer.content == expected.encode()


def test_hello_names_the_tokens_own_app(http: requests.Session, base_url: str) -> None:
    mine = new_app(http, base_url, name="测试应用")
    access = fetch(http, base_url, mine)["result"]["accessToken"]
    assert hello(http, base_url, access).json()["result"] == "你好，测试应用！"
    unnamed = new_app(http, base_url, app_id="app-unnamed")
    access = fetch(http, base_url, unnamed)["result"]["accessToken"]
    assert hello(http, base_url, access).json()["result"] == "你好，app-unnamed！"


@pytest.mark.parametrize("access", [None, "", "0" * 32, "not-a-token"])
def test_hello_with_a_missing_or_unknown_token_answers_401(
    http: requests.Session, base_url: str, access: str | None
) -> None:
    answer = hello(http, base_url, access)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.content == INVALID_TOKEN


def test_hello_with_an_expired_token_answers_401(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    access = token(http, base_url)
    clock(http, base_url, advance=7199)
    assert hello(http, base_url, access).json()["code"] == 200
    clock(http, base_url, advance=1)
    assert hello(http, base_url, access).content == INVALID_TOKEN


def test_hello_reads_the_token_from_the_query_only(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    for kwargs in (
        {"headers": {"accessToken": access}},
        {"headers": {"Authorization": f"Bearer {access}"}},
        {"data": {"accessToken": access}},
    ):
        assert http.get(f"{base_url}{HELLO}", **kwargs).content == INVALID_TOKEN  # type: ignore[arg-type]


# -- what both operations share ----------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Accept": "application/json"},
        {"Accept": "text/html"},
        {"Accept": "application/xml;q=0.9"},
        {"Content-Type": "application/json"},
        {"Content-Type": "text/plain"},
        {"Accept": "*/*", "Content-Type": "application/x-www-form-urlencoded"},
    ],
)
def test_accept_and_content_type_are_optional_and_change_nothing(
    http: requests.Session, base_url: str, headers: dict[str, str]
) -> None:
    creds = demo(http, base_url)
    answer = http.get(
        f"{base_url}{TOKEN}",
        params={"appId": creds["appId"], "appSecret": creds["appSecret"]},
        headers=headers,
    )
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.json()["code"] == 200
    greeting = http.get(f"{base_url}{HELLO}", params={"accessToken": "x"}, headers=headers)
    assert greeting.headers["Content-Type"] == JSON_UTF8
    assert greeting.content == INVALID_TOKEN


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
@pytest.mark.parametrize("path", [TOKEN, HELLO])
def test_only_get_is_served(http: requests.Session, base_url: str, method: str, path: str) -> None:
    creds = demo(http, base_url)
    answer = http.request(
        method,
        f"{base_url}{path}",
        params={"appId": creds["appId"], "appSecret": creds["appSecret"], "accessToken": "x"},
    )
    assert answer.status_code == 405
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.headers["Allow"] == "GET"
    if method != "HEAD":
        assert (
            answer.content == '{"code":405,"message":"请求方法不支持","result":null,"success":false}'.encode()
        )


def test_refused_methods_do_not_count_toward_the_limit(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    creds = demo(http, base_url, "limited")
    for _ in range(5):
        http.post(f"{base_url}{TOKEN}", params={"appId": creds["appId"], "appSecret": creds["appSecret"]})
    assert [fetch(http, base_url, creds)["code"] for _ in range(4)] == [200, 200, 200, 429]


@pytest.mark.parametrize(
    "path", ["/auth", "/auth/", "/auth/getaccesstoken", "/auth/getAccessToken/", "/auth/x"]
)
def test_unknown_paths_under_auth_are_the_envelope(http: requests.Session, base_url: str, path: str) -> None:
    answer = http.get(f"{base_url}{path}", allow_redirects=False)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.content == '{"code":404,"message":"接口不存在","result":null,"success":false}'.encode()


def test_every_call_is_journaled(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    hello(http, base_url, access)
    entries = http.get(f"{base_url}/__admin/requests", params={"provider": "appauth"}).json()["requests"]
    assert [(e["operation"], e["method"], e["path"], e["status"]) for e in entries] == [
        ("get_access_token", "GET", TOKEN, 200),
        ("hello", "GET", HELLO, 200),
    ]
    assert entries[1]["query"] == {"accessToken": [access]}
    assert entries[1]["response"].startswith('{"code":200,"message":"操作成功","result":"你好，')
