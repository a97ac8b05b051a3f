"""ATRIP over real HTTP: every documented status and lifecycle rule, on the virtual clock.

Expected answers are written out literally (the documented envelope, byte for byte),
never read back from the mock's own message table.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from provider_mocks import create_app
from provider_mocks.core.server import LiveServer
from tests.support import answered, clock

from .helpers import (
    BODY,
    HTML_UTF8,
    ID,
    JSON_UTF8,
    PORTAL,
    SECRET,
    TOKEN,
    demo,
    error,
    fetch,
    headers,
    portal_url,
    post,
)

UNAUTHORIZED = b'{"url":"","status":3,"msg":"Unauthorized access"}'
FOREIGN = b'{"url":"","status":3,"msg":"Unauthorized access: the order does not belong to this client"}'


def raw(answer: requests.Response) -> bytes:
    """The body exactly as it came over the wire (still compressed, if it was)."""
    data: bytes = answer.raw.read(decode_content=False)
    return data


def plain(http: requests.Session, base_url: str, creds: dict[str, str] | None, body: Any = None) -> bytes:
    """The uncompressed answer bytes of a request that does not accept gzip."""
    answer = answered(post(http, base_url, creds, body, **{"Accept-Encoding": "identity"}), 200)
    assert "Content-Encoding" not in answer.headers
    return answer.content


# -- success -------------------------------------------------------------------------


def test_success_is_the_documented_envelope(http: requests.Session, base_url: str) -> None:
    body = plain(http, base_url, demo(http, base_url))
    port = str(urlsplit(base_url).port).encode()
    match = re.fullmatch(
        rb'\{"url":"http://127\.0\.0\.1:'
        + port
        + rb'/atrip-portal/login\?token=([0-9a-f]{32})","status":0,"msg":null\}',
        body,
    )
    assert match, body


def test_each_request_gets_a_new_portal_token(http: requests.Session, base_url: str) -> None:
    first, second = portal_url(http, base_url), portal_url(http, base_url)
    assert first != second
    for url in (first, second):
        assert http.get(url).status_code == 200


def test_url_points_back_at_the_host_the_client_called(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    answer = post(http, base_url, creds, Host="sandbox.atriptech.com")
    url = urlsplit(answer.json()["url"])
    assert (url.scheme, url.netloc, url.path) == ("http", "sandbox.atriptech.com", PORTAL)
    assert len(parse_qs(url.query)["token"][0]) == 32


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("Customer service", "Customer service"),
        ("Finance", "Finance"),
        ("Developer", "Developer"),
        ("Admin", "Admin"),
        ("TICKETING", "Customer service"),
        ("FINANCE", "Finance"),
        ("TECH", "Developer"),
        ("ADMIN", "Admin"),
    ],
)
def test_both_role_spellings_are_accepted(
    http: requests.Session, base_url: str, role: str, shown: str
) -> None:
    url = portal_url(http, base_url, body={**BODY, "role": role})
    page = http.get(url).text
    assert f'<dd id="role">{shown}' in page
    assert (f"(sent as {role})" in page) == (role != shown)


def test_legacy_body_with_cid_is_accepted(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    legacy = {"orderNo": "TK0000000002", "userName": "王芳", "role": "TICKETING", "cid": creds[ID]}
    url = portal_url(http, base_url, body=legacy)
    page = http.get(url).text
    assert '<dd id="operator">王芳</dd>' in page
    assert f'<dd id="cid">{creds[ID]}</dd>' in page


def test_extra_body_fields_are_ignored(http: requests.Session, base_url: str) -> None:
    assert fetch(http, base_url, body={**BODY, "note": [1, 2], "x": None})["status"] == 0


# -- status 3: credentials -----------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {ID: None},
        {SECRET: None},
        {ID: None, SECRET: None},
        {ID: ""},
        {SECRET: ""},
        {ID: "unknown-client"},
        {SECRET: "wrong"},
        {"case": "upper-secret"},
    ],
    ids=[
        "no id",
        "no secret",
        "neither",
        "empty id",
        "empty secret",
        "unknown id",
        "wrong secret",
        "secret case",
    ],
)
def test_bad_credentials_answer_status_3(
    http: requests.Session, base_url: str, change: dict[str, str | None]
) -> None:
    creds: dict[str, Any] = dict(demo(http, base_url))
    if change.pop("case", None):
        creds[SECRET] = creds[SECRET].upper()
    sent = {**headers(creds), **change, "Accept-Encoding": "identity"}
    answer = answered(http.post(f"{base_url}{TOKEN}", json=BODY, headers=sent), 200)
    assert answer.content == UNAUTHORIZED


def test_header_names_are_case_insensitive(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    sent = {
        "X-ATLAS-CLIENT-ID": creds[ID],
        "X-Atlas-Client-Secret": creds[SECRET],
        "content-type": "application/json",
    }
    assert http.post(f"{base_url}{TOKEN}", json=BODY, headers=sent).json()["status"] == 0


def test_one_clients_secret_does_not_open_another(http: requests.Session, base_url: str) -> None:
    demo_creds, orders_creds = demo(http, base_url), demo(http, base_url, "orders")
    mixed = {ID: demo_creds[ID], SECRET: orders_creds[SECRET]}
    assert plain(http, base_url, mixed) == UNAUTHORIZED


# -- status 2: the body ----------------------------------------------------------------


@pytest.mark.parametrize("field", ["orderNo", "userName", "role"])
@pytest.mark.parametrize("value", ["<absent>", None, "", "   "])
def test_missing_or_blank_field_answers_status_2(
    http: requests.Session, base_url: str, field: str, value: str | None
) -> None:
    body: dict[str, Any] = dict(BODY)
    if value == "<absent>":
        del body[field]
    else:
        body[field] = value
    expected = {
        "orderNo": b"orderNo is required",
        "userName": b"userName is required",
        "role": b"role is required",
    }
    assert plain(http, base_url, demo(http, base_url), body) == (
        b'{"url":"","status":2,"msg":"' + expected[field] + b'"}'
    )


@pytest.mark.parametrize("field", ["orderNo", "userName", "role", "cid"])
@pytest.mark.parametrize("value", [1, 1.5, True, ["a"], {"a": "b"}])
def test_field_that_is_not_a_string_answers_status_2(
    http: requests.Session, base_url: str, field: str, value: Any
) -> None:
    answer = fetch(http, base_url, body={**BODY, field: value})
    assert answer == error(2, f"{field} must be a string")


@pytest.mark.parametrize(
    "role",
    [
        "customer service",
        "CUSTOMER SERVICE",
        "Customer Service",
        " Admin",
        "Admin ",
        "admin",
        "Ticketing",
        "Boss",
    ],
)
def test_role_outside_the_list_answers_status_2(http: requests.Session, base_url: str, role: str) -> None:
    assert fetch(http, base_url, body={**BODY, "role": role}) == error(
        2, "role must be one of: Customer service, Finance, Developer, Admin, TICKETING, FINANCE, TECH, ADMIN"
    )


@pytest.mark.parametrize(
    "order_no", ["A" * 65, "TK 001", "TK.001", "订单001", "TK001\n", "TK001/2", "TK%01", "\uff34\uff11"]
)
def test_malformed_order_no_answers_status_2(http: requests.Session, base_url: str, order_no: str) -> None:
    assert fetch(http, base_url, body={**BODY, "orderNo": order_no}) == error(
        2, "orderNo must be 1 to 64 letters, digits, '-' or '_'"
    )


@pytest.mark.parametrize("order_no", ["A", "a" * 64, "TK-2026_01", "0", "-", "_"])
def test_well_formed_order_no_is_accepted(http: requests.Session, base_url: str, order_no: str) -> None:
    url = portal_url(http, base_url, body={**BODY, "orderNo": order_no})
    assert f'<dd id="order">{order_no}</dd>' in http.get(url).text


def test_fields_are_checked_in_the_documented_order(http: requests.Session, base_url: str) -> None:
    body = {"orderNo": "bad order", "userName": 5, "role": "Boss"}
    assert fetch(http, base_url, body=body)["msg"] == "orderNo must be 1 to 64 letters, digits, '-' or '_'"
    assert fetch(http, base_url, body={**body, "orderNo": "A1"})["msg"] == "userName must be a string"
    assert fetch(http, base_url, body={**body, "orderNo": "A1", "userName": "x"})["msg"].startswith(
        "role must"
    )


# -- headers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
        "multipart/form-data; boundary=x",
        "json",
    ],
)
def test_content_type_that_is_not_json_answers_status_2(
    http: requests.Session, base_url: str, content_type: str
) -> None:
    answer = fetch(http, base_url, **{"Content-Type": content_type})
    assert answer == error(2, "Content-Type must be application/json")


def test_missing_content_type_answers_status_2(http: requests.Session, base_url: str) -> None:
    answer = post(http, base_url, demo(http, base_url), None, **{"Content-Type": None})
    assert answer.json() == error(2, "Missing required header: Content-Type")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json;charset=UTF-8",
        "Application/JSON; charset=utf-8",
        "application/vnd.atlas+json",
    ],
)
def test_json_content_types_are_accepted(http: requests.Session, base_url: str, content_type: str) -> None:
    assert fetch(http, base_url, **{"Content-Type": content_type})["status"] == 0


def test_accept_and_accept_encoding_are_not_enforced_by_default(
    http: requests.Session, base_url: str
) -> None:
    answer = post(http, base_url, demo(http, base_url), None, **{"Accept": None, "Accept-Encoding": None})
    assert answer.json()["status"] == 0


@pytest.mark.parametrize("accept", ["*/*", "application/json", "text/html", "application/json, */*"])
def test_any_accept_is_answered_by_default(http: requests.Session, base_url: str, accept: str) -> None:
    """Clients observe that Atlas rejects all but */* [public]; the mock only with strict_accept."""
    assert fetch(http, base_url, Accept=accept)["status"] == 0


@pytest.fixture(scope="module")
def strict_accept() -> Iterator[str]:
    """A server with `settings.strict_accept`; its base URL."""
    with LiveServer(
        create_app({"atrip": {"settings": {"strict_accept": True}}}, providers=["atrip"])
    ) as server:
        yield server.url


NOT_ACCEPTABLE = b'{"url":"","status":2,"msg":"Accept must be */*"}'


