"""Sugon / SCNet AC over real HTTP: every documented code and lifecycle rule, on the virtual clock.

Expected answers are written out from the documentation, byte for byte (the codes' messages
from the contract's table of them), not read back from the mock's own message table.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime

import jwt as pyjwt
import pytest
import requests

from provider_mocks.contracts.providers.sugon import protocol as documented
from tests.scale.helpers import serving
from tests.support import clock

from .helpers import (
    ACTIVE,
    ADMIN,
    AKSK,
    CENTER,
    CLAIMS,
    DAY,
    HOUR,
    JSON_UTF8,
    RENEW,
    RENEW_ONLY,
    STATE,
    SUSPENDED,
    TOKENS,
    USER,
    claims,
    demo,
    error,
    key_error,
    key_headers,
    login,
    secret,
    segments,
    sign,
    token,
    tokens,
)

JWT = rb"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"
#: The codes' answers, byte for byte, from the contract's table of the documented codes and messages.
MISSING, INVALID, FROZEN, NO_PERMISSION, NOT_ALLOWED = (
    error(answer["code"], answer["msg"])
    for answer in (
        documented.MISSING,
        documented.INVALID,
        documented.FROZEN,
        documented.NO_PERMISSION,
        documented.API_NOT_ALLOWED,
    )
)
#: The AK/SK endpoint's answers: keys msg, code, data; its 10009 is 校验失败 [public].
KEY_MISSING, KEY_INVALID, KEY_FROZEN, KEY_REFUSED = (
    key_error(answer["code"], answer["msg"])
    for answer in (documented.MISSING, documented.INVALID, documented.FROZEN, documented.SIGNATURE_REFUSED)
)
VALID = b'{"code":"0","msg":"success","data":"token is valid"}'
NOON = "2026-03-10T12:00:00+08:00"
NOON_MS = int(datetime.fromisoformat(NOON).timestamp() * 1000)


def state(http: requests.Session, base_url: str, jwt: str) -> bytes:
    answer = http.get(f"{base_url}{STATE}", headers={"token": jwt})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    return answer.content


def center(http: requests.Session, base_url: str, jwt: str) -> requests.Response:
    answer = http.get(f"{base_url}{CENTER}", headers={"token": jwt})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    return answer


def renew(http: requests.Session, base_url: str, jwt: str) -> requests.Response:
    answer = http.post(f"{base_url}{RENEW}", headers={"Content-Type": "application/json", "token": jwt})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    return answer


def renewed(answer: requests.Response) -> str:
    match = re.fullmatch(rb'\{"msg":"success","code":"0","data":"(' + JWT + rb')"\}', answer.content)
    assert match, answer.content
    return match.group(1).decode()


def patch(http: requests.Session, base_url: str, path: str, **change: object) -> dict[str, object]:
    answer = http.patch(f"{base_url}{ADMIN}{path}", json=change)
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


# -- token acquisition with user, password and orgId -------------------------------


def test_token_list_is_the_documented_bytes(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    answer = http.post(
        f"{base_url}{TOKENS}",
        headers={"user": creds["user"], "password": creds["password"], "orgId": creds["orgId"]},
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    expected = (
        rb'\{"code":"0","msg":"success","data":\['
        rb'\{"clusterId":"11250","clusterName":"'
        + "华东一区【昆山】".encode()
        + rb'","token":"'
        + JWT
        + rb'"\},'
        rb'\{"clusterId":"11112","clusterName":"'
        + "西北一区【西安】".encode()
        + rb'","token":"'
        + JWT
        + rb'"\},'
        rb'\{"clusterId":"11126","clusterName":"' + "华北一区【雄安】".encode() + rb'","token":null\},'
        rb'\{"clusterId":"0","clusterName":"ac","token":"' + JWT + rb'"\}'
        rb"\]\}"
    )
    assert re.fullmatch(expected, answer.content), answer.content


@pytest.mark.parametrize("org_header", ["orgId", "orgid", "ORGID", "OrgId"])
def test_header_names_are_case_insensitive(http: requests.Session, base_url: str, org_header: str) -> None:
    creds = demo(http, base_url)
    answer = http.post(
        f"{base_url}{TOKENS}",
        headers={"USER": creds["user"], "Password": creds["password"], org_header: creds["orgId"]},
    )
    assert answer.json()["code"] == "0"


def test_tokens_hold_exactly_the_documented_claims(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, set=NOON, freeze=True)
    creds = demo(http, base_url)
    listed = tokens(http, base_url)
    key = secret(http, base_url)
    for cluster_id in ("0", ACTIVE, RENEW_ONLY):
        jwt = listed[cluster_id]
        assert jwt is not None
        header, payload, signature = segments(jwt)
        assert header == b'{"alg":"HS256","typ":"JWT"}'
        found = claims(jwt)
        assert list(found) == CLAIMS
        assert all(isinstance(value, str) for value in found.values())
        assert found["computeUser"] == creds["user"]
        assert found["creator"] == "ac"
        assert found["role"] == "1"
        assert found["expireTime"] == str(NOON_MS + DAY * 1000)  # milliseconds, as a string
        assert found["clusterId"] == cluster_id
        assert found["invoker"] == creds["orgId"]
        assert found["user"] == creds["user"]
        assert re.fullmatch(r"[0-9]{11}", found["userId"])
        signing_input = jwt.rsplit(".", 1)[0].encode()
        assert signature == hmac.new(key.encode(), signing_input, hashlib.sha256).digest()
    assert payload.startswith(b'{"computeUser":')  # compact JSON, as in the example token


@pytest.mark.parametrize("missing", ["user", "password", "orgId"])
@pytest.mark.parametrize("how", ["absent", "empty"])
def test_missing_header_answers_10003(http: requests.Session, base_url: str, missing: str, how: str) -> None:
    creds = demo(http, base_url)
    headers = {"user": creds["user"], "password": creds["password"], "orgId": creds["orgId"]}
    if how == "absent":
        del headers[missing]
    else:
        headers[missing] = ""
    answer = http.post(f"{base_url}{TOKENS}", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.content == MISSING


@pytest.mark.parametrize("wrong", ["user", "password", "orgId"])
def test_wrong_credentials_answer_10004(http: requests.Session, base_url: str, wrong: str) -> None:
    creds = demo(http, base_url) | {wrong: "wrong"}
    answer = http.post(
        f"{base_url}{TOKENS}",
        headers={"user": creds["user"], "password": creds["password"], "orgId": creds["orgId"]},
    )
    assert answer.content == INVALID


def test_another_users_org_or_password_is_10004(http: requests.Session, base_url: str) -> None:
    mine, frozen = demo(http, base_url), demo(http, base_url, "frozen")
    other_org = http.post(f"{base_url}{ADMIN}/orgs", json={"name": "另一家"}).json()["org_id"]
    assert login(http, base_url, mine | {"orgId": other_org})["code"] == "10004"
    assert login(http, base_url, mine | {"password": frozen["password"]})["code"] == "10004"


def test_frozen_user_answers_10007(http: requests.Session, base_url: str) -> None:
    answer = http.post(
        f"{base_url}{TOKENS}",
        headers={k: v for k, v in demo(http, base_url, "frozen").items() if k != "note"},
    )
    assert answer.content == FROZEN


def test_frozen_user_with_a_wrong_password_is_10004(http: requests.Session, base_url: str) -> None:
    assert login(http, base_url, demo(http, base_url, "frozen") | {"password": "x"})["code"] == "10004"


def test_freezing_and_thawing_through_the_admin_api(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    patch(http, base_url, f"/users/{creds['user']}", frozen=True)
    assert login(http, base_url, creds) == {"code": "10007", "msg": "用户已被冻结", "data": None}
    patch(http, base_url, f"/users/{creds['user']}", frozen=False)
    assert login(http, base_url, creds)["code"] == "0"


def test_suspending_a_region_nulls_its_token(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    patch(http, base_url, f"/users/{creds['user']}", suspended=[ACTIVE, SUSPENDED])
    listed = tokens(http, base_url)
    assert listed[ACTIVE] is None
    assert listed["0"] is not None
    patch(http, base_url, f"/users/{creds['user']}", suspended=[])
    assert all(jwt is not None for jwt in tokens(http, base_url).values())


def test_only_the_users_regions_are_listed(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    patch(http, base_url, f"/users/{creds['user']}", regions=[SUSPENDED, ACTIVE], suspended=[])
    assert list(tokens(http, base_url)) == [SUSPENDED, ACTIVE, "0"]
    patch(http, base_url, f"/users/{creds['user']}", regions=[], suspended=[])
    assert list(tokens(http, base_url)) == ["0"]


def test_utf8_user_name_in_a_header(http: requests.Session, base_url: str) -> None:
    created = http.post(
        f"{base_url}{ADMIN}/users", json={"user": "张三", "password": "密码1", "regions": [ACTIVE]}
    )
    assert created.status_code == 201, created.text
    user = created.json()
    answer = http.post(
        f"{base_url}{TOKENS}",
        headers={"user": "张三".encode(), "password": "密码1".encode(), "orgId": user["org_id"]},
    )
    body = answer.json()
    assert body["code"] == "0", body
    assert claims(body["data"][0]["token"])["user"] == "张三"


# -- token acquisition with an access key ---------------------------------------------


def aksk(http: requests.Session, base_url: str, headers: Mapping[str, str | bytes]) -> requests.Response:
    answer = http.post(f"{base_url}{AKSK}", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    return answer


def now(http: requests.Session, base_url: str) -> int:
    stamp: float = clock(http, base_url, freeze=True)["timestamp"]
    return int(stamp)


def test_access_key_gets_the_same_token_list(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, set=NOON, freeze=True)
    creds = demo(http, base_url, "aksk")
    answer = aksk(http, base_url, key_headers(creds, NOON_MS // 1000))
    body = answer.json()
    assert list(body) == ["msg", "code", "data"]  # the documented example's order [public]
    assert body["code"] == "0"
    assert body["msg"] == "success"
    by_password = login(http, base_url, demo(http, base_url))["data"]
    assert body["data"] == by_password  # same user, same instant: the same tokens
    assert [item["clusterId"] for item in body["data"]] == [ACTIVE, RENEW_ONLY, SUSPENDED, "0"]
    assert claims(body["data"][0]["token"])["user"] == creds["user"]


def test_access_key_signature_follows_the_public_example(http: requests.Session, base_url: str) -> None:
    """The signature of a fixed input, computed by hand from the public description."""
    text = '{"accessKey":"ak","timestamp":"1700000000","user":"u"}'
    assert sign("ak", "1700000000", "u", "sk") == hmac.new(b"sk", text.encode(), "sha256").hexdigest()


@pytest.mark.parametrize("missing", ["user", "accessKey", "timestamp", "signature"])
def test_access_key_missing_header_answers_10003(http: requests.Session, base_url: str, missing: str) -> None:
    headers = key_headers(demo(http, base_url, "aksk"), now(http, base_url))
    del headers[missing]
    assert aksk(http, base_url, headers).content == KEY_MISSING
    assert aksk(http, base_url, headers | {missing: ""}).content == KEY_MISSING


@pytest.mark.parametrize("case", ["wrong secret", "uppercase hex", "other message", "base64", "truncated"])
def test_access_key_bad_signature_answers_10009(http: requests.Session, base_url: str, case: str) -> None:
    creds = demo(http, base_url, "aksk")
    stamp = str(now(http, base_url))
    good = sign(creds["accessKey"], stamp, creds["user"], creds["secretKey"])
    mac = hmac.new(creds["secretKey"].encode(), b"", hashlib.sha256).digest()
    bad = {
        "wrong secret": sign(creds["accessKey"], stamp, creds["user"], creds["secretKey"] + "x"),
        "uppercase hex": good.upper(),
        "other message": hmac.new(
            creds["secretKey"].encode(),
            f"{creds['accessKey']}{stamp}{creds['user']}".encode(),
            hashlib.sha256,
        ).hexdigest(),
        "base64": base64.b64encode(mac).decode(),
        "truncated": good[:-1],
    }[case]
    assert aksk(http, base_url, key_headers(creds, stamp, signature=bad)).content == KEY_REFUSED
    assert aksk(http, base_url, key_headers(creds, stamp)).json()["code"] == "0"


@pytest.mark.parametrize(
    ("offset", "code"), [(-301, "10004"), (-300, "0"), (0, "0"), (300, "0"), (301, "10004")]
)
def test_access_key_timestamp_window_is_five_minutes(
    http: requests.Session, base_url: str, offset: int, code: str
) -> None:
    clock(http, base_url, set=NOON, freeze=True)
    headers = key_headers(demo(http, base_url, "aksk"), NOON_MS // 1000 + offset)
    assert aksk(http, base_url, headers).json()["code"] == code


#: Not whole seconds in ASCII digits; the last is "1700" in full-width digits.
MALFORMED_STAMPS = [
    "abc",
    "1.5",
    "-1",
    "+1700000000",
    "1700000000x",
    "1700000000 1",
    "\uff11\uff17\uff10\uff10",
]


@pytest.mark.parametrize("stamp", MALFORMED_STAMPS)
def test_access_key_malformed_timestamp_answers_10004(
    http: requests.Session, base_url: str, stamp: str
) -> None:
    headers = key_headers(demo(http, base_url, "aksk"), stamp)
    assert aksk(http, base_url, {k: v.encode() for k, v in headers.items()}).content == KEY_INVALID


def test_access_key_in_milliseconds_is_off_the_window(http: requests.Session, base_url: str) -> None:
    headers = key_headers(demo(http, base_url, "aksk"), now(http, base_url) * 1000)
    assert aksk(http, base_url, headers).content == KEY_INVALID


def test_unknown_access_key_or_another_users_key_answers_10004(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url, "aksk")
    stamp = now(http, base_url)
    unknown = creds | {"accessKey": "0" * 32}
    assert aksk(http, base_url, key_headers(unknown, stamp)).content == KEY_INVALID
    other = creds | {"user": demo(http, base_url, "frozen")["user"]}
    assert aksk(http, base_url, key_headers(other, stamp)).content == KEY_INVALID


def test_access_key_of_a_frozen_user_answers_10007(http: requests.Session, base_url: str) -> None:
    frozen = demo(http, base_url, "frozen")["user"]
    created = http.post(f"{base_url}{ADMIN}/access-keys", json={"user": frozen})
    assert created.status_code == 201, created.text
    key = created.json()
    creds = {"user": frozen, "accessKey": key["access_key"], "secretKey": key["secret_key"]}
    assert aksk(http, base_url, key_headers(creds, now(http, base_url))).content == KEY_FROZEN


def test_access_key_with_a_utf8_user_name(http: requests.Session, base_url: str) -> None:
    user = http.post(f"{base_url}{ADMIN}/users", json={"user": "李四"}).json()
    key = http.post(f"{base_url}{ADMIN}/access-keys", json={"user": "李四"}).json()
    stamp = str(now(http, base_url))
    headers = {
        "user": "李四".encode(),
        "accessKey": key["access_key"],
        "timestamp": stamp,
        "signature": sign(key["access_key"], stamp, "李四", key["secret_key"]),
    }
    body = aksk(http, base_url, headers).json()
    assert body["code"] == "0", body
    assert claims(body["data"][-1]["token"])["invoker"] == user["org_id"]


def test_changing_a_secret_key_through_the_admin_api(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url, "aksk")
    patch(http, base_url, f"/access-keys/{creds['accessKey']}", secret_key="new-secret")
    stamp = now(http, base_url)
    assert aksk(http, base_url, key_headers(creds, stamp)).content == KEY_REFUSED
    assert aksk(http, base_url, key_headers(creds | {"secretKey": "new-secret"}, stamp)).json()["code"] == "0"


# -- renewal -------------------------------------------------------------------------


def test_renewal_answer_is_the_documented_bytes(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, set=NOON, freeze=True)
    old = token(http, base_url)
    clock(http, base_url, advance=HOUR)
    new = renewed(renew(http, base_url, old))
    assert new != old
    before, after = claims(old), claims(new)
    assert list(after) == CLAIMS
    assert after["expireTime"] == str(NOON_MS + (HOUR + DAY) * 1000)
    assert {k: v for k, v in after.items() if k != "expireTime"} == {
        k: v for k, v in before.items() if k != "expireTime"
    }
    assert state(http, base_url, new) == VALID


@pytest.mark.parametrize("cluster_id", ["0", ACTIVE, RENEW_ONLY])
def test_every_region_token_can_be_renewed(http: requests.Session, base_url: str, cluster_id: str) -> None:
    jwt = tokens(http, base_url)[cluster_id]
    assert jwt is not None
    assert claims(renewed(renew(http, base_url, jwt)))["clusterId"] == cluster_id


@pytest.mark.parametrize(
    ("after_expiry", "ok"),
    [
        (-HOUR, True),  # not expired yet
        (0, True),
        (23 * HOUR + 59 * 60, True),  # 23 h 59 min after expiry
        (DAY, True),  # exactly 24 h: not yet "after"
        (DAY + 0.001, False),
        (DAY + 60, False),  # 24 h 1 min after expiry
        (30 * DAY, False),
    ],
)
def test_renewal_until_24_hours_after_expiry(
    http: requests.Session, base_url: str, after_expiry: float, ok: bool
) -> None:
    clock(http, base_url, set=NOON, freeze=True)
    old = token(http, base_url)
    clock(http, base_url, advance=DAY + after_expiry)  # the token expires 24 h after issue
    answer = renew(http, base_url, old)
    if ok:
        new = renewed(answer)
        assert state(http, base_url, new) == VALID
    else:
        assert answer.content == NO_PERMISSION


def test_renewal_at_23h59_succeeds_and_at_24h01_fails(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, set=NOON, freeze=True)
    old = token(http, base_url)
    clock(http, base_url, advance=DAY)  # expired now
    assert state(http, base_url, old) == NO_PERMISSION
    clock(http, base_url, advance=23 * HOUR + 59 * 60)
    assert renew(http, base_url, old).json()["code"] == "0"
    clock(http, base_url, advance=2 * 60)  # 24 h 1 min after expiry
    assert renew(http, base_url, old).content == NO_PERMISSION


def test_old_token_stays_valid_until_its_own_expiry(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, set=NOON, freeze=True)
    old = token(http, base_url)
    clock(http, base_url, advance=HOUR)
    new = renewed(renew(http, base_url, old))
    clock(http, base_url, advance=DAY - HOUR - 0.001)  # 1 ms before the old token's expiry
    assert state(http, base_url, old) == VALID
    assert center(http, base_url, old).json()["code"] == "0"
    clock(http, base_url, advance=0.001)
    assert state(http, base_url, old) == NO_PERMISSION
    assert state(http, base_url, new) == VALID


def test_renewed_token_can_be_renewed_again(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, set=NOON, freeze=True)
    jwt = token(http, base_url)
    for day in range(1, 4):
        clock(http, base_url, advance=DAY + HOUR)  # each time an hour past expiry
        jwt = renewed(renew(http, base_url, jwt))
        assert claims(jwt)["expireTime"] == str(NOON_MS + day * (DAY + HOUR) * 1000 + DAY * 1000)


def test_renewal_of_a_frozen_users_token_answers_10007(http: requests.Session, base_url: str) -> None:
    jwt = token(http, base_url)
    patch(http, base_url, f"/users/{demo(http, base_url)['user']}", frozen=True)
    assert renew(http, base_url, jwt).content == FROZEN


def test_renewal_in_a_region_now_suspended_answers_10008(http: requests.Session, base_url: str) -> None:
    jwt = token(http, base_url, ACTIVE)
    patch(http, base_url, f"/users/{demo(http, base_url)['user']}", suspended=[ACTIVE])
    assert renew(http, base_url, jwt).content == NO_PERMISSION
    platform = token(http, base_url, "0")
    assert renew(http, base_url, platform).json()["code"] == "0"  # the platform is not suspended


def test_renewal_not_allowed_for_the_region_answers_10009(http: requests.Session, base_url: str) -> None:
    jwt = token(http, base_url, ACTIVE)
    patch(http, base_url, f"/regions/{ACTIVE}", apis=["center"])
    assert renew(http, base_url, jwt).content == NOT_ALLOWED
    assert state(http, base_url, jwt) == VALID  # state accepts every valid token


@pytest.mark.parametrize("path", [RENEW, STATE, CENTER, USER])
def test_missing_token_answers_10003(http: requests.Session, base_url: str, path: str) -> None:
    method = "POST" if path == RENEW else "GET"
    for headers in ({}, {"token": ""}, {"TOKEN": ""}):
        answer = http.request(method, f"{base_url}{path}", headers=headers)
        assert answer.status_code == 200
        assert answer.content == MISSING


@pytest.mark.parametrize("path", [RENEW, STATE, CENTER, USER])
def test_token_header_name_is_case_insensitive(http: requests.Session, base_url: str, path: str) -> None:
    method = "POST" if path == RENEW else "GET"
    answer = http.request(method, f"{base_url}{path}", headers={"TOKEN": token(http, base_url)})
    assert answer.json()["code"] == "0"


# -- state ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cluster_id", ["0", ACTIVE, RENEW_ONLY])
def test_state_accepts_the_platform_and_region_tokens(
    http: requests.Session, base_url: str, cluster_id: str
) -> None:
    jwt = tokens(http, base_url)[cluster_id]
    assert jwt is not None
    assert state(http, base_url, jwt) == VALID


def test_state_expires_exactly_at_expire_time(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, set=NOON, freeze=True)
    jwt = token(http, base_url)
    clock(http, base_url, advance=DAY - 0.001)
    assert state(http, base_url, jwt) == VALID
    clock(http, base_url, advance=0.001)
    assert state(http, base_url, jwt) == NO_PERMISSION


def test_frozen_users_live_tokens_answer_10007(http: requests.Session, base_url: str) -> None:
    jwt = token(http, base_url)
    user = demo(http, base_url)["user"]
    patch(http, base_url, f"/users/{user}", frozen=True)
    assert state(http, base_url, jwt) == FROZEN
    assert center(http, base_url, jwt).content == FROZEN
    patch(http, base_url, f"/users/{user}", frozen=False)
    assert state(http, base_url, jwt) == VALID


def test_token_of_a_region_taken_away_answers_10008(http: requests.Session, base_url: str) -> None:
    jwt = token(http, base_url, RENEW_ONLY)
    patch(http, base_url, f"/users/{demo(http, base_url)['user']}", regions=[ACTIVE], suspended=[])
    assert state(http, base_url, jwt) == NO_PERMISSION


def test_token_of_a_changed_user_is_invalid(http: requests.Session, base_url: str) -> None:
    jwt = token(http, base_url)
    patch(http, base_url, f"/users/{demo(http, base_url)['user']}", user_id="19999999999")
    assert state(http, base_url, jwt) == INVALID


# -- center ----------------------------------------------------------------------------------


def center_bytes(base_url: str, head: str, cluster_user: str, home: str) -> bytes:
    """The documented example's shape [public], with its values but the region's and the user's."""
    return (
        '{"code":"0","msg":"success","data":{'
        f'{head},"clusterUserInfo":{{"userName":"{cluster_user}","homePath":"{home}"}},'
        f'"ingressUrls":[{{"enable":"true","isManagerNode":"true","version":"5.2.2","url":"{base_url}"}}],'
        '"efileUrls":[{"nodeName":"h04r3n07","enable":"true","fastTransEnable":"true","udpPort":"65104",'
        f'"version":"2.6.1","url":"{base_url}/efile"}}],'
        f'"eshellUrls":[{{"enable":"true","version":"2.4.3","url":"{base_url}/eshell"}}],'
        f'"hpcUrls":[{{"enable":"true","isManagerNode":"true","version":"5.2.2","url":"{base_url}"}}],'
        f'"aiUrls":[{{"enable":"true","version":"2.4.3","url":"{base_url}/ai"}}]'
        "}}"
    ).encode()


