"""Bad input on iTrigger paths gets iTrigger's envelope or a clean HTTP error, never a traceback."""

from __future__ import annotations

import pytest
import requests

from tests.rawhttp import assert_uri_too_long, clean_answer, odd_credentials, raw_request
from tests.support import JSON_UTF8, explode

from .helpers import GET_API, POST_API, TOKEN, demo, error, token


@pytest.mark.parametrize("query", odd_credentials(b"appId", b"appSecret"))
def test_odd_encodings_get_40002(base_url: str, query: bytes) -> None:
    status, _, body = raw_request(base_url, b"GET " + TOKEN.encode() + b"?" + query + b" HTTP/1.1")
    assert status == 200
    assert body == '{"code":40002,"message":"appId或appSecret格式不正确","data":null}'.encode()


def test_duplicate_parameters_count_by_their_first_value(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    good, bad = creds["appSecret"], "wrong"
    first_good = http.get(f"{base_url}{TOKEN}?appId={creds['appId']}&appSecret={good}&appSecret={bad}").json()
    first_bad = http.get(f"{base_url}{TOKEN}?appId={creds['appId']}&appSecret={bad}&appSecret={good}").json()
    assert first_good["code"] == 200
    assert first_bad == error(40002, "appId或appSecret格式不正确")


def test_duplicate_business_parameters_echo_the_first(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    answer = http.get(f"{base_url}{GET_API}?accessToken={access}&a=1&a=2")
    assert answer.json()["data"] == {"a": "1"}


def test_long_query_string_still_gets_the_envelope(http: requests.Session, base_url: str) -> None:
    answer = http.get(f"{base_url}{TOKEN}", params={"appId": "a" * 30000, "appSecret": "b" * 30000})
    assert answer.status_code == 200
    assert answer.json() == error(40002, "appId或appSecret格式不正确")


def test_huge_query_string_is_a_clean_http_error(base_url: str) -> None:
    assert_uri_too_long(base_url, b"GET", TOKEN, b"appId", 200_000)


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\xfd",
        b'{"a": 1',
        b"\x00" * 10,
        b"[1, 2]",
        b'"x"',
        b"3",
        b"null",
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_malformed_post_body_gets_61451(http: requests.Session, base_url: str, body: bytes) -> None:
    access = token(http, base_url)
    answer = http.post(
        f"{base_url}{POST_API}",
        params={"accessToken": access},
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.json() == {"code": 61451, "message": "参数错误", "data": None}


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_post_reads_json_whatever_the_content_type(
    http: requests.Session, base_url: str, content_type: str
) -> None:
    access = token(http, base_url)
    answer = http.post(
        f"{base_url}{POST_API}",
        params={"accessToken": access},
        data=b'{"k":1}',
        headers={"Content-Type": content_type},
    )
    assert answer.json() == {"code": 200, "message": "操作成功", "data": {"k": 1}}


def test_body_over_one_mib_is_refused_in_the_envelope(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    answer = http.post(
        f"{base_url}{POST_API}",
        params={"accessToken": access},
        data=b"x" * (1024 * 1024 + 1),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json() == error(413, "请求体过大")


def test_utf16_json_body_is_read(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    answer = http.post(
        f"{base_url}{POST_API}",
        params={"accessToken": access},
        data='{"名":"值"}'.encode("utf-16"),
        headers={"Content-Type": "application/json"},
    )
    assert answer.json()["data"] == {"名": "值"}


@pytest.mark.parametrize(
    "line", [b"BREW " + TOKEN.encode() + b" HTTP/1.1", b"GET " + GET_API.encode() + b" HTTP/1.1"]
)
def test_odd_methods_and_missing_token_never_crash(base_url: str, line: bytes) -> None:
    body = clean_answer(base_url, line)
    assert body.startswith(b'{"code":')


def test_unknown_path_under_the_gateway_prefix_is_the_envelope(http: requests.Session, base_url: str) -> None:
    answer = http.get(f"{base_url}/itrigger-tenant")
    assert answer.status_code == 404
    assert answer.json() == error(404, "接口不存在")


def test_a_crash_is_the_gateways_system_error(
    http: requests.Session, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provider_mocks.providers.itrigger.models import ITriggerModel

    explode(monkeypatch, ITriggerModel, "issue_token")
    answer = http.get(f"{base_url}{TOKEN}", params={"appId": "a", "appSecret": "b"})
    assert answer.status_code == 200
    assert answer.json() == error(500, "系统错误")
    assert b"Traceback" not in answer.content


def test_a_lone_surrogate_is_echoed_as_its_escape(http: requests.Session, base_url: str) -> None:
    """UTF-8 cannot carry half a surrogate pair: the echo writes the escape it came as."""
    access = token(http, base_url)
    answer = http.post(f"{base_url}{POST_API}?accessToken={access}", data=b'{"name": "a\\ud800b"}')
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert b'"data":{"name":"a\\ud800b"}' in answer.content
