"""Bad input on ATRIP's path gets ATRIP's envelope, never a traceback or an HTTP 500."""

from __future__ import annotations

import gzip

import pytest
import requests

from tests.rawhttp import raw_request
from tests.support import explode

from .helpers import BODY, ID, JSON_UTF8, SECRET, TOKEN, demo, error, headers, portal_url, post

NOT_OBJECT = error(2, "Request body must be a JSON object")


def assert_envelope(answer: requests.Response, expected: dict[str, object], status: int = 200) -> None:
    assert answer.status_code == status
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert b"Traceback" not in answer.content
    assert answer.json() == expected


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"{not json",
        b'{"orderNo": "A1"',
        b"\xff\xfe\xfd",
        b"\x00" * 10,
        b"[1, 2]",
        b'"x"',
        b"3",
        b"null",
        b"true",
        b"[" * 100_000 + b"]" * 100_000,  # deeper than any parser's recursion
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"orderNo": NaN}x',
        b"orderNo=A1&userName=x&role=Admin",
    ],
    ids=lambda b: repr(b[:20]),
)
def test_malformed_json_answers_status_2(http: requests.Session, base_url: str, body: bytes) -> None:
    assert_envelope(post(http, base_url, demo(http, base_url), body), NOT_OBJECT)


def test_utf16_and_utf32_json_bodies_are_read(http: requests.Session, base_url: str) -> None:
    import json

    text = json.dumps({**BODY, "userName": "李伟"}, ensure_ascii=False)
    for encoding in ("utf-8-sig", "utf-16", "utf-32"):
        answer = post(http, base_url, demo(http, base_url), text.encode(encoding))
        assert answer.json()["status"] == 0, encoding


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "text/json", "application/jsonx", "*/*"],
)
def test_wrong_content_type_answers_status_2(
    http: requests.Session, base_url: str, content_type: str
) -> None:
    answer = post(http, base_url, demo(http, base_url), **{"Content-Type": content_type})
    assert_envelope(answer, error(2, "Content-Type must be application/json"))


def test_form_body_is_not_read_as_parameters(http: requests.Session, base_url: str) -> None:
    answer = http.post(
        f"{base_url}{TOKEN}",
        data=BODY,
        headers={k: v for k, v in headers(demo(http, base_url)).items() if k != "Content-Type"},
    )
    assert_envelope(answer, error(2, "Content-Type must be application/json"))


@pytest.mark.parametrize("size", [1024 * 1024 + 1, 3 * 1024 * 1024])
def test_oversized_body_is_a_413_in_the_envelope(http: requests.Session, base_url: str, size: int) -> None:
    body = b'{"orderNo":"' + b"A" * size + b'"}'
    answer = post(http, base_url, demo(http, base_url), body)
    assert_envelope(answer, error(2, "Request body too large"), status=413)
    assert answer.headers["Content-Encoding"] == "gzip"


def test_oversized_body_without_credentials_is_still_413(http: requests.Session, base_url: str) -> None:
    answer = post(http, base_url, None, b"x" * (1024 * 1024 + 1))
    assert_envelope(answer, error(2, "Request body too large"), status=413)


@pytest.mark.parametrize("missing", [ID, SECRET])
def test_missing_credential_headers_answer_status_3(
    http: requests.Session, base_url: str, missing: str
) -> None:
    answer = post(http, base_url, demo(http, base_url), **{missing: None})
    assert_envelope(answer, error(3, "Unauthorized access"))


def test_missing_content_type_answers_status_2(http: requests.Session, base_url: str) -> None:
    answer = post(http, base_url, demo(http, base_url), **{"Content-Type": None})
    assert_envelope(answer, error(2, "Missing required header: Content-Type"))