def test_center_is_the_documented_shape_pointing_back_at_the_mock(
    http: requests.Session, base_url: str
) -> None:
    user = demo(http, base_url)["user"]
    answer = center(http, base_url, token(http, base_url, ACTIVE))
    head = '"id":11250,"name":"华东一区【昆山】","description":"昆山计算中心"'
    assert answer.content == center_bytes(base_url, head, user, f"/public/home/{user}")


def test_center_follows_the_host_the_client_used(http: requests.Session, base_url: str) -> None:
    answer = http.get(
        f"{base_url}{CENTER}", headers={"token": token(http, base_url), "Host": "api.scnet.cn:65102"}
    )
    data = answer.json()["data"]
    assert data["efileUrls"][0]["url"] == "http://api.scnet.cn:65102/efile"
    assert data["hpcUrls"][0]["url"] == "http://api.scnet.cn:65102"


def test_center_with_the_platform_token(http: requests.Session, base_url: str) -> None:
    user = demo(http, base_url)["user"]
    answer = center(http, base_url, token(http, base_url, "0"))
    head = '"id":0,"name":"ac","description":""'
    assert answer.content == center_bytes(base_url, head, user, f"/public/home/{user}")


def test_center_tells_the_cluster_user_and_home(http: requests.Session, base_url: str) -> None:
    user = demo(http, base_url)["user"]
    patch(http, base_url, f"/users/{user}", compute_user="slurm01")
    info = center(http, base_url, token(http, base_url)).json()["data"]["clusterUserInfo"]
    assert info == {"userName": "slurm01", "homePath": "/public/home/slurm01"}
    patch(http, base_url, f"/users/{user}", home_path="/work/home/slurm01")
    info = center(http, base_url, token(http, base_url)).json()["data"]["clusterUserInfo"]
    assert info == {"userName": "slurm01", "homePath": "/work/home/slurm01"}


