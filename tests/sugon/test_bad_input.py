"""Bad input on Sugon paths gets the platform's envelope or a clean HTTP error, never a traceback."""

from __future__ import annotations

import base64

import pytest
import requests

from tests.rawhttp import assert_clean, clean_answer, raw_request
from tests.support import answered, explode

from .helpers import (
    ACTIVE,
    AKSK,
    CENTER,
    CLAIMS_OUT_OF_RANGE,
    OLD_PUBLIC_KEY,
    RENEW,
    STATE,
    TOKENS,
    USER,
    claims,
    demo,
    error,
    hs256,
    key_error,
    secret,
    token,
    with_claim,
)

INVALID = error("10004", "参数无效")
NO_ALG = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
TOKEN_PATHS = [(RENEW, "POST"), (STATE, "GET"), (CENTER, "GET"), (USER, "GET")]


def call(
    http: requests.Session, base_url: str, path: str, method: str, jwt: str | bytes
) -> requests.Response:
    answer = answered(http.request(method, f"{base_url}{path}", headers={"token": jwt}), 200)
    return answer


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forged(http: requests.Session, base_url: str) -> dict[str, str]:
    """Tokens that look right but are not the mock's, each built from a genuine one."""
    good = token(http, base_url)
    header, payload, signature = good.split(".")
    own = claims(good)
    key = secret(http, base_url)
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    raised = own | {"expireTime": str(int(own["expireTime"]) + 10**9)}
    return {
        "bad signature": f"{header}.{payload}.{flipped}",
        "no signature": f"{header}.{payload}.",
        "truncated signature": good[:-4],
        "two parts": f"{header}.{payload}",
        "header only": header,
        "payload edited, signature kept": f"{header}.{hs256(raised, 'x' * 32).split('.')[1]}.{signature}",
        "another key": hs256(own, "another HS256 key of thirty-two bytes!"),
        "another key, same length": hs256(own, key[::-1]),
        "the former public default key": hs256(own, OLD_PUBLIC_KEY),
        "alg none": f"{NO_ALG}.{payload}.",
        "alg HS512": hs256(own, key, header=b'{"alg":"HS512","typ":"JWT"}'),
        "extra claim": hs256(own | {"admin": "1"}, key),
        "missing claim": hs256({k: v for k, v in own.items() if k != "userId"}, key),
        "number expireTime": hs256(own | {"expireTime": int(own["expireTime"])}, key),
        "ms with a dot": hs256(own | {"expireTime": own["expireTime"] + ".5"}, key),
        "payload not an object": hs256(b'["computeUser"]', key),
        "payload not json": hs256(b"not json", key),
        "payload nested 20,000 deep": hs256(b"[" * 20_000 + b"]" * 20_000, key),
        "unknown user": hs256(own | {"user": "nobody"}, key),
        "another org": hs256(own | {"invoker": "0" * 32}, key),
        "another userId": hs256(own | {"userId": "1"}, key),
        "bearer prefix": f"Bearer {good}",
        "two tokens": f"{good},{good}",
    }


FORGERIES = [
    "bad signature",
    "no signature",
    "truncated signature",
    "two parts",
    "header only",
    "payload edited, signature kept",
    "another key",
    "another key, same length",
    "the former public default key",
    "alg none",
    "alg HS512",
    "extra claim",
    "missing claim",
    "number expireTime",
    "ms with a dot",
    "payload not an object",
    "payload not json",
    "payload nested 20,000 deep",
    "unknown user",
    "another org",
    "another userId",
    "bearer prefix",
    "two tokens",
]


@pytest.mark.parametrize("forgery", FORGERIES)
def test_forged_tokens_answer_10004(http: requests.Session, base_url: str, forgery: str) -> None:
    jwt = forged(http, base_url)[forgery]
    for path, method in TOKEN_PATHS:
        assert call(http, base_url, path, method, jwt).content == INVALID, path


