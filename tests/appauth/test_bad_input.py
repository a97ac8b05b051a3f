"""Bad input on the platform's paths gets its envelope or a clean HTTP error, never a traceback."""

# ruff: noqa: RUF001, RUF100 (the answers' Chinese punctuation is the expected text)

from __future__ import annotations

import pytest
import requests

from tests.rawhttp import assert_clean, assert_uri_too_long, clean_answer, odd_credentials, raw_request
from tests.support import explode

from .helpers import HELLO, JSON_UTF8, TOKEN, demo, error, fetch, hello, token

INVALID_TOKEN = '{"code":401,"message":"accessToken无效或已过期","result":null,"success":false}'.encode()
WRONG = '{"code":401,"message":"appId或appSecret错误","result":null,"success":false}'.encode()


# -- forged and truncated tokens ---------------------------------------------------------


def test_truncated_and_altered_tokens_get_401(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    for forged in (
        access[:-1],
        access[1:],
        access[:16],
        access + "0",
        access.upper(),
        access[:-1] + ("0" if access[-1] != "0" else "1"),
        f" {access}",
        f"{access} ",
        f"{access}\x00",
    ):
        answer = hello(http, base_url, forged)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == JSON_UTF8
        assert answer.content == INVALID_TOKEN, forged
    assert hello(http, base_url, access).json()["code"] == 200


@pytest.mark.parametrize(
    "forged",
    [
        "0" * 32,
        "f" * 32,
        "eyJhbGciOiJub25lIn0.eyJhcHBJZCI6ImRlbW8ifQ.",  # an unsigned JWT
        "appauth:app:x",  # a store key
        "../../__admin/apps",
        "令牌",
        "' OR '1'='1",
        "x" * 30_000,
    ],
)
def test_forged_tokens_get_401(http: requests.Session, base_url: str, forged: str) -> None:
    answer = hello(http, base_url, forged)
    assert answer.status_code == 200
    assert answer.content == INVALID_TOKEN


def test_another_apps_token_still_names_its_own_app(http: requests.Session, base_url: str) -> None:
    """A token identifies its app: nothing in the request can make it greet another."""
    access = token(http, base_url, "limited")
    other = demo(http, base_url)
    answer = http.get(f"{base_url}{HELLO}", params={"accessToken": access, "appId": other["appId"]})
    assert answer.json()["result"] == f"你好，{demo(http, base_url, 'limited')['name']}！"


# -- odd encodings and parameters -------------------------------------------------------


@pytest.mark.parametrize("query", odd_credentials(b"appId", b"appSecret"))
def test_odd_encodings_of_credentials_get_401(base_url: str, query: bytes) -> None:
    status, head, body = raw_request(base_url, b"GET " + TOKEN.encode() + b"?" + query + b" HTTP/1.1")
    assert status == 200
    assert b"Content-Type: application/json;charset=UTF-8" in head
    assert body == WRONG


@pytest.mark.parametrize(
    "query",
    [b"accessToken=%ZZ", b"accessToken=%FF%FE", b"accessToken=\xff\xfe", b"accessToken=%00", b"accessToken"],
)
def test_odd_encodings_of_tokens_get_401(base_url: str, query: bytes) -> None:
    status, _, body = raw_request(base_url, b"GET " + HELLO.encode() + b"?" + query + b" HTTP/1.1")
    assert status == 200
    assert body == INVALID_TOKEN


def test_duplicate_parameters_count_by_their_first_value(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    good, bad = creds["appSecret"], "wrong"
    first_good = http.get(f"{base_url}{TOKEN}?appId={creds['appId']}&appSecret={good}&appSecret={bad}")
    first_bad = http.get(f"{base_url}{TOKEN}?appId={creds['appId']}&appSecret={bad}&appSecret={good}")
    assert first_good.json()["code"] == 200
    assert first_bad.content == WRONG
    access = first_good.json()["result"]["accessToken"]
    assert http.get(f"{base_url}{HELLO}?accessToken={access}&accessToken=x").json()["code"] == 200
    assert http.get(f"{base_url}{HELLO}?accessToken=x&accessToken={access}").content == INVALID_TOKEN


def test_credentials_are_case_sensitive_parameter_names(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    answer = http.get(f"{base_url}{TOKEN}", params={"appid": creds["appId"], "appsecret": creds["appSecret"]})
    assert answer.json() == error(401, "appId或appSecret不能为空")


def test_credentials_in_a_json_body_are_not_read(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    answer = http.get(f"{base_url}{TOKEN}", json={"appId": creds["appId"], "appSecret": creds["appSecret"]})
    assert answer.json() == error(401, "appId或appSecret不能为空")


def test_a_get_body_is_ignored(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    for data in (b"{not json", b"\xff\xfe", b"[]"):
        answer = http.get(
            f"{base_url}{TOKEN}",
            params={"appId": creds["appId"], "appSecret": creds["appSecret"]},
            data=data,
            headers={"Content-Type": "application/json"},
        )
        assert answer.json()["code"] == 200


# -- sizes ---------------------------------------------------------------------------------


def test_long_query_string_still_gets_the_envelope(http: requests.Session, base_url: str) -> None:
    answer = http.get(f"{base_url}{TOKEN}", params={"appId": "a" * 30000, "appSecret": "b" * 30000})
    assert answer.status_code == 200
    assert answer.content == WRONG


def test_huge_query_string_is_a_clean_http_error(base_url: str) -> None:
    assert_uri_too_long(base_url, b"GET", HELLO, b"accessToken", 70_000)


def test_large_header_still_gets_the_envelope(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    padding = {"X-Padding": "p" * 60_000, "Cookie": "c=" + "k" * 60_000}
    answer = http.get(f"{base_url}{HELLO}", params={"accessToken": "forged"}, headers=padding)
    assert answer.status_code == 200
    assert answer.content == INVALID_TOKEN
    answer = http.get(f"{base_url}{HELLO}", params={"accessToken": access}, headers=padding)
    assert answer.json()["code"] == 200


def test_large_accept_and_content_type_headers_still_get_the_envelope(
    http: requests.Session, base_url: str
) -> None:
    creds = demo(http, base_url)
    answer = http.get(
        f"{base_url}{TOKEN}",
        params={"appId": creds["appId"], "appSecret": creds["appSecret"]},
        headers={"Accept": "application/json, " * 3000, "Content-Type": "text/x-" + "z" * 50_000},
    )
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.json()["code"] == 200


@pytest.mark.parametrize("path", [TOKEN, HELLO])
def test_huge_header_is_a_clean_http_error(base_url: str, path: str) -> None:
    """The server refuses a header line over 64 KiB before the app sees it: a clean 431."""
    status, head, body = raw_request(
        base_url,
        b"GET " + path.encode() + b"?accessToken=x HTTP/1.1",
        headers=b"X-Big: " + b"a" * 70_000 + b"\r\n",
    )
    assert status == 431
    assert_clean(status, body)
    assert b"Connection: close" in head


def test_too_many_headers_is_a_clean_http_error(base_url: str) -> None:
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(150))
    status, _, body = raw_request(
        base_url, b"GET " + HELLO.encode() + b"?accessToken=x HTTP/1.1", headers=headers
    )
    assert status == 431
    assert_clean(status, body)


def test_body_over_one_mib_is_refused_in_the_envelope(http: requests.Session, base_url: str) -> None:
    for path in (TOKEN, HELLO):
        answer = http.get(f"{base_url}{path}", data=b"x" * (1024 * 1024 + 1))
        assert answer.status_code == 413
        assert answer.headers["Content-Type"] == JSON_UTF8
        assert answer.content == '{"code":413,"message":"请求体过大","result":null,"success":false}'.encode()


def test_a_refused_body_does_not_count_toward_the_limit(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url, "limited")
    params = {"appId": creds["appId"], "appSecret": creds["appSecret"]}
    for _ in range(4):
        assert http.get(f"{base_url}{TOKEN}", params=params, data=b"x" * (1024 * 1024 + 1)).status_code == 413
    assert [fetch(http, base_url, creds)["code"] for _ in range(4)] == [200, 200, 200, 429]


# -- methods and crashes -----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        b"BREW " + TOKEN.encode() + b" HTTP/1.1",
        b"TRACE " + HELLO.encode() + b" HTTP/1.1",
        b"GET " + HELLO.encode() + b" HTTP/1.1",
        b"GET " + TOKEN.encode() + b"?appId HTTP/1.1",
    ],
)
def test_odd_methods_and_missing_parameters_never_crash(base_url: str, line: bytes) -> None:
    body = clean_answer(base_url, line)
    assert body.startswith(b'{"code":')
    assert body.endswith(b',"result":null,"success":false}')


def test_wrong_methods_get_the_envelope(http: requests.Session, base_url: str) -> None:
    for method, path in (("POST", TOKEN), ("PUT", HELLO), ("DELETE", TOKEN)):
        answer = http.request(method, f"{base_url}{path}", json={"accessToken": "x"})
        assert answer.status_code == 405
        assert answer.json() == error(405, "请求方法不支持")


def test_a_crash_is_the_platforms_system_error(
    http: requests.Session, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provider_mocks.providers.appauth.models import AppAuthModel

    explode(monkeypatch, AppAuthModel, "fetch_token", "hello")
    for path in (TOKEN, HELLO):
        answer = http.get(f"{base_url}{path}", params={"appId": "a", "appSecret": "b", "accessToken": "c"})
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == JSON_UTF8
        assert answer.content == '{"code":500,"message":"系统错误","result":null,"success":false}'.encode()
