"""Aliases: where a secret or token may stand in an exchange, and every other byte kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from provider_mocks.drift.aliases import Aliases, kind_of
from provider_mocks.drift.cassette import Recorded

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoiYWMifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
BLANK = Recorded(
    n=1,
    time=datetime(2026, 12, 6, tzinfo=UTC),
    method="GET",
    path="/",
    query="",
    headers=(),
    body=b"",
    status=200,
    response_headers=(),
    response=b"",
)
FORM = (("Content-Type", "application/x-www-form-urlencoded"),)


def redacted(**parts: object) -> Recorded:
    return Aliases().redact(replace(BLANK, **parts))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("appSecret", "secret"),
        ("secret", "secret"),
        ("x-atlas-client-secret", "secret"),
        ("SECRET_KEY", "secret"),
        ("secretKey", "secret"),
        ("password", "password"),
        ("Password", "password"),
        ("signature", "signature"),
        ("sign", "signature"),
        ("accessToken", "token"),
        ("access_token", "token"),
        ("Access-Token", "token"),
        ("token", "token"),
        ("refreshToken", "token"),
        ("appId", None),
        ("clientId", None),
        ("user", None),
        ("x-atlas-client-id", None),
        ("accessKey", None),
        ("orgId", None),
        ("timestamp", None),
    ],
)
def test_a_field_name_says_what_it_carries(name: str, kind: str | None) -> None:
    assert kind_of(name) == kind


@pytest.mark.parametrize(
    ("parts", "part", "expected"),
    [
        ({"query": "appId=a1&appSecret=s3cr3t-value"}, "query", "appId=a1&appSecret=<secret:1>"),
        ({"query": "APPSECRET=abc&x=1"}, "query", "APPSECRET=<secret:1>&x=1"),  # short: the field only
        ({"query": "access_token=a%2Bb%3D&y="}, "query", "access_token=<token:1>&y="),
        ({"query": "appSecret="}, "query", "appSecret="),  # nothing to hide
        (
            {"body": b"clientId=c&secret=abc&userType=2", "headers": FORM},
            "body",
            "clientId=c&secret=<secret:1>&userType=2",
        ),
        (
            {"body": b'{"a": {"b": [{"Password" : "pw"}]}, "user": "u"}'},
            "body",
            '{"a": {"b": [{"Password" : "<password:1>"}]}, "user": "u"}',
        ),
        ({"body": b'{"pin":1,"password":123456}'}, "body", '{"pin":1,"password":"<password:1>"}'),
        ({"body": b'{"token":null,"secret":""}'}, "body", '{"token":null,"secret":""}'),
        (
            {"response": b'{"msg":"\\u64cd\\u4f5c","accessToken":"tok-123456"}'},
            "response",
            '{"msg":"\\u64cd\\u4f5c","accessToken":"<token:1>"}',
        ),
        (
            {"response": b'{"url":"http://h/p?a=1&token=abc","status":0}'},
            "response",
            '{"url":"http://h/p?a=1&token=<token:1>","status":0}',
        ),
        (
            {"response": b'{"url":"http:\\/\\/h\\/p?token=abcdef12"}'},
            "response",
            '{"url":"http:\\/\\/h\\/p?token=<token:1>"}',
        ),
        (
            {"response": f'{{"code":200,"data":"{JWT}"}}'.encode()},
            "response",
            '{"code":200,"data":"<token:1>"}',
        ),
        ({"path": f"/files/{JWT}/x"}, "path", "/files/<token:1>/x"),
        ({"headers": (("Authorization", "Bearer abc"),)}, "headers", "Authorization: Bearer <token:1>"),
        ({"headers": (("authorization", "Basic dTpw"),)}, "headers", "authorization: Basic <secret:1>"),
        (
            {"headers": (("x-atlas-client-id", "id1"), ("X-Atlas-Client-Secret", "s"))},
            "headers",
            "x-atlas-client-id: id1\nX-Atlas-Client-Secret: <secret:1>",
        ),
        (
            {"headers": (("token", JWT), ("signature", "ab12"))},
            "headers",
            "token: <token:1>\nsignature: <signature:1>",
        ),
        (
            {"response_headers": (("Location", "/next?token=abc&a=1"),)},
            "response_headers",
            "Location: /next?token=<token:1>&a=1",
        ),
        (
            {"body": b"\xff\xfe secret=abcdefgh", "query": "secret=abcdefgh"},
            "body",
            "\udcff\udcfe secret=<secret:1>",
        ),
    ],
)
def test_a_secret_is_aliased_where_it_stands(parts: dict[str, object], part: str, expected: str) -> None:
    value = getattr(redacted(**parts), part)
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="surrogateescape")
    if isinstance(value, tuple):
        value = "\n".join(f"{name}: {text}" for name, text in value)
    assert value == expected


def test_a_known_value_is_aliased_wherever_it_comes_again() -> None:
    aliases = Aliases()
    issued = aliases.redact(replace(BLANK, response=b'{"data":{"accessToken":"d8e8fca2dc0f896f"}}'))
    used = aliases.redact(
        replace(
            BLANK,
            path="/by/d8e8fca2dc0f896f",
            headers=(("X-Echo", "was d8e8fca2dc0f896f"),),
            body=b'{"note": "d8e8fca2dc0f896f"}',
            response=b'{"seen":"d8e8fca2dc0f896f"}',
        )
    )
    assert issued.response == b'{"data":{"accessToken":"<token:1>"}}'
    assert (used.path, used.headers, used.body, used.response) == (
        "/by/<token:1>",
        (("X-Echo", "was <token:1>"),),
        b'{"note": "<token:1>"}',
        b'{"seen":"<token:1>"}',
    )


def test_a_value_the_answer_reveals_is_aliased_in_the_request_too() -> None:
    found = redacted(body=b'{"echo": "tok-abcdefgh"}', response=b'{"accessToken":"tok-abcdefgh"}')
    assert (found.body, found.response) == (b'{"echo": "<token:1>"}', b'{"accessToken":"<token:1>"}')


def test_a_short_value_stays_elsewhere() -> None:
    found = redacted(query="secret=abc", response=b'{"msg":"abc"}')
    assert (found.query, found.response) == ("secret=<secret:1>", b'{"msg":"abc"}')


def test_aliases_count_per_kind_and_repeat_for_the_same_value() -> None:
    aliases = Aliases()
    first = aliases.redact(replace(BLANK, query="appSecret=one111&password=two222&token=t1"))
    second = aliases.redact(replace(BLANK, query="token=t2&appSecret=one111&token=t1"))
    assert first.query == "appSecret=<secret:1>&password=<password:1>&token=<token:1>"
    assert second.query == "token=<token:2>&appSecret=<secret:1>&token=<token:1>"


def test_an_alias_is_never_aliased_again() -> None:
    found = redacted(query="secret=secret&x=<secret:1>", body=b"secret secret")
    assert (found.query, found.body) == ("<secret:1>=<secret:1>&x=<secret:1>", b"<secret:1> <secret:1>")


def test_a_body_that_is_not_json_is_left_as_it_is() -> None:
    text = b'{"token": "abc", broken'
    assert redacted(response=text).response == text