def test_the_genuine_token_passes_where_forgeries_fail(http: requests.Session, base_url: str) -> None:
    """The forgeries differ from a token the mock accepts by one thing each."""
    good = token(http, base_url)
    assert call(http, base_url, STATE, "GET", good).json()["code"] == "0"
    assert (
        call(http, base_url, STATE, "GET", hs256(claims(good), secret(http, base_url))).json()["code"] == "0"
    )


@pytest.mark.parametrize(
    ("claim", "value"),
    CLAIMS_OUT_OF_RANGE,
)
def test_genuine_tokens_with_claims_out_of_range_answer_10004(
    http: requests.Session, base_url: str, caplog: pytest.LogCaptureFixture, claim: str, value: str
) -> None:
    """The platform never writes such a claim: refused as not valid, not a crash (10001 and a traceback)."""
    jwt = with_claim(claims(token(http, base_url)), claim, value, secret(http, base_url))
    for path, method in TOKEN_PATHS:
        assert call(http, base_url, path, method, jwt).content == INVALID, path
    assert not [record for record in caplog.records if record.exc_info]


@pytest.mark.parametrize(
    "jwt",
    ["x", "a.b.c", "...", "eyJ.eyJ.", "null", "{}", "0" * 4096, "é.é.é", "\x7f"],
)
def test_garbage_tokens_answer_10004(http: requests.Session, base_url: str, jwt: str) -> None:
    for path, method in TOKEN_PATHS:
        assert call(http, base_url, path, method, jwt.encode()).content == INVALID, path


@pytest.mark.parametrize(("path", "method"), TOKEN_PATHS)
def test_non_utf8_header_bytes_answer_10004(base_url: str, path: str, method: str) -> None:
    status, _, body = raw_request(
        base_url, f"{method} {path} HTTP/1.1".encode(), headers=b"token: \xff\xfe\xe4\xb8.\x80\r\n"
    )
    assert status == 200
    assert body == INVALID


@pytest.mark.parametrize(("path", "method"), TOKEN_PATHS)
def test_blank_header_counts_as_missing(base_url: str, path: str, method: str) -> None:
    status, _, body = raw_request(base_url, f"{method} {path} HTTP/1.1".encode(), headers=b"token:   \t \r\n")
    assert status == 200
    assert body == error("10003", "参数不全")


def test_duplicate_token_headers_answer_10004(http: requests.Session, base_url: str) -> None:
    good = token(http, base_url).encode()
    status, _, body = raw_request(
        base_url,
        f"GET {STATE} HTTP/1.1".encode(),
        headers=b"token: " + good + b"\r\ntoken: " + good + b"\r\n",
    )
    assert status == 200
    assert body == INVALID