@pytest.mark.parametrize(
    ("accept", "http_status", "body"),
    [
        ("*/*", 200, None),
        (None, 200, None),  # a missing Accept is `required_headers`' business
        ("application/json", 406, NOT_ACCEPTABLE),
        ("application/json, text/plain, */*", 406, NOT_ACCEPTABLE),
        ("*/*;q=0.8", 406, NOT_ACCEPTABLE),
        ("text/html", 406, NOT_ACCEPTABLE),
    ],
)
def test_strict_accept_refuses_all_but_any(
    http: requests.Session, strict_accept: str, accept: str | None, http_status: int, body: bytes | None
) -> None:
    answer = post(
        http, strict_accept, demo(http, strict_accept), None, Accept=accept, **{"Accept-Encoding": "identity"}
    )
    assert (answer.status_code, answer.headers["Content-Type"]) == (http_status, JSON_UTF8)
    if body is None:
        assert answer.json()["status"] == 0
    else:
        assert answer.content == body


def test_strict_accept_comes_after_credentials_and_content_type(
    http: requests.Session, strict_accept: str
) -> None:
    creds = demo(http, strict_accept)
    wrong = {**creds, SECRET: "wrong"}
    refused = post(http, strict_accept, wrong, None, Accept="application/json")
    assert (refused.status_code, refused.json()) == (200, error(3, "Unauthorized access"))
    text = post(http, strict_accept, creds, None, Accept="application/json", **{"Content-Type": "text/plain"})
    assert (text.status_code, text.json()) == (200, error(2, "Content-Type must be application/json"))
    bad_body = post(http, strict_accept, creds, b"[]", Accept="application/json")
    assert (bad_body.status_code, bad_body.content) == (406, NOT_ACCEPTABLE)  # gzip-compressed, decoded
    assert bad_body.headers["Content-Encoding"] == "gzip"


