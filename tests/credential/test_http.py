"""The credential platform over real HTTP: every documented code and lifecycle rule, on the virtual clock.

Expected answers are written out from the documentation, byte for byte (the codes' messages
from the contract's table of them), not read back from the mock's own message table. The
clock is frozen at NOON, so `timestamp` is exact.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests

from provider_mocks import create_app
from provider_mocks.contracts.providers.credential import protocol as documented
from provider_mocks.core.server import LiveServer
from tests.support import clock

from .helpers import (
    ECHO,
    JSON_UTF8,
    NOON_MS,
    TOKEN,
    admin,
    demo,
    echo,
    error,
    fetch,
    freeze_at_noon,
    params,
    token,
)

NOON_S = NOON_MS // 1000
#: The codes' answers, byte for byte, from the contract's table of the documented codes and messages.
MISSING, UNKNOWN, WRONG_SECRET, APP_DISABLED, PARTNER_DISABLED, IP_REFUSED, NOT_GRANTED, TOKEN_INVALID = (
    error(answer["code"], answer["message"])
    for answer in (
        documented.MISSING,
        documented.UNKNOWN_CLIENT,
        documented.WRONG_SECRET,
        documented.APP_DISABLED,
        documented.PARTNER_DISABLED,
        documented.IP_REFUSED,
        documented.NOT_GRANTED,
        documented.TOKEN_INVALID,
    )
)
#: The mock's default HS256 key [decided], as docs/configuration.md documents it.
DEFAULT_KEY = "provider-mocks credential HS256 signing key"


@pytest.fixture(autouse=True)
def frozen(http: requests.Session, base_url: str) -> None:
    freeze_at_noon(http, base_url)


def post_token(http: requests.Session, base_url: str, **kwargs: Any) -> requests.Response:
    answer = http.post(f"{base_url}{TOKEN}", **kwargs)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    return answer


def ok_bytes(data: str) -> bytes:
    return (
        f'{{"code":200,"message":null,"_trackId":null,"data":{data},'
        f'"extr":null,"timestamp":{NOON_MS},"_status":null,"ok":true}}'
    ).encode()


# -- the token ------------------------------------------------------------------------


def test_token_answer_is_the_captured_shape(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    answer = post_token(http, base_url, params=params(creds))
    match = re.fullmatch(
        rb'\{"code":200,"message":null,"_trackId":null,"data":"([\w-]+\.[\w-]+\.[\w-]+)",'
        rb'"extr":null,"timestamp":(\d+),"_status":null,"ok":true\}',
        answer.content,
    )
    assert match, answer.content
    assert int(match.group(2)) == NOON_MS


def test_token_is_an_hs256_jwt_valid_two_hours(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    access = token(http, base_url)
    header = json.loads(base64.urlsafe_b64decode(access.split(".")[0] + "=="))
    assert header == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(access, DEFAULT_KEY, algorithms=["HS256"], options={"verify_exp": False})
    assert claims["sub"] == creds["clientId"]
    assert claims["partnerId"] == creds["partner"]
    assert claims["userType"] == "2"
    assert claims["iat"] == NOON_S
    assert claims["exp"] == NOON_S + 7200
    assert re.fullmatch(r"[0-9a-f]{32}", claims["jti"])


def test_parameters_in_an_urlencoded_body(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    answer = post_token(http, base_url, data=params(creds))
    assert answer.json()["code"] == 200


def test_parameters_split_between_query_and_body(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    answer = post_token(
        http,
        base_url,
        params={"clientId": creds["clientId"]},
        data={"secret": creds["secret"], "userType": "2"},
    )
    assert answer.json()["code"] == 200


def test_the_query_wins_over_the_body(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    wrong_in_query = post_token(http, base_url, params={"secret": "wrong"}, data=params(creds))
    assert wrong_in_query.content == WRONG_SECRET
    right_in_query = post_token(
        http, base_url, params={"secret": creds["secret"]}, data=params(creds, secret="x")
    )
    assert right_in_query.json()["code"] == 200


def test_a_repeated_parameter_counts_by_its_first_value(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    url = f"{base_url}{TOKEN}?clientId={creds['clientId']}&userType=2"
    assert http.post(f"{url}&secret={creds['secret']}&secret=wrong").json()["code"] == 200
    assert http.post(f"{url}&secret=wrong&secret={creds['secret']}").content == WRONG_SECRET


def test_a_json_body_counts_as_missing_parameters(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    answer = post_token(http, base_url, json=params(creds))
    assert answer.content == MISSING


def test_a_multipart_body_is_not_read(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    answer = post_token(http, base_url, files={k: (None, v) for k, v in params(creds).items()})
    assert answer.content == MISSING


@pytest.mark.parametrize("left_out", ["clientId", "secret", "userType"])
@pytest.mark.parametrize("how", ["absent", "empty"])
def test_a_missing_or_empty_parameter_answers_10131(
    http: requests.Session, base_url: str, left_out: str, how: str
) -> None:
    sent = params(demo(http, base_url))
    if how == "absent":
        del sent[left_out]
    else:
        sent[left_out] = ""
    assert post_token(http, base_url, params=sent).content == MISSING


def test_no_parameters_at_all_answers_10131(http: requests.Session, base_url: str) -> None:
    assert post_token(http, base_url).content == MISSING


@pytest.mark.parametrize("user_type", ["1", "3", "02", " 2", "2 ", "二", "user"])
def test_a_user_type_other_than_2_answers_10131(
    http: requests.Session, base_url: str, user_type: str
) -> None:
    creds = demo(http, base_url)
    assert post_token(http, base_url, params=params(creds, userType=user_type)).content == MISSING


def test_unknown_client_id_answers_10101(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    assert post_token(http, base_url, params=params(creds, clientId="nobody")).content == UNKNOWN


@pytest.mark.parametrize("change", [lambda s: s + "x", lambda s: s[:-1], str.upper, lambda s: "密钥"])
def test_wrong_secret_answers_10102(http: requests.Session, base_url: str, change: Any) -> None:
    creds = demo(http, base_url)
    answer = post_token(http, base_url, params=params(creds, secret=change(creds["secret"])))
    assert answer.content == WRONG_SECRET


def test_disabled_app_answers_10103(http: requests.Session, base_url: str) -> None:
    assert post_token(http, base_url, params=params(demo(http, base_url, "disabled"))).content == APP_DISABLED


def test_disabled_partner_answers_10104(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url, "partner_off")
    assert post_token(http, base_url, params=params(creds)).content == PARTNER_DISABLED


def test_ip_allow_list_answers_10106(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url, "ip_limited")
    assert post_token(http, base_url, params=params(creds)).content == IP_REFUSED


def test_checks_come_in_order(http: requests.Session, base_url: str) -> None:
    disabled = demo(http, base_url, "disabled")
    partner_off = demo(http, base_url, "partner_off")
    # a wrong secret is told before the app's status; a missing userType before anything
    assert post_token(http, base_url, params=params(disabled, secret="x")).content == WRONG_SECRET
    assert post_token(http, base_url, params=params(partner_off, userType="")).content == MISSING
    # an app disabled and of a disabled partner: the app comes first
    admin(http, base_url, "PATCH", f"/apps/{partner_off['clientId']}", 200, json={"disabled": True})
    assert post_token(http, base_url, params=params(partner_off)).content == APP_DISABLED


def test_disabling_and_enabling_an_app(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    admin(http, base_url, "PATCH", f"/apps/{creds['clientId']}", 200, json={"disabled": True})
    assert post_token(http, base_url, params=params(creds)).content == APP_DISABLED
    admin(http, base_url, "PATCH", f"/apps/{creds['clientId']}", 200, json={"disabled": False})
    assert fetch(http, base_url, creds)["code"] == 200


def test_disabling_and_enabling_a_partner(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    admin(http, base_url, "PATCH", "/partners/partner-demo", 200, json={"disabled": True})
    assert post_token(http, base_url, params=params(creds)).content == PARTNER_DISABLED
    admin(http, base_url, "PATCH", "/partners/partner-demo", 200, json={"disabled": False})
    assert fetch(http, base_url, creds)["code"] == 200
    off = demo(http, base_url, "partner_off")
    admin(http, base_url, "PATCH", "/partners/partner-disabled", 200, json={"disabled": False})
    assert fetch(http, base_url, off)["code"] == 200


@pytest.mark.parametrize(
    ("allowlist", "code"),
    [
        (["127.0.0.1"], 200),
        (["127.0.0.0/8"], 200),
        (["10.0.0.0/8", "127.0.0.1/32"], 200),
        (["10.0.0.0/8"], 10106),
        (["127.0.0.2"], 10106),
        (["::1"], 10106),  # the tests connect over IPv4
        (["::ffff:127.0.0.1"], 200),  # IPv4-mapped: the IPv4 address
        ([], 200),
    ],
)
def test_ip_allow_list_set_through_the_admin_api(
    http: requests.Session, base_url: str, allowlist: list[str], code: int
) -> None:
    creds = demo(http, base_url, "ip_limited")
    admin(http, base_url, "PATCH", f"/apps/{creds['clientId']}", 200, json={"ip_allowlist": allowlist})
    assert fetch(http, base_url, creds)["code"] == code


def test_rotating_a_secret(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    old_token = token(http, base_url)
    admin(http, base_url, "PATCH", f"/apps/{creds['clientId']}", 200, json={"secret": "a-new-secret"})
    assert post_token(http, base_url, params=params(creds)).content == WRONG_SECRET
    assert fetch(http, base_url, {**creds, "secret": "a-new-secret"})["code"] == 200
    assert echo(http, base_url, old_token).json()["code"] == 200  # issued tokens stay valid


def test_timestamp_follows_the_virtual_clock(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, advance=1.5)
    assert post_token(http, base_url).content == error(10131, "缺少必要请求参数！", NOON_MS + 1500)
    clock(http, base_url, set="2030-01-01T00:00:00Z")
    assert post_token(http, base_url).json()["timestamp"] == 1893456000000


# -- the token's lifetime ---------------------------------------------------------------


def test_token_expires_two_hours_after_issue(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    clock(http, base_url, advance=7200 - 0.001)
    assert echo(http, base_url, access).json()["code"] == 200
    clock(http, base_url, advance=0.001)
    assert echo(http, base_url, access).content == error(
        10134, "非法的AccessToken或已失效，请重新获取！", NOON_MS + 7200_000
    )


def test_lifetime_counts_from_the_whole_second_of_issue(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, advance=0.75)
    access = token(http, base_url)
    clock(http, base_url, advance=7199.2)  # 7199.95 s after noon, 7199.2 s after the fetch
    assert echo(http, base_url, access).json()["code"] == 200
    clock(http, base_url, advance=0.05)  # noon + 2 h: the token's exp
    assert echo(http, base_url, access).json()["code"] == 10134


def test_a_new_token_does_not_overwrite_the_previous_one(http: requests.Session, base_url: str) -> None:
    first = token(http, base_url)
    clock(http, base_url, advance=60)
    second = token(http, base_url)
    assert first != second
    assert echo(http, base_url, first).json()["code"] == 200
    assert echo(http, base_url, second).json()["code"] == 200
    clock(http, base_url, advance=7200 - 60)
    assert echo(http, base_url, first).json()["code"] == 10134  # each lives its own 2 h
    assert echo(http, base_url, second).json()["code"] == 200


def test_a_fresh_token_after_expiry(http: requests.Session, base_url: str) -> None:
    token(http, base_url)
    clock(http, base_url, advance=7200)
    assert echo(http, base_url, token(http, base_url)).json()["code"] == 200


def test_tokens_do_not_survive_a_reset(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    assert http.post(f"{base_url}/__admin/reset").ok
    freeze_at_noon(http, base_url)
    assert echo(http, base_url, access).content == TOKEN_INVALID


# -- business calls -------------------------------------------------------------------


def test_echo_answers_the_body_in_data(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    answer = http.post(
        f"{base_url}{ECHO}",
        headers={"Access-Token": access, "Request-Id": "r-1", "Content-Type": "application/json"},
        data='{"name": "张三", "items": [1, 2], "nested": {"a": null}}'.encode(),
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.content == ok_bytes('{"name":"张三","items":[1,2],"nested":{"a":null}}')


def test_echo_of_an_empty_body_is_an_empty_object(http: requests.Session, base_url: str) -> None:
    assert echo(http, base_url, token(http, base_url)).content == ok_bytes("{}")


@pytest.mark.parametrize("body", [[1, "二"], "text", 3, None, True])
def test_echo_answers_any_json_value(http: requests.Session, base_url: str, body: Any) -> None:
    access = token(http, base_url)
    answer = http.post(
        f"{base_url}{ECHO}",
        headers={"Access-Token": access, "Request-Id": "r"},
        data=json.dumps(body).encode(),
    )
    assert answer.json()["data"] == body
    assert answer.json()["ok"] is True


@pytest.mark.parametrize(("access", "request_id"), [(None, "r-1"), ("", "r-1"), (None, None), ("", "")])
def test_a_missing_access_token_answers_10131(
    http: requests.Session, base_url: str, access: str | None, request_id: str | None
) -> None:
    assert echo(http, base_url, access, {"a": 1}, request_id=request_id).content == MISSING


@pytest.mark.parametrize("request_id", [None, ""])
def test_a_call_without_request_id_is_answered(
    http: requests.Session, base_url: str, request_id: str | None
) -> None:
    """As the provider's own Java demo calls: Access-Token alone."""
    answer = echo(http, base_url, token(http, base_url), {"a": 1}, request_id=request_id)
    assert answer.content == ok_bytes('{"a":1}')