def test_center_values_are_the_regions(http: requests.Session, base_url: str) -> None:
    values = {
        "description": "对外OpenAPI中心",
        "efileUrls": {"nodeName": "n01", "fastTransEnable": "false", "udpPort": "7000", "version": "3"},
        "hpcUrls": {"isManagerNode": "false", "version": "6.0"},
    }
    patch(http, base_url, f"/regions/{ACTIVE}", center=values)
    data = center(http, base_url, token(http, base_url)).json()["data"]
    assert data["description"] == "对外OpenAPI中心"
    assert data["efileUrls"] == [
        {
            "nodeName": "n01",
            "enable": "true",
            "fastTransEnable": "false",
            "udpPort": "7000",
            "version": "3",
            "url": f"{base_url}/efile",
        }
    ]
    assert data["hpcUrls"] == [
        {"enable": "true", "isManagerNode": "false", "version": "6.0", "url": base_url}
    ]
    assert data["aiUrls"][0]["version"] == "2.4.3"  # not given: the default


def test_center_refuses_a_region_not_allowed_with_10009(http: requests.Session, base_url: str) -> None:
    jwt = token(http, base_url, RENEW_ONLY)
    assert center(http, base_url, jwt).content == NOT_ALLOWED
    assert renewed(renew(http, base_url, jwt))  # that region may renew
    patch(http, base_url, f"/regions/{RENEW_ONLY}", apis=["renew", "center"])
    assert center(http, base_url, jwt).json()["code"] == "0"


