"""Bad input on the platform's paths gets its envelope, never a 5xx or a traceback."""

from __future__ import annotations

import pytest
import requests

from tests.rawhttp import assert_clean, assert_uri_too_long, clean_answer, odd_credentials, raw_request
from tests.support import explode

from .helpers import ECHO, JSON_UTF8, NOON_MS, TOKEN, demo, error, freeze_at_noon, params, token

MISSING = error(10131, "缺少必要请求参数！")
UNKNOWN = error(10101, "非法的ApiKey，请联系接口对接人！")
TOKEN_INVALID = error(10134, "非法的AccessToken或已失效，请重新获取！")
TOO_LARGE = error(413, "请求体过大")


@pytest.fixture(autouse=True)
def frozen(http: requests.Session, base_url: str) -> None:
    freeze_at_noon(http, base_url)


# -- the token endpoint ------------------------------------------------------------------


@pytest.mark.parametrize("query", odd_credentials(b"clientId", b"secret", b"&userType=2"))
def test_odd_encodings_in_the_query_get_10101(base_url: str, query: bytes) -> None:
    status, head, body = raw_request(base_url, b"POST " + TOKEN.encode() + b"?" + query + b" HTTP/1.1")
    assert status == 200
    assert b"Content-Type: " + JSON_UTF8.encode() in head
    assert body == UNKNOWN


@pytest.mark.parametrize(
    "form",
    [
        b"clientId=%ZZ&secret=%&userType=2",
        b"clientId=\xff\xfe&secret=\xe4\xb8&userType=2",
        b"clientId=a&&&=&userType=2&secret=x",
    ],
)
def test_odd_urlencoded_bodies_get_10101(base_url: str, form: bytes) -> None:
    status, _, body = raw_request(
        base_url,
        b"POST " + TOKEN.encode() + b" HTTP/1.1",
        b"Content-Type: application/x-www-form-urlencoded\r\n",
        form,
    )
    assert status == 200
    assert body == UNKNOWN


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json;charset=UTF-8",
        "text/plain",
        "application/xml",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        None,
    ],
)
def test_a_body_that_is_not_urlencoded_is_not_read(
    http: requests.Session, base_url: str, content_type: str | None
) -> None:
    """Even when it holds the parameters in form syntax, only the Content-Type counts."""
    creds = demo(http, base_url)
    body = "&".join(f"{k}={v}" for k, v in params(creds).items()).encode()
    request = requests.Request("POST", f"{base_url}{TOKEN}", data=body).prepare()
    if content_type is None:
        request.headers.pop("Content-Type", None)
    else:
        request.headers["Content-Type"] = content_type
    answer = http.send(request)
    assert answer.status_code == 200
    assert answer.content == MISSING