@pytest.fixture(scope="module")
def requiring_request_id() -> Iterator[str]:
    """A server with `require_request_id`, as the documentation's table reads; its base URL."""
    app = create_app({"credential": {"settings": {"require_request_id": True}}}, providers=["credential"])
    with LiveServer(app) as server:
        yield server.url


@pytest.mark.parametrize("request_id", [None, ""])
def test_require_request_id_refuses_a_call_without_one(
    http: requests.Session, requiring_request_id: str, request_id: str | None
) -> None:
    assert http.post(f"{requiring_request_id}/__admin/reset").status_code == 200
    freeze_at_noon(http, requiring_request_id)
    access = token(http, requiring_request_id)
    assert echo(http, requiring_request_id, access, {"a": 1}, request_id=request_id).content == MISSING
    assert echo(http, requiring_request_id, access, {"a": 1}).content == ok_bytes('{"a":1}')
    violations = http.get(f"{requiring_request_id}/__admin/violations").json()["violations"]
    assert [(v["rule"], v["severity"]) for v in violations] == [("request-id-missing", "warning")]


def test_headers_are_case_insensitive(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    answer = http.post(f"{base_url}{ECHO}", headers={"access-token": access, "REQUEST-ID": "r"}, json={})
    assert answer.json()["code"] == 200


def _forge(access: str) -> str:
    """The token with its payload's subject changed, signature kept."""
    head, payload, signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{signature}"


def _foreign(access: str) -> str:
    claims = jwt.decode(access, options={"verify_signature": False})
    return jwt.encode(claims, "a key that is not the mock's, 32+ chars", algorithm="HS256")


def _unsigned(access: str) -> str:
    claims = jwt.decode(access, options={"verify_signature": False})
    return jwt.encode(claims, None, algorithm="none")


def _reissued_without_jti(access: str) -> str:
    claims = jwt.decode(access, options={"verify_signature": False})
    del claims["jti"]
    return jwt.encode(claims, DEFAULT_KEY, algorithm="HS256")


def _unknown_jti(access: str) -> str:
    claims = jwt.decode(access, options={"verify_signature": False})
    claims["jti"] = "0" * 32
    return jwt.encode(claims, DEFAULT_KEY, algorithm="HS256")


def _other_subject(access: str) -> str:
    claims = jwt.decode(access, options={"verify_signature": False})
    claims["sub"] = "someone-else"
    return jwt.encode(claims, DEFAULT_KEY, algorithm="HS256")


@pytest.mark.parametrize(
    "spoil",
    [
        _forge,
        _foreign,
        _unsigned,
        _reissued_without_jti,
        _unknown_jti,
        _other_subject,
        lambda t: t[:-5],  # truncated signature
        lambda t: t.rsplit(".", 1)[0],  # no signature part
        lambda t: "Bearer " + t,
        lambda t: t + "x",
        lambda t: "not-a-token",
        lambda t: "a.b.c",
        lambda t: "0" * 32,
    ],
)
def test_a_bad_token_answers_10134(http: requests.Session, base_url: str, spoil: Any) -> None:
    access = token(http, base_url)
    assert echo(http, base_url, spoil(access)).content == TOKEN_INVALID


def test_not_granted_answers_10133(http: requests.Session, base_url: str) -> None:
    assert echo(http, base_url, token(http, base_url, "not_granted")).content == NOT_GRANTED


def test_granting_through_the_admin_api(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url, "not_granted")
    access = token(http, base_url, "not_granted")
    admin(http, base_url, "PATCH", f"/apps/{creds['clientId']}", 200, json={"grants": [ECHO]})
    assert echo(http, base_url, access, {"k": 1}).content == ok_bytes('{"k":1}')
    admin(http, base_url, "PATCH", f"/apps/{creds['clientId']}", 200, json={"grants": []})
    assert echo(http, base_url, access).content == NOT_GRANTED


def test_any_granted_path_echoes(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    access = token(http, base_url)
    other = "/openapi/order/query"
    assert echo(http, base_url, access, {"orderNo": "A1"}, path=other).content == NOT_GRANTED
    admin(http, base_url, "PATCH", f"/apps/{creds['clientId']}", 200, json={"grants": [ECHO, other]})
    assert echo(http, base_url, access, {"orderNo": "A1"}, path=other).content == ok_bytes('{"orderNo":"A1"}')


def test_the_token_is_checked_before_the_grant(http: requests.Session, base_url: str) -> None:
    assert echo(http, base_url, "bad", path="/openapi/not/granted").content == TOKEN_INVALID


def test_a_disabled_app_or_partner_stops_its_tokens(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    access = token(http, base_url)
    admin(http, base_url, "PATCH", f"/apps/{creds['clientId']}", 200, json={"disabled": True})
    assert echo(http, base_url, access).content == APP_DISABLED
    admin(http, base_url, "PATCH", f"/apps/{creds['clientId']}", 200, json={"disabled": False})
    admin(http, base_url, "PATCH", "/partners/partner-demo", 200, json={"disabled": True})
    assert echo(http, base_url, access).content == PARTNER_DISABLED
    admin(http, base_url, "PATCH", "/partners/partner-demo", 200, json={"disabled": False})
    assert echo(http, base_url, access).json()["code"] == 200


def test_ip_allow_list_on_business_calls(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    access = token(http, base_url)
    admin(http, base_url, "PATCH", f"/apps/{creds['clientId']}", 200, json={"ip_allowlist": ["198.51.100.7"]})
    assert echo(http, base_url, access).content == IP_REFUSED
    admin(http, base_url, "PATCH", f"/apps/{creds['clientId']}", 200, json={"ip_allowlist": ["127.0.0.0/24"]})
    assert echo(http, base_url, access).json()["code"] == 200


def test_forwarded_headers_do_not_change_the_client_address(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url, "ip_limited")
    answer = post_token(
        http,
        base_url,
        params=params(creds),
        headers={"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9"},
    )
    assert answer.content == IP_REFUSED


def test_a_repeated_request_id_is_answered_normally(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    http.delete(f"{base_url}/__admin/requests")
    first = echo(http, base_url, access, {"n": 1}, request_id="same-id")
    second = echo(http, base_url, access, {"n": 1}, request_id="same-id")
    assert first.content == second.content == ok_bytes('{"n":1}')
    entries = http.get(f"{base_url}/__admin/requests", params={"provider": "credential"}).json()["requests"]
    assert [e["headers"]["Request-Id"] for e in entries] == ["same-id", "same-id"]


# -- methods, paths, the journal ----------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
@pytest.mark.parametrize("path", [TOKEN, ECHO])
def test_only_post_is_served(http: requests.Session, base_url: str, method: str, path: str) -> None:
    answer = http.request(method, f"{base_url}{path}", params=params(demo(http, base_url)))
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "POST"
    assert answer.headers["Content-Type"] == JSON_UTF8
    if method != "HEAD":
        assert answer.content == error(405, "请求方法不支持")


def test_the_bare_prefix_is_not_found(http: requests.Session, base_url: str) -> None:
    answer = http.post(f"{base_url}/openapi")
    assert answer.status_code == 404
    assert answer.content == error(404, "接口不存在")


def test_every_call_is_journaled(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    http.post(
        f"{base_url}{ECHO}",
        headers={"Access-Token": access, "Request-Id": "r-9"},
        data='{"k": "值"}'.encode(),
    )
    entries = http.get(f"{base_url}/__admin/requests", params={"provider": "credential"}).json()["requests"]
    assert [(e["operation"], e["method"], e["status"]) for e in entries] == [
        ("credential", "POST", 200),
        ("business", "POST", 200),
    ]
    assert entries[1]["body"] == '{"k": "值"}'
    assert entries[1]["response"] == ok_bytes('{"k":"值"}').decode()
    assert entries[1]["time"].startswith("2026-03-01T04:00:00")