# -- the order of the checks ---------------------------------------------------------------


def test_bad_credentials_win_over_a_bad_body(http: requests.Session, base_url: str) -> None:
    wrong = {ID: demo(http, base_url)[ID], SECRET: "wrong"}
    assert plain(http, base_url, wrong, b"{not json") == UNAUTHORIZED
    answer = post(http, base_url, wrong, {"orderNo": "x y"}, **{"Content-Type": "text/plain"})
    assert answer.json() == error(3, "Unauthorized access")


def test_a_bad_body_wins_over_a_foreign_order(http: requests.Session, base_url: str) -> None:
    body = {**BODY, "orderNo": "NOT-MINE", "role": "Boss"}
    assert fetch(http, base_url, "orders", body)["status"] == 2
    assert fetch(http, base_url, "orders", {**body, "role": "Admin"}) == error(
        3, "Unauthorized access: the order does not belong to this client"
    )


# -- per-client orders ----------------------------------------------------------------------


def test_client_with_its_own_orders(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url, "orders")
    own = creds["orders"].split(",")
    assert len(own) >= 2
    for order_no in own:
        assert fetch(http, base_url, "orders", {**BODY, "orderNo": order_no})["status"] == 0
    assert plain(http, base_url, creds, {**BODY, "orderNo": "TK0000000001"}) == FOREIGN
    assert plain(http, base_url, creds, {**BODY, "orderNo": own[0].lower()}) == FOREIGN  # exact match