def test_an_urlencoded_body_with_a_charset_is_read(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    answer = http.post(
        f"{base_url}{TOKEN}",
        data=params(creds),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    )
    assert answer.json()["code"] == 200


@pytest.mark.parametrize("body", [b"{not json", b'{"clientId": ', b"\xff\xfe\xfd", b"\x00" * 10])
def test_malformed_json_on_the_token_endpoint_is_10131(
    http: requests.Session, base_url: str, body: bytes
) -> None:
    answer = http.post(f"{base_url}{TOKEN}", data=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 200
    assert answer.content == MISSING


def test_long_parameters_get_the_envelope(http: requests.Session, base_url: str) -> None:
    answer = http.post(
        f"{base_url}{TOKEN}", params={"clientId": "a" * 30000, "secret": "b" * 30000, "userType": "2"}
    )
    assert answer.status_code == 200
    assert answer.content == UNKNOWN


def test_huge_query_string_is_a_clean_http_error(base_url: str) -> None:
    assert_uri_too_long(base_url, b"POST", TOKEN, b"clientId", 200_000)


# -- oversized bodies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/x-www-form-urlencoded", "text/plain"]
)
@pytest.mark.parametrize("path", [TOKEN, ECHO])
def test_a_body_over_one_mib_is_refused_in_the_envelope(
    http: requests.Session, base_url: str, path: str, content_type: str
) -> None:
    answer = http.post(
        f"{base_url}{path}",
        headers={"Access-Token": token(http, base_url), "Request-Id": "r", "Content-Type": content_type},
        data=b"x" * (1024 * 1024 + 1),
    )
    assert answer.status_code == 413
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.content == TOO_LARGE


def test_a_body_of_exactly_one_mib_is_read(http: requests.Session, base_url: str) -> None:
    padding = 1024 * 1024 - len('{"p":""}')
    answer = http.post(
        f"{base_url}{ECHO}",
        headers={"Access-Token": token(http, base_url), "Request-Id": "r"},
        data=b'{"p":"' + b"x" * padding + b'"}',
    )
    assert answer.status_code == 200
    assert answer.json()["data"] == {"p": "x" * padding}


# -- business calls ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"a": 1',
        b"\xff\xfe\xfd",
        b"\x00" * 10,
        b"NaN",
        b'{"a": Infinity}',
        b"[-Infinity]",
        b"[" * 100_000 + b"]" * 100_000,
        b"1" * 5000,  # an integer longer than Python reads
        b"a=1&b=2",
        b"<xml/>",
    ],
)
def test_a_business_body_that_is_not_json_is_10131(
    http: requests.Session, base_url: str, body: bytes
) -> None:
    answer = http.post(
        f"{base_url}{ECHO}",
        headers={
            "Access-Token": token(http, base_url),
            "Request-Id": "r",
            "Content-Type": "application/json",
        },
        data=body,
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.content == MISSING


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
def test_a_business_body_is_read_as_json_whatever_the_content_type(
    http: requests.Session, base_url: str, content_type: str | None
) -> None:
    headers = {"Access-Token": token(http, base_url), "Request-Id": "r"}
    if content_type:
        headers["Content-Type"] = content_type
    answer = http.post(f"{base_url}{ECHO}", headers=headers, data=b'{"k":1}')
    assert answer.json()["data"] == {"k": 1}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_json_in_any_unicode_encoding_is_read(http: requests.Session, base_url: str, encoding: str) -> None:
    answer = http.post(
        f"{base_url}{ECHO}",
        headers={"Access-Token": token(http, base_url), "Request-Id": "r"},
        data='{"名":"值"}'.encode(encoding),
    )
    assert answer.json()["data"] == {"名": "值"}


@pytest.mark.parametrize(
    "headers", [b"", b"Request-Id: r\r\n", b"Access-Token: \r\nRequest-Id: r\r\n", b"Access-Token:    \r\n"]
)
def test_a_missing_access_token_is_10131(base_url: str, headers: bytes) -> None:
    status, _, body = raw_request(base_url, b"POST " + ECHO.encode() + b" HTTP/1.1", headers, b"{}")
    assert status == 200
    assert body == MISSING


@pytest.mark.parametrize(
    "value",
    [b"\xff\xfe\xfd", "令牌".encode(), b"a" * 8000, b"TOKEN, TOKEN", b"TOKEN\tx"],
)
def test_odd_token_headers_are_10134(http: requests.Session, base_url: str, value: bytes) -> None:
    sent = value.replace(b"TOKEN", token(http, base_url).encode())
    status, _, body = raw_request(
        base_url,
        b"POST " + ECHO.encode() + b" HTTP/1.1",
        b"Access-Token: " + sent + b"\r\nRequest-Id: r\r\n",
        b"{}",
    )
    assert status == 200
    assert body == TOKEN_INVALID


def test_a_repeated_access_token_header_is_10134(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url).encode()
    status, _, body = raw_request(
        base_url,
        b"POST " + ECHO.encode() + b" HTTP/1.1",
        b"Access-Token: " + access + b"\r\nAccess-Token: " + access + b"\r\nRequest-Id: r\r\n",
        b"{}",
    )
    assert_clean(status, body)
    assert body == TOKEN_INVALID


@pytest.mark.parametrize(
    "request_id",
    [None, b"    ", b"\xff\xfe", "请求".encode(), b"x" * 8000],
    ids=["none, as the provider's demo", "blank", "not UTF-8", "Chinese", "8000 bytes"],
)
def test_odd_or_missing_request_ids_are_answered(
    http: requests.Session, base_url: str, request_id: bytes | None
) -> None:
    sent = b"Access-Token: " + token(http, base_url).encode() + b"\r\n"
    if request_id is not None:
        sent += b"Request-Id: " + request_id + b"\r\n"
    status, _, body = raw_request(base_url, b"POST " + ECHO.encode() + b" HTTP/1.1", sent, b"{}")
    assert status == 200
    assert body.startswith(b'{"code":200,')


# -- methods, paths, crashes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        b"BREW " + TOKEN.encode() + b" HTTP/1.1",
        b"GET " + ECHO.encode() + b" HTTP/1.1",
        b"POST /openapi/%ZZ HTTP/1.1",
        b"POST /openapi/\xff HTTP/1.1",
        b"POST /openapi/auth/credential/ HTTP/1.1",
    ],
)
def test_odd_requests_never_crash(base_url: str, line: bytes) -> None:
    body = clean_answer(base_url, line)
    assert body.startswith(b'{"code":')
    assert body.endswith(b',"_status":null,"ok":false}')


@pytest.mark.parametrize(("path", "method"), [(TOKEN, "issue_token"), (ECHO, "authorize")])
def test_a_crash_is_the_decided_system_error(
    http: requests.Session, base_url: str, monkeypatch: pytest.MonkeyPatch, path: str, method: str
) -> None:
    from provider_mocks.providers.credential.models import CredentialModel

    explode(monkeypatch, CredentialModel, method)
    answer = http.post(
        f"{base_url}{path}", params={"clientId": "a"}, headers={"Access-Token": "t", "Request-Id": "r"}
    )
    assert answer.status_code == 200
    assert answer.content == error(500, "系统异常，请联系管理员！", NOON_MS)
    assert b"Traceback" not in answer.content


def test_a_lone_surrogate_is_echoed_as_its_escape(http: requests.Session, base_url: str) -> None:
    """UTF-8 cannot carry half a surrogate pair: the echo writes the escape it came as."""
    answer = http.post(
        f"{base_url}{ECHO}",
        headers={"Access-Token": token(http, base_url), "Request-Id": "r"},
        data=b'{"name": "a\\udfffb"}',
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.json()["data"] == {"name": "a\udfffb"}