def test_odd_credentials_answer_10004(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    for headers in (
        {"user": creds["user"] + "\u00a0", "password": creds["password"], "orgId": creds["orgId"]},
        {"user": creds["user"].upper(), "password": creds["password"], "orgId": creds["orgId"]},
        {"user": creds["user"], "password": creds["password"], "orgId": creds["orgId"].upper()},
        {"user": "张三", "password": "\x00", "orgId": "%00"},
    ):
        answer = http.post(f"{base_url}{TOKENS}", headers={k: v.encode() for k, v in headers.items()})
        assert answer.content == INVALID, headers


def test_a_large_but_accepted_header_gets_the_envelope(http: requests.Session, base_url: str) -> None:
    for path, method in TOKEN_PATHS:
        assert call(http, base_url, path, method, "a" * 60_000).content == INVALID
    answer = http.post(f"{base_url}{TOKENS}", headers={"user": "u" * 60_000, "password": "p", "orgId": "o"})
    assert answer.content == INVALID


@pytest.mark.parametrize("size", [70_000, 100_000, 1_000_000])
def test_a_huge_header_is_a_clean_http_error(base_url: str, size: int) -> None:
    status, _, body = raw_request(
        base_url, f"GET {STATE} HTTP/1.1".encode(), headers=b"token: " + b"a" * size + b"\r\n"
    )
    assert 400 <= status < 500
    assert status == 431
    assert_clean(status, body)


def test_too_many_headers_is_a_clean_http_error(base_url: str) -> None:
    many = b"".join(b"x-h%d: 1\r\n" % i for i in range(200))
    status, _, body = raw_request(base_url, f"POST {TOKENS} HTTP/1.1".encode(), headers=many)
    assert status == 431
    assert_clean(status, body)


def test_the_server_answers_normally_after_huge_headers(http: requests.Session, base_url: str) -> None:
    raw_request(base_url, f"GET {STATE} HTTP/1.1".encode(), headers=b"token: " + b"a" * 200_000 + b"\r\n")
    assert call(http, base_url, STATE, "GET", token(http, base_url)).json()["code"] == "0"


@pytest.mark.parametrize("path", [TOKENS, AKSK, RENEW])
def test_a_body_is_ignored(http: requests.Session, base_url: str, path: str) -> None:
    for body in (b"{not json", b"\xff\xfe", b"[1,2]", b'{"token": "x"}'):
        answer = http.post(f"{base_url}{path}", data=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 200
        assert answer.content == (key_error if path == AKSK else error)("10003", "参数不全")


@pytest.mark.parametrize(("path", "method"), [(TOKENS, "POST"), (AKSK, "POST"), *TOKEN_PATHS])
def test_body_over_one_mib_is_refused_in_the_envelope(
    http: requests.Session, base_url: str, path: str, method: str
) -> None:
    answer = answered(http.request(method, f"{base_url}{path}", data=b"x" * (1024 * 1024 + 1)), 413)
    assert answer.content == (key_error if path == AKSK else error)("413", "请求体过大")


@pytest.mark.parametrize("path", ["/ac", "/ac/openapi/v2", "/ac/openapi/v2/tokens/", "/api/user/v3/token"])
def test_unknown_path_under_the_platform_prefixes_is_the_envelope(
    http: requests.Session, base_url: str, path: str
) -> None:
    answer = answered(http.get(f"{base_url}{path}"), 404)
    assert answer.content == error("404", "接口不存在")


@pytest.mark.parametrize(
    "line", [b"BREW " + TOKENS.encode() + b" HTTP/1.1", b"GET " + CENTER.encode() + b"?%ZZ HTTP/1.1"]
)
def test_odd_requests_never_crash(base_url: str, line: bytes) -> None:
    body = clean_answer(base_url, line)
    assert body.startswith(b'{"code":"')


@pytest.mark.parametrize(
    ("path", "method", "operation"),
    [
        (TOKENS, "POST", "login"),
        (AKSK, "POST", "login_with_key"),
        (RENEW, "POST", "renew"),
        (STATE, "GET", "state"),
        (CENTER, "GET", "center"),
        (USER, "GET", "account"),
    ],
)
def test_a_crash_is_the_platforms_10001_in_http_200(
    http: requests.Session,
    base_url: str,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    method: str,
    operation: str,
) -> None:
    from provider_mocks.providers.sugon.models import SugonModel

    explode(monkeypatch, SugonModel, operation)
    answer = answered(http.request(method, f"{base_url}{path}", headers={"token": "x"}), 200)
    assert answer.content == (key_error if path == AKSK else error)("10001", "内部错误")
    assert b"Traceback" not in answer.content


def test_suspended_region_token_cannot_be_had(http: requests.Session, base_url: str) -> None:
    """A token for the suspended region, built by hand with the right key, is still refused."""
    own = claims(token(http, base_url, ACTIVE)) | {"clusterId": "11126"}
    jwt = hs256(own, secret(http, base_url))
    assert call(http, base_url, STATE, "GET", jwt).content == error("10008", "权限不足")