def test_default_client_accepts_any_well_formed_order(http: requests.Session, base_url: str) -> None:
    assert demo(http, base_url)["orders"] == "any"
    foreign_elsewhere = demo(http, base_url, "orders")["orders"].split(",")[0]
    for order_no in ("TK0000000001", foreign_elsewhere, "anything-at_all"):
        assert fetch(http, base_url, body={**BODY, "orderNo": order_no})["status"] == 0


def test_orders_set_through_the_admin_api(http: requests.Session, base_url: str) -> None:
    created = http.post(f"{base_url}/__admin/atrip/clients", json={"orders": ["MINE-1"]})
    assert created.status_code == 201, created.text
    client = created.json()
    creds = {ID: client["client_id"], SECRET: client["client_secret"]}
    assert plain(http, base_url, creds, {**BODY, "orderNo": "OTHER"}) == FOREIGN
    assert post(http, base_url, creds, {**BODY, "orderNo": "MINE-1"}).json()["status"] == 0

    changed = http.patch(f"{base_url}/__admin/atrip/clients/{client['client_id']}", json={"orders": None})
    assert changed.json()["orders"] is None
    assert post(http, base_url, creds, {**BODY, "orderNo": "OTHER"}).json()["status"] == 0

    http.patch(f"{base_url}/__admin/atrip/clients/{client['client_id']}", json={"orders": []})
    assert plain(http, base_url, creds, {**BODY, "orderNo": "MINE-1"}) == FOREIGN