def test_center_with_an_expired_token_answers_10008(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    jwt = token(http, base_url)
    clock(http, base_url, advance=DAY)
    assert center(http, base_url, jwt).content == NO_PERMISSION


# -- user --------------------------------------------------------------------------------


def user(http: requests.Session, base_url: str, jwt: str) -> requests.Response:
    answer = http.get(f"{base_url}{USER}", headers={"token": jwt})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    return answer


@pytest.mark.parametrize("cluster_id", ["0", ACTIVE, RENEW_ONLY])
def test_user_is_the_documented_shape_for_every_token(
    http: requests.Session, base_url: str, cluster_id: str
) -> None:
    name = demo(http, base_url)["user"]
    jwt = tokens(http, base_url)[cluster_id]
    assert jwt is not None
    assert (
        user(http, base_url, jwt).content
        == (
            '{"code":"0","msg":"success","data":{"country":"China","language":"zh_CN",'
            '"timeZone":"(UTC+0800) China Standard Time","address":"","fullName":"演示用户",'
            f'"userName":"{name}","computerCenter":"华东一区【昆山】","accountName":"{name}",'
            '"accountStatus":"Trial","accountBalance":"100.00",'
            f'"email":"{name}@example.com","mobilephoneNum":"13800000000","institution":"华远软件科技有限公司"'
            "}}"
        ).encode()
    )


def test_user_defaults_and_profile(http: requests.Session, base_url: str) -> None:
    created = http.post(
        f"{base_url}{ADMIN}/users", json={"user": "acplain", "password": "pw", "regions": [RENEW_ONLY]}
    )
    assert created.status_code == 201, created.text
    creds = {"user": "acplain", "password": "pw", "orgId": created.json()["org_id"]}
    jwt = login(http, base_url, creds)["data"][0]["token"]
    assert user(http, base_url, jwt).json()["data"] == {
        "country": "China",
        "language": "zh_CN",
        "timeZone": "(UTC+0800) China Standard Time",
        "address": "",
        "fullName": "acplain",
        "userName": "acplain",
        "computerCenter": "西北一区【西安】",
        "accountName": "acplain",
        "accountStatus": "Normal",
        "accountBalance": "0.00",
        "email": "",
        "mobilephoneNum": "",
        "institution": "",
    }
    patch(http, base_url, "/users/acplain", account_status="Disabled", profile={"accountBalance": "12.50"})
    data = user(http, base_url, jwt).json()["data"]
    assert (data["accountStatus"], data["accountBalance"], data["fullName"]) == (
        "Disabled",
        "12.50",
        "acplain",
    )


def test_user_not_allowed_for_the_region_answers_10009(http: requests.Session, base_url: str) -> None:
    jwt = token(http, base_url, ACTIVE)
    patch(http, base_url, f"/regions/{ACTIVE}", apis=["renew", "center"])
    assert user(http, base_url, jwt).content == NOT_ALLOWED


def test_user_refusals_are_those_of_the_other_calls(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    jwt = token(http, base_url)
    assert user(http, base_url, jwt[:-3]).content == INVALID
    clock(http, base_url, advance=DAY)
    assert user(http, base_url, jwt).content == NO_PERMISSION
    clock(http, base_url, advance=-DAY)
    patch(http, base_url, f"/users/{demo(http, base_url)['user']}", frozen=True)
    assert user(http, base_url, jwt).content == FROZEN


# -- methods and the journal --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "allowed"),
    [(TOKENS, "POST"), (AKSK, "POST"), (RENEW, "POST"), (STATE, "GET"), (CENTER, "GET"), (USER, "GET")],
)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
def test_each_path_takes_its_one_method(
    http: requests.Session, base_url: str, path: str, allowed: str, method: str
) -> None:
    if method == allowed:
        return
    answer = http.request(method, f"{base_url}{path}", headers={"token": "x"})
    assert answer.status_code == 405
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.headers["Allow"] == allowed
    if method != "HEAD":
        refused = key_error if path == AKSK else error
        assert answer.content == refused("405", "请求方法不支持")


def test_every_call_is_journaled(http: requests.Session, base_url: str) -> None:
    jwt = token(http, base_url)
    renew(http, base_url, jwt)
    state(http, base_url, "bad")
    entries = http.get(f"{base_url}/__admin/requests", params={"provider": "sugon"}).json()["requests"]
    assert [(e["operation"], e["method"], e["status"]) for e in entries] == [
        ("tokens", "POST", 200),
        ("renew", "POST", 200),
        ("state", "GET", 200),
    ]
    assert entries[2]["headers"]["Token"] == "bad"
    assert entries[2]["response"] == '{"code":"10004","msg":"参数无效","data":null}'


def test_every_worker_signs_with_the_stores_key() -> None:
    """Workers share the key the store made: a token from any worker holds on every other one."""
    with serving("--workers", "2", "--provider", "sugon") as url:
        key = secret(requests.Session(), url)
        creds = demo(requests.Session(), url)
        for _ in range(8):  # a new connection each time: the kernel spreads them over the workers
            jwt = login(requests.Session(), url, creds)["data"][0]["token"]
            assert pyjwt.decode(jwt, key, algorithms=["HS256"])
            for _ in range(4):
                assert requests.get(f"{url}{STATE}", headers={"token": jwt}, timeout=10).content == VALID