def test_all_documented_headers_missing_but_credentials(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    status, top, body = raw_request(
        base_url,
        b"POST " + TOKEN.encode() + b" HTTP/1.1",
        f"{ID}: {creds[ID]}\r\n{SECRET}: {creds[SECRET]}\r\n".encode(),
        b'{"orderNo":"A1","userName":"x","role":"Admin"}',
    )
    assert status == 200
    assert b"Content-Encoding" not in top
    assert body == b'{"url":"","status":2,"msg":"Missing required header: Content-Type"}'


@pytest.mark.parametrize(
    "head",
    [
        b"x-atlas-client-id: \xff\xfe\r\nx-atlas-client-secret: \xe4\xb8\r\n",  # not UTF-8
        b"x-atlas-client-id: \xe5\xae\xa2\xe6\x88\xb7\r\nx-atlas-client-secret: \xe5\xaf\x86\r\n",  # Chinese
        b"x-atlas-client-id: a\x01b\r\nx-atlas-client-secret: \x7f\r\n",
        b"x-atlas-client-id: " + b"a" * 8000 + b"\r\nx-atlas-client-secret: b\r\n",
    ],
)
def test_odd_credential_bytes_answer_status_3(base_url: str, head: bytes) -> None:
    status, _, body = raw_request(
        base_url,
        b"POST " + TOKEN.encode() + b" HTTP/1.1",
        head + b"Content-Type: application/json\r\n",
        b"{}",
    )
    assert status == 200
    assert body == b'{"url":"","status":3,"msg":"Unauthorized access"}'


@pytest.mark.parametrize("method", [b"BREW", b"GET", b"PUT", b"DELETE", b"OPTIONS", b"PATCH"])
def test_other_methods_answer_405_in_the_envelope(base_url: str, method: bytes) -> None:
    status, top, body = raw_request(base_url, method + b" " + TOKEN.encode() + b" HTTP/1.1")
    assert status == 405
    if method != b"BREW":  # a method no route knows: the router's own Allow list
        assert b"Allow: POST\r\n" in top
    assert body == b'{"url":"","status":2,"msg":"Request method not supported"}'


def test_head_answers_405_without_a_body(http: requests.Session, base_url: str) -> None:
    answer = http.head(f"{base_url}{TOKEN}")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "POST"


@pytest.mark.parametrize("path", [TOKEN + "/", TOKEN + "/x", TOKEN + "/x/y?z=1"])
def test_unknown_path_under_the_token_path_is_a_404_envelope(
    http: requests.Session, base_url: str, path: str
) -> None:
    answer = http.post(f"{base_url}{path}", json=BODY, headers={"Accept-Encoding": "identity"})
    assert_envelope(answer, error(2, "Not found"), status=404)


def test_query_string_is_ignored(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    answer = http.post(
        f"{base_url}{TOKEN}", params={"orderNo": "x y", **creds}, data=b"{}", headers=headers(None)
    )
    assert_envelope(answer, error(3, "Unauthorized access"))


def test_a_crash_is_status_2_system_error_in_an_http_200(
    http: requests.Session, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provider_mocks.providers.atrip.models import AtripModel

    explode(monkeypatch, AtripModel, "open_session")
    answer = post(http, base_url, demo(http, base_url))
    assert_envelope(answer, error(2, "System error"))


def test_a_crash_answer_is_gzip_when_accepted(
    http: requests.Session, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provider_mocks.providers.atrip.models import AtripModel

    monkeypatch.setattr(AtripModel, "authenticate", lambda *_: 1 / 0)
    answer = http.post(f"{base_url}{TOKEN}", json=BODY, headers={"Accept-Encoding": "gzip"}, stream=True)
    assert answer.status_code == 200
    assert (
        gzip.decompress(answer.raw.read(decode_content=False))
        == b'{"url":"","status":2,"msg":"System error"}'
    )


def test_a_lone_surrogate_in_the_user_name_still_renders_the_portal(
    http: requests.Session, base_url: str
) -> None:
    """JSON may escape half a surrogate pair (`\\ud800`); the page shows `?` there, as Java's
    UTF-8 encoder writes it, rather than failing to encode."""
    body = b'{"orderNo": "TK1", "userName": "Li\\ud800Wei", "role": "Admin"}'
    answer = http.get(portal_url(http, base_url, body=body))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Li?Wei" in answer.content.decode("utf-8")