def test_changing_a_secret_through_the_admin_api(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    changed = http.patch(
        f"{base_url}/__admin/atrip/clients/{creds[ID]}", json={"client_secret": "new-secret"}
    )
    assert changed.status_code == 200
    assert plain(http, base_url, creds) == UNAUTHORIZED
    assert post(http, base_url, {ID: creds[ID], SECRET: "new-secret"}).json()["status"] == 0


# -- gzip -------------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["gzip", "gzip, deflate, br", "deflate;q=0.5, gzip;q=0.8", "*", "GZIP"])
def test_answers_are_gzip_when_the_client_accepts_it(
    http: requests.Session, base_url: str, accept: str
) -> None:
    creds = demo(http, base_url)
    for body, expected in (
        (BODY, None),
        ({**BODY, "role": None}, b'{"url":"","status":2,"msg":"role is required"}'),
    ):
        answer = http.post(
            f"{base_url}{TOKEN}",
            json=body,
            headers=headers(creds, **{"Accept-Encoding": accept}),
            stream=True,
        )
        data = raw(answer)
        assert answer.headers["Content-Encoding"] == "gzip"
        assert answer.headers["Content-Type"] == JSON_UTF8
        assert "Accept-Encoding" in answer.headers["Vary"]
        assert data[:2] == b"\x1f\x8b"
        assert int(answer.headers["Content-Length"]) == len(data)
        unpacked = gzip.decompress(data)
        if expected is None:
            assert re.fullmatch(
                rb'\{"url":"http://[^"]+\?token=[0-9a-f]{32}","status":0,"msg":null\}', unpacked
            )
        else:
            assert unpacked == expected


@pytest.mark.parametrize("accept", [None, "identity", "gzip;q=0", "deflate", "br"])
def test_answers_are_plain_without_gzip(http: requests.Session, base_url: str, accept: str | None) -> None:
    answer = http.post(
        f"{base_url}{TOKEN}",
        json=BODY,
        headers=headers(demo(http, base_url), **{"Accept-Encoding": accept}),
        stream=True,
    )
    data = raw(answer)
    assert "Content-Encoding" not in answer.headers
    assert data.startswith(b'{"url":"http://')


def test_error_answers_are_gzip_too(http: requests.Session, base_url: str) -> None:
    answer = http.post(
        f"{base_url}{TOKEN}",
        json=BODY,
        headers={"Accept-Encoding": "gzip", "Content-Type": "application/json"},
        stream=True,
    )
    assert answer.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(raw(answer)) == UNAUTHORIZED
    answer = http.get(f"{base_url}{TOKEN}", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert answer.status_code == 405
    assert gzip.decompress(raw(answer)) == b'{"url":"","status":2,"msg":"Request method not supported"}'


def test_the_journal_keeps_the_plain_answer(http: requests.Session, base_url: str) -> None:
    post(http, base_url, None, **{"Accept-Encoding": "gzip"})
    entries = http.get(f"{base_url}/__admin/requests", params={"provider": "atrip"}).json()["requests"]
    assert [(e["operation"], e["status"]) for e in entries] == [("token", 200)]
    assert entries[0]["response"] == UNAUTHORIZED.decode()
    assert (
        entries[0]["body"] == '{"orderNo": "TK0000000001", "userName": "Li Wei", "role": "Customer service"}'
    )


# -- the portal page over HTTP (the browser tests are in test_portal.py) ---------------------


def test_portal_page_shows_order_operator_and_role(http: requests.Session, base_url: str) -> None:
    body = {"orderNo": "BG0000000007", "userName": "张三", "role": "Finance"}
    page = answered(http.get(portal_url(http, base_url, body=body)), 200, HTML_UTF8)
    assert page.headers["Cache-Control"] == "no-store"
    text = page.content.decode("utf-8")
    assert '<dd id="order">BG0000000007</dd>' in text
    assert '<dd id="operator">张三</dd>' in text
    assert '<dd id="role">Finance</dd>' in text
    assert "Access to manage the balance and check statements" in text


def test_portal_page_escapes_what_the_client_sent(http: requests.Session, base_url: str) -> None:
    body = {**BODY, "userName": '<script>alert("x")</script>&', "cid": "<b>c</b>"}
    text = http.get(portal_url(http, base_url, body=body)).text
    assert "<script>alert" not in text
    assert "<b>c</b>" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;" in text
    assert "&lt;b&gt;c&lt;/b&gt;" in text


def test_portal_token_expires_after_30_minutes(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    url = portal_url(http, base_url)
    clock(http, base_url, advance=1800 - 0.001)
    assert http.get(url).status_code == 200
    assert http.get(url).status_code == 200  # as often as it is opened
    clock(http, base_url, advance=0.001)
    stale = answered(http.get(url), 401, HTML_UTF8)
    assert 'id="error"' in stale.text
    assert "Session expired or invalid" in stale.text


@pytest.mark.parametrize("query", ["?token=0123456789abcdef0123456789abcdef", "?token=", "", "?tok=x"])
def test_unknown_or_missing_portal_token_is_a_401_page(
    http: requests.Session, base_url: str, query: str
) -> None:
    page = answered(http.get(f"{base_url}{PORTAL}{query}"), 401, HTML_UTF8)
    assert "Session expired or invalid" in page.text


def test_portal_other_paths_and_methods(http: requests.Session, base_url: str) -> None:
    missing = http.get(f"{base_url}/atrip-portal/orders")
    assert (missing.status_code, missing.headers["Content-Type"]) == (404, HTML_UTF8)
    assert http.get(f"{base_url}/atrip-portal").status_code == 404
    posted = http.post(portal_url(http, base_url))
    assert (posted.status_code, posted.headers["Allow"]) == (405, "GET, HEAD")
    assert http.head(portal_url(http, base_url)).status_code == 200


def test_sessions_are_listed_until_they_expire(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    url = portal_url(
        http, base_url, "orders", {**BODY, "orderNo": demo(http, base_url, "orders")["orders"].split(",")[0]}
    )
    token = parse_qs(urlsplit(url).query)["token"][0]
    sessions = http.get(f"{base_url}/__admin/atrip/sessions").json()["sessions"]
    assert [(s["token"], s["client_id"], s["seconds_left"]) for s in sessions] == [
        (token, demo(http, base_url, "orders")[ID], 1800)
    ]
    clock(http, base_url, advance=1800)
    assert http.get(f"{base_url}/__admin/atrip/sessions").json()["sessions"] == []
