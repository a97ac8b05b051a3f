"""Sugon / SCNet AC's contract: token acquisition (password and AK/SK), renewal, state, center, user.

Written from the documentation (provider-docs/sugon.md and the public facts in PROVIDERS.md):
every code is a STRING, every answer is `{code, msg, data}` but the renewal's success and every
AK/SK answer `{msg, code, data}`, the token list ends with the platform's token, and tokens are
HS256 JWTs with exactly the documented claims.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import requests
from schemathesis import Case

from ..expect import Deviation, Predicate, expect, require
from ..fuzz import prepare
from ..registry import contract
from ..target import NotApplicable, Target

P = "sugon"
TOKENS = "/ac/openapi/v2/tokens"
AKSK = "/api/user/v3/tokens"
RENEW = "/ac/openapi/v2/tokens/next"
STATE = "/ac/openapi/v2/tokens/state"
CENTER = "/ac/openapi/v2/center"
USER = "/ac/openapi/v2/user"

OK = "success"
STATE_VALID = "token is valid"
#: The example token's claims, in its order [doc].
CLAIMS = [
    "computeUser",
    "accountStatus",
    "creator",
    "role",
    "expireTime",
    "clusterId",
    "invoker",
    "user",
    "userId",
]
JWT_HEADER = {"alg": "HS256", "typ": "JWT"}
HOUR = 3600
DAY = 24 * HOUR
#: The center's URL lists in the example's order, each entry's keys in its order [public].
CENTER_LISTS = {
    "ingressUrls": ["enable", "isManagerNode", "version", "url"],
    "efileUrls": ["nodeName", "enable", "fastTransEnable", "udpPort", "version", "url"],
    "eshellUrls": ["enable", "version", "url"],
    "hpcUrls": ["enable", "isManagerNode", "version", "url"],
    "aiUrls": ["enable", "version", "url"],
}
#: The center's `data` keys, in the example's order [public].
CENTER_KEYS = ["id", "name", "description", "clusterUserInfo", *CENTER_LISTS]
#: The path the mock adds to its base URL for each list [decided: what most public clients expect].
CENTER_PATHS = {
    "ingressUrls": "",
    "efileUrls": "/efile",
    "eshellUrls": "/eshell",
    "hpcUrls": "",
    "aiUrls": "/ai",
}
#: The `/user` answer's fields, in their order [public; the last three's order decided].
USER_FIELDS = [
    "country",
    "language",
    "timeZone",
    "address",
    "fullName",
    "userName",
    "computerCenter",
    "accountName",
    "accountStatus",
    "accountBalance",
    "email",
    "mobilephoneNum",
    "institution",
]

_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def _is_jwt(value: Any) -> bool:
    return isinstance(value, str) and _JWT.fullmatch(value) is not None


JWT: Predicate = (_is_jwt, "a JWT (header.payload.signature)")


def _is_token_list(data: Any) -> bool:
    return (
        isinstance(data, list)
        and len(data) > 0
        and all(
            isinstance(item, dict)
            and list(item) == ["clusterId", "clusterName", "token"]
            and isinstance(item["clusterId"], str)
            and item["clusterId"].isdigit()
            and isinstance(item["clusterName"], str)
            and item["clusterName"] != ""
            and (item["token"] is None or _is_jwt(item["token"]))
            for item in data
        )
    )


TOKEN_LIST: Predicate = (
    _is_token_list,
    'a list of {"clusterId": "<digits>", "clusterName": "<name>", "token": "<jwt>" | null}',
)


# -- requests ------------------------------------------------------------------------------


def password_headers(creds: dict[str, Any], org_header: str = "orgId") -> dict[str, str]:
    return {"user": creds["user"], "password": creds["password"], org_header: creds["orgId"]}


def login(t: Target, headers: dict[str, str]) -> requests.Response:
    return t.request("POST", TOKENS, headers=headers)


def sign(access_key: str, timestamp: str, user: str, secret_key: str) -> str:
    """Lowercase hex HMAC-SHA256, keyed by the secret key, of the compact sorted JSON [public]."""
    message = json.dumps(
        {"accessKey": access_key, "timestamp": timestamp, "user": user},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def key_headers(creds: dict[str, Any], timestamp: float | None = None) -> dict[str, str]:
    """Signed AK/SK headers for `creds` at `timestamp` (default: now)."""
    stamp = str(int(time.time() if timestamp is None else timestamp))
    signed = sign(creds["accessKey"], stamp, creds["user"], creds["secretKey"])
    return {"user": creds["user"], "accessKey": creds["accessKey"], "timestamp": stamp, "signature": signed}


def with_token(t: Target, method: str, path: str, token: str | None) -> requests.Response:
    return t.request(method, path, headers={} if token is None else {"token": token})


def renew(t: Target, token: str | None) -> requests.Response:
    return with_token(t, "POST", RENEW, token)


def state(t: Target, token: str | None) -> requests.Response:
    return with_token(t, "GET", STATE, token)


def center(t: Target, token: str | None) -> requests.Response:
    return with_token(t, "GET", CENTER, token)


def user(t: Target, token: str | None) -> requests.Response:
    return with_token(t, "GET", USER, token)


# -- answers -------------------------------------------------------------------------------


def token_list(response: requests.Response) -> list[dict[str, Any]]:
    """A successful acquisition's list: the regions, the platform's own token last [public]."""
    body = expect(response, P, code="0", msg=OK, data=TOKEN_LIST)
    listed: list[dict[str, Any]] = body["data"]
    last = listed[-1]
    require(
        (last["clusterId"], last["clusterName"]) == ("0", "ac") and _is_jwt(last["token"]),
        f"the list ends with {last}, documented the platform's token (clusterId 0, clusterName ac) last",
    )
    ids = [item["clusterId"] for item in listed]
    require(len(set(ids)) == len(ids), f"clusterIds {ids} repeat a region: one token per region")
    return listed


def tokens(t: Target, creds: dict[str, Any]) -> list[dict[str, Any]]:
    return token_list(login(t, password_headers(creds)))


def platform_token(t: Target, creds: dict[str, Any]) -> str:
    token: str = tokens(t, creds)[-1]["token"]
    return token


def region_token(listed: list[dict[str, Any]], cluster_id: str) -> str:
    found = {item["clusterId"]: item["token"] for item in listed}
    require(cluster_id in found, f"region {cluster_id} is missing from the list {list(found)}")
    token = found[cluster_id]
    require(_is_jwt(token), f"region {cluster_id}'s token is {token!r}, documented a JWT")
    return str(token)


def renewed(response: requests.Response) -> str:
    """The renewal's success: `{"msg", "code", "data"}` in that order, data the new token [doc]."""
    body = expect(response, P, msg=OK, code="0", data=JWT)
    token: str = body["data"]
    return token


def valid(response: requests.Response) -> None:
    expect(response, P, code="0", msg=OK, data=STATE_VALID)


def error(
    response: requests.Response, code: str, msg: str, status: int = 200, method: str | None = None
) -> None:
    expect(response, P, status=status, method=method, code=code, msg=msg, data=None)


def missing(response: requests.Response) -> None:
    error(response, "10003", "参数不全")


def invalid(response: requests.Response) -> None:
    error(response, "10004", "参数无效")


def frozen(response: requests.Response) -> None:
    """10007 as the public Go SDK writes it (shibingli/go_acsugon_sdk api/code.go)."""
    error(response, "10007", "用户已被冻结")


def no_permission(response: requests.Response) -> None:
    error(response, "10008", "权限不足")


def api_not_allowed(response: requests.Response) -> None:
    error(response, "10009", "没有权限访问接口")


def signature_refused(response: requests.Response) -> None:
    """10009 with the AK/SK endpoint's own text [public: its table]."""
    error(response, "10009", "校验失败")


@contextmanager
def because(what: str) -> Iterator[None]:
    """A lifecycle rule: a deviation inside says which rule it broke."""
    try:
        yield
    except Deviation as exc:
        raise Deviation(f"{what}: {exc}") from exc


# -- tokens --------------------------------------------------------------------------------


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A JWT's header and claims, in their order, without verifying the signature."""
    try:
        head, body, _ = token.split(".")
        header, claims = json.loads(_b64decode(head)), json.loads(_b64decode(body))
    except ValueError as exc:
        raise Deviation(f"the token {token[:32]}… is not a JWT: {exc}") from None
    require(isinstance(header, dict) and isinstance(claims, dict), f"the token {token[:32]}… is not a JWT")
    return header, claims


def checked_claims(token: str, *, user: str, cluster_id: str, org_id: str | None = None) -> dict[str, str]:
    """The token's claims, held to the documentation's example token."""
    header, claims = decode(token)
    require(header == JWT_HEADER, f"the token's header is {header}, documented {JWT_HEADER}")
    absent = [c for c in CLAIMS if c not in claims]
    extra = [c for c in claims if c not in CLAIMS]
    require(
        list(claims) == CLAIMS,
        f"the token's claims are {list(claims)}, documented exactly {CLAIMS} "
        f"(missing {absent}, extra {extra})",
    )
    odd = {k: v for k, v in claims.items() if not isinstance(v, str) or v == ""}
    require(not odd, f"claims {odd} are not non-empty strings, documented strings")
    require(claims["creator"] == "ac", f"creator is {claims['creator']!r}, documented 'ac'")
    expire = claims["expireTime"]
    require(
        expire.isdigit() and 10**12 <= int(expire) < 10**14,
        f"expireTime is {expire!r}, documented milliseconds since the epoch as a string",
    )
    require(
        claims["clusterId"] == cluster_id,
        f"clusterId is {claims['clusterId']!r}, the token's region is {cluster_id!r}",
    )
    require(claims["user"] == user, f"user is {claims['user']!r}, the token's user is {user!r}")
    if org_id is not None:
        require(
            claims["invoker"] == org_id, f"invoker is {claims['invoker']!r}, documented the orgId {org_id!r}"
        )
    result: dict[str, str] = claims
    return result


def expire_ms(token: str) -> int:
    return int(decode(token)[1]["expireTime"])


def forged(token: str) -> str:
    """The token with its claims changed and the signature kept."""
    head, _, signature = token.split(".")
    claims = {**decode(token)[1], "user": "someone-else"}
    return f"{head}.{_b64encode(json.dumps(claims, separators=(',', ':')).encode())}.{signature}"


def signed_elsewhere(token: str) -> str:
    """The same header and claims, signed with another key."""
    head, body, _ = token.split(".")
    key = b"another HS256 key, not the platform's one"
    mac = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64encode(mac)}"


# -- the mock admin API (cases that need it declare needs=("admin",)) -------------------------


def at(t: Target, instant_ms: int) -> None:
    """Freeze the clock at an instant in milliseconds."""
    when = datetime.fromtimestamp(instant_ms / 1000, UTC).isoformat()
    t.clock(freeze=True, set=when)


def frozen_now(t: Target) -> int:
    """Freeze the clock at a whole second; its instant in seconds."""
    now = int(t.clock(freeze=True)["timestamp"])
    at(t, now * 1000)
    return now


def fresh_region(t: Target, apis: list[str] | None = None) -> str:
    """A new computing region (its tokens may call `apis`, default all), shared with no one."""
    cluster_id = str(9 * 10**9 + secrets.randbelow(10**9))
    region: dict[str, Any] = {"cluster_id": cluster_id, "cluster_name": f"合同{cluster_id[-4:]}区"}
    if apis is not None:
        region["apis"] = apis
    t.admin_call("POST", f"/{P}/regions", json=region)
    return cluster_id


def fresh_user(t: Target, **fields: Any) -> dict[str, str]:
    """A new user in an org of its own, made through the admin API."""
    made = t.admin_call("POST", f"/{P}/users", json=fields)
    return {"user": made["user"], "password": made["password"], "orgId": made["org_id"]}


def change_user(t: Target, user: str, **change: Any) -> None:
    t.admin_call("PATCH", f"/{P}/users/{user}", json=change)


# == token acquisition: user, password, orgId ===============================================


@contract(
    P,
    "tokens.success",
    rule='获取访问凭证: {"code": "0", "msg": "success", "data": [{clusterId, clusterName, token}, ...]}; '
    'the regions first, clusterId "0" clusterName "ac" last (the documented example\'s order)',
    source="public",
)
def tokens_success(t: Target) -> None:
    """user, password and orgId get one token per region, then the platform's last"""
    tokens(t, t.creds("demo"))


@contract(
    P, "tokens.orgid-any-case", rule="header names are case-insensitive: orgid is orgId", source="public"
)
def tokens_orgid_lowercase(t: Target) -> None:
    """orgId sent as `orgid` is the same header"""
    token_list(login(t, password_headers(t.creds("demo"), org_header="orgid")))


@contract(
    P,
    "tokens.one-per-region",
    rule="one token per computing region the user may use, then the platform's (regions in the "
    "user's order: decided)",
    source="public",
    needs=("admin",),
)
def tokens_one_per_region(t: Target) -> None:
    """The list holds one token per region of the user, in order, and the platform's"""
    first, second = fresh_region(t), fresh_region(t)
    creds = fresh_user(t, regions=[second, first])
    listed = tokens(t, creds)
    got = [item["clusterId"] for item in listed]
    require(
        got == [second, first, "0"],
        f"the list's clusterIds are {got}, documented [{second!r}, {first!r}, '0']",
    )
    names = [item["clusterName"] for item in listed[:-1]]
    want = [f"合同{second[-4:]}区", f"合同{first[-4:]}区"]
    require(names == want, f"the regions' clusterNames are {names}, documented {want}")


@contract(
    P,
    "tokens.suspended-null",
    rule="a region where the account is suspended comes back with token: null",
    source="public",
    needs=("admin",),
)
def tokens_suspended_region(t: Target) -> None:
    """A region where the account is suspended is listed with token null"""
    active, suspended = fresh_region(t), fresh_region(t)
    listed = tokens(t, fresh_user(t, regions=[active, suspended], suspended=[suspended]))
    region_token(listed, active)
    found = {item["clusterId"]: item["token"] for item in listed}
    require(
        suspended in found and found[suspended] is None,
        f"the suspended region {suspended} is listed with token {found.get(suspended, '<missing>')!r}, "
        "documented null",
    )


@contract(
    P,
    "tokens.jwt-claims",
    rule="tokens are HS256 JWTs holding exactly computeUser, accountStatus, creator (ac), role, "
    "expireTime (ms, string), clusterId, invoker (orgId), user, userId [doc: the example token]",
)
def tokens_claims(t: Target) -> None:
    """Every token carries exactly the documented claims"""
    creds = t.creds("demo")
    for item in tokens(t, creds):
        if item["token"] is not None:
            checked_claims(
                item["token"], user=creds["user"], cluster_id=item["clusterId"], org_id=creds["orgId"]
            )


@contract(
    P,
    "tokens.jwt-claim-values",
    rule="claims: computeUser, accountStatus, role, userId of the user; creator ac; invoker the orgId",
    needs=("admin",),
)
def tokens_claim_values(t: Target) -> None:
    """The claims name the user's compute user, status, role and id"""
    region = fresh_region(t)
    creds = fresh_user(
        t, compute_user="slurmtest", account_status="Owe", role="2", user_id="11655048541", regions=[region]
    )
    for item in tokens(t, creds):
        claims = checked_claims(
            item["token"], user=creds["user"], cluster_id=item["clusterId"], org_id=creds["orgId"]
        )
        got = {k: claims[k] for k in ("computeUser", "accountStatus", "role", "userId")}
        want = {"computeUser": "slurmtest", "accountStatus": "Owe", "role": "2", "userId": "11655048541"}
        require(got == want, f"the token's claims are {got}, the user's are {want}")


@contract(
    P,
    "tokens.lifetime.24h",
    rule="a token lives 24 hours: expireTime is the issue time + 24 h in ms; refused (10008) from then on",
    source="decided",
    needs=("admin",),
)
def tokens_lifetime(t: Target) -> None:
    """A token expires exactly 24 hours after it was issued"""
    now = frozen_now(t)
    token = platform_token(t, t.creds("demo"))
    want = str((now + DAY) * 1000)
    got = decode(token)[1]["expireTime"]
    require(got == want, f"expireTime is {got!r}, documented 24 h after issue ({want!r})")
    at(t, (now + DAY - 1) * 1000)
    with because("a token 1 s before its expireTime is refused"):
        valid(state(t, token))
    at(t, (now + DAY) * 1000)
    with because("a token at its expireTime still works"):
        no_permission(state(t, token))


@contract(P, "tokens.10003.no-user", rule="10003 参数不全: the user header is missing", source="decided")
def tokens_no_user(t: Target) -> None:
    """A login without user answers 10003"""
    headers = password_headers(t.creds("demo"))
    del headers["user"]
    missing(login(t, headers))


@contract(
    P, "tokens.10003.no-password", rule="10003 参数不全: the password header is missing", source="decided"
)
def tokens_no_password(t: Target) -> None:
    """A login without password answers 10003"""
    headers = password_headers(t.creds("demo"))
    del headers["password"]
    missing(login(t, headers))


@contract(P, "tokens.10003.no-orgId", rule="10003 参数不全: the orgId header is missing", source="decided")
def tokens_no_org(t: Target) -> None:
    """A login without orgId answers 10003"""
    headers = password_headers(t.creds("demo"))
    del headers["orgId"]
    missing(login(t, headers))


@contract(
    P, "tokens.10003.empty-password", rule="10003 参数不全: a header sent empty is missing", source="decided"
)
def tokens_empty_password(t: Target) -> None:
    """A login with an empty password answers 10003"""
    missing(login(t, {**password_headers(t.creds("demo")), "password": ""}))


@contract(P, "tokens.10004.wrong-password", rule="10004 参数无效: a wrong password", source="decided")
def tokens_wrong_password(t: Target) -> None:
    """A wrong password answers 10004"""
    creds = t.creds("demo")
    invalid(login(t, {**password_headers(creds), "password": creds["password"] + "x"}))


@contract(
    P, "tokens.10004.wrong-orgId", rule="10004 参数无效: an orgId that is not the user's", source="decided"
)
def tokens_wrong_org(t: Target) -> None:
    """An orgId that is not the user's answers 10004"""
    invalid(login(t, {**password_headers(t.creds("demo")), "orgId": "0" * 32}))


@contract(P, "tokens.10004.unknown-user", rule="10004 参数无效: an unknown user", source="decided")
def tokens_unknown_user(t: Target) -> None:
    """An unknown user answers 10004"""
    invalid(login(t, {**password_headers(t.creds("demo")), "user": "ac-no-such-user"}))


@contract(P, "tokens.10007.frozen", rule="10007 用户已被冻结: the user is frozen", source="public")
def tokens_frozen(t: Target) -> None:
    """A frozen user's login answers 10007"""
    frozen(login(t, password_headers(t.creds("frozen"))))


@contract(
    P,
    "tokens.10001.internal",
    rule="错误码 10001 内部错误, still in the {code, msg, data} envelope",
    needs=("admin",),
)
def tokens_internal_error(t: Target) -> None:
    """An internal failure answers 10001 内部错误"""
    creds = fresh_user(t)
    t.admin_call(
        "POST",
        "/faults",
        json={
            "provider": P,
            "operation": "tokens",
            "credential": creds["user"],
            "action": {"type": "error", "code": "10001"},
        },
    )
    error(login(t, password_headers(creds)), "10001", "内部错误")
    tokens(t, creds)  # once only


@contract(P, "tokens.405", rule="请求方式: POST; other methods → HTTP 405 with Allow: POST", source="decided")
def tokens_get(t: Target) -> None:
    """A GET on the token path is refused with 405"""
    answer = t.request("GET", TOKENS, headers=password_headers(t.creds("demo")))
    error(answer, "405", "请求方法不支持", status=405, method="POST")
    require(answer.headers.get("Allow") == "POST", f"Allow is {answer.headers.get('Allow')!r}, not 'POST'")


# == token acquisition: access key ============================================================


@contract(
    P,
    "aksk.success",
    rule="POST /api/user/v3/tokens with user, accessKey, timestamp, signature (hex HMAC-SHA256 of the "
    "sorted compact JSON): the same token list, keys msg, code, data (the documented example's order)",
    source="public",
)
def aksk_success(t: Target) -> None:
    """A signed access-key request gets the same token list, keys msg, code, data"""
    creds = t.creds("aksk")
    for item in token_list(t.request("POST", AKSK, headers=key_headers(creds))):
        if item["token"] is not None:
            checked_claims(item["token"], user=creds["user"], cluster_id=item["clusterId"])


@contract(
    P, "aksk.10003.no-signature", rule="10003 参数不全: the signature header is missing", source="decided"
)
def aksk_no_signature(t: Target) -> None:
    """An access-key request without signature answers 10003"""
    headers = key_headers(t.creds("aksk"))
    del headers["signature"]
    missing(t.request("POST", AKSK, headers=headers))


@contract(
    P,
    "aksk.10009.wrong-key",
    rule="10009 校验失败 (this endpoint's text for 10009): a signature made with another key "
    "(decided mapping)",
    source="decided",
)
def aksk_wrong_key(t: Target) -> None:
    """A signature made with another secret key answers 10009 校验失败"""
    creds = t.creds("aksk")
    signature_refused(
        t.request("POST", AKSK, headers=key_headers({**creds, "secretKey": creds["secretKey"] + "x"}))
    )


@contract(
    P,
    "aksk.10009.uppercase-signature",
    rule="the signature is lowercase hex, compared exactly: uppercase → 10009 校验失败",
    source="decided",
)
def aksk_uppercase(t: Target) -> None:
    """A signature in uppercase hex answers 10009 校验失败"""
    headers = key_headers(t.creds("aksk"))
    signature_refused(t.request("POST", AKSK, headers={**headers, "signature": headers["signature"].upper()}))


@contract(P, "aksk.10004.unknown-key", rule="10004 参数无效: an unknown accessKey", source="decided")
def aksk_unknown_key(t: Target) -> None:
    """An unknown access key answers 10004"""
    creds = t.creds("aksk")
    invalid(t.request("POST", AKSK, headers=key_headers({**creds, "accessKey": "0" * 32})))


@contract(P, "aksk.10004.other-user", rule="10004 参数无效: an access key of another user", source="decided")
def aksk_other_user(t: Target) -> None:
    """An access key used for another user answers 10004"""
    creds = t.creds("aksk")
    other = t.creds("frozen")["user"]
    invalid(t.request("POST", AKSK, headers=key_headers({**creds, "user": other})))


@contract(
    P,
    "aksk.10004.stale-timestamp",
    rule="a timestamp more than 5 minutes in the past → 10004 参数无效",
    source="decided",
)
def aksk_stale(t: Target) -> None:
    """A timestamp 6 minutes old answers 10004"""
    with because("a timestamp 6 min old was accepted"):
        invalid(t.request("POST", AKSK, headers=key_headers(t.creds("aksk"), time.time() - 360)))


@contract(
    P,
    "aksk.10004.future-timestamp",
    rule="a timestamp more than 5 minutes in the future → 10004 参数无效",
    source="decided",
)
def aksk_future(t: Target) -> None:
    """A timestamp 6 minutes ahead answers 10004"""
    with because("a timestamp 6 min ahead was accepted"):
        invalid(t.request("POST", AKSK, headers=key_headers(t.creds("aksk"), time.time() + 360)))


@contract(
    P,
    "aksk.timestamp-window",
    rule="a timestamp up to 5 minutes off is accepted, 5 min 1 s is refused (10004)",
    source="decided",
    needs=("admin",),
)
def aksk_window(t: Target) -> None:
    """Timestamps exactly 5 minutes off pass; one second more answers 10004"""
    creds = t.creds("aksk")
    now = frozen_now(t)
    for offset in (-300, 300):
        with because(f"a timestamp {offset:+d} s off was refused"):
            token_list(t.request("POST", AKSK, headers=key_headers(creds, now + offset)))
    for offset in (-301, 301):
        with because(f"a timestamp {offset:+d} s off was accepted"):
            invalid(t.request("POST", AKSK, headers=key_headers(creds, now + offset)))


@contract(P, "aksk.10007.frozen", rule="10007: the key's user is frozen", source="public", needs=("admin",))
def aksk_frozen(t: Target) -> None:
    """A frozen user's access key answers 10007"""
    user = t.creds("frozen")["user"]
    key = t.admin_call("POST", f"/{P}/access-keys", json={"user": user})
    creds = {"user": user, "accessKey": key["access_key"], "secretKey": key["secret_key"]}
    frozen(t.request("POST", AKSK, headers=key_headers(creds)))


@contract(P, "aksk.405", rule="POST only; other methods → HTTP 405 with Allow: POST", source="decided")
def aksk_get(t: Target) -> None:
    """A GET on the access-key path is refused with 405"""
    answer = t.request("GET", AKSK, headers=key_headers(t.creds("aksk")))
    error(answer, "405", "请求方法不支持", status=405, method="POST")
    require(answer.headers.get("Allow") == "POST", f"Allow is {answer.headers.get('Allow')!r}, not 'POST'")


# == renewal ==================================================================================


@contract(
    P,
    "renew.success",
    rule='凭证续约: header token → {"msg": "success", "code": "0", "data": "<new jwt>"}, keys in that order',
)
def renew_success(t: Target) -> None:
    """A renewal answers a new token, keys msg, code, data"""
    creds = t.creds("demo")
    new = renewed(renew(t, platform_token(t, creds)))
    checked_claims(new, user=creds["user"], cluster_id="0", org_id=creds["orgId"])
    valid(state(t, new))


@contract(
    P,
    "renew.same-region-fresh-lifetime",
    rule="区域用户认证,携带旧token续约: the new token is the same user's and region's, living 24 h from now",
    source="decided",
    needs=("admin",),
)
def renew_same_region(t: Target) -> None:
    """The renewed token is for the same region and lives 24 h from the renewal"""
    region = fresh_region(t)
    creds = fresh_user(t, regions=[region])
    now = frozen_now(t)
    old = region_token(tokens(t, creds), region)
    at(t, (now + 2 * HOUR) * 1000)
    new = renewed(renew(t, old))
    claims = checked_claims(new, user=creds["user"], cluster_id=region, org_id=creds["orgId"])
    want = str((now + 2 * HOUR + DAY) * 1000)
    require(
        claims["expireTime"] == want,
        f"the renewed expireTime is {claims['expireTime']!r}, documented {want!r}",
    )


@contract(
    P,
    "renew.old-token-lives-on",
    rule="after renewal the old token stays valid until its own expiry",
    source="decided",
)
def renew_old_token(t: Target) -> None:
    """The renewed token's predecessor keeps working"""
    old = platform_token(t, t.creds("demo"))
    renewed(renew(t, old))
    with because("the old token stopped working after the renewal"):
        valid(state(t, old))


@contract(
    P,
    "renew.window.23h59m",
    rule="token过期特定时间(24小时)后,不可以再续约: 23 h 59 min after expiry the renewal still succeeds",
    needs=("admin",),
)
def renew_inside_window(t: Target) -> None:
    """A token expired 23 h 59 min ago can still be renewed"""
    frozen_now(t)
    token = platform_token(t, t.creds("demo"))
    at(t, expire_ms(token) + (DAY - 60) * 1000)
    with because("a renewal 23 h 59 min after expiry was refused"):
        renewed(renew(t, token))


@contract(
    P,
    "renew.window.24h1m",
    rule="token过期特定时间(24小时)后,不可以再续约 → 10008 权限不足 (decided code)",
    needs=("admin",),
)
def renew_after_window(t: Target) -> None:
    """A token expired 24 h 1 min ago can no longer be renewed: 10008"""
    frozen_now(t)
    token = platform_token(t, t.creds("demo"))
    at(t, expire_ms(token) + (DAY + 60) * 1000)
    with because("a renewal 24 h 1 min after expiry was not refused"):
        no_permission(renew(t, token))


@contract(P, "renew.10003.no-token", rule="请求参数 header token 必填 → 10003 参数不全", source="doc")
def renew_no_token(t: Target) -> None:
    """A renewal without token answers 10003"""
    missing(renew(t, None))


@contract(P, "renew.10004.forged", rule="10004 参数无效: a token whose claims were changed", source="decided")
def renew_forged(t: Target) -> None:
    """A renewal of a forged token answers 10004"""
    invalid(renew(t, forged(platform_token(t, t.creds("demo")))))


@contract(P, "renew.10004.truncated", rule="10004 参数无效: a truncated token", source="decided")
def renew_truncated(t: Target) -> None:
    """A renewal of a truncated token answers 10004"""
    invalid(renew(t, platform_token(t, t.creds("demo"))[:-12]))


@contract(
    P, "renew.10007.frozen", rule="10007: the token's user is now frozen", source="public", needs=("admin",)
)
def renew_frozen(t: Target) -> None:
    """A renewal for a user frozen since answers 10007"""
    creds = fresh_user(t)
    token = platform_token(t, creds)
    change_user(t, creds["user"], frozen=True)
    frozen(renew(t, token))


@contract(
    P,
    "renew.10008.suspended",
    rule="10008 权限不足: a token of a region where the account is now suspended",
    source="decided",
    needs=("admin",),
)
def renew_suspended(t: Target) -> None:
    """A renewal of a region token after the account was suspended there answers 10008"""
    region = fresh_region(t)
    creds = fresh_user(t, regions=[region])
    token = region_token(tokens(t, creds), region)
    change_user(t, creds["user"], suspended=[region])
    no_permission(renew(t, token))


@contract(
    P,
    "renew.10009.region",
    rule="10009 没有权限访问接口: a token of a region that may not renew",
    source="decided",
    needs=("admin",),
)
def renew_not_allowed(t: Target) -> None:
    """A renewal of a token whose region may not renew answers 10009"""
    region = fresh_region(t, apis=["center"])
    token = region_token(tokens(t, fresh_user(t, regions=[region])), region)
    api_not_allowed(renew(t, token))


@contract(P, "renew.405", rule="请求方式: POST; other methods → HTTP 405 with Allow: POST", source="decided")
def renew_get(t: Target) -> None:
    """A GET on the renewal path is refused with 405"""
    answer = with_token(t, "GET", RENEW, platform_token(t, t.creds("demo")))
    error(answer, "405", "请求方法不支持", status=405, method="POST")
    require(answer.headers.get("Allow") == "POST", f"Allow is {answer.headers.get('Allow')!r}, not 'POST'")


# == state ====================================================================================


@contract(
    P,
    "state.success",
    rule='GET tokens/state with header token → {"code": "0", "msg": "success", "data": "token is valid"}; '
    "the platform's or a region's token (decided)",
    source="public",
)
def state_success(t: Target) -> None:
    """Every token of the list is valid on tokens/state"""
    for item in tokens(t, t.creds("demo")):
        if item["token"] is not None:
            valid(state(t, item["token"]))


@contract(P, "state.10003.no-token", rule="10003 参数不全: the token header is missing", source="decided")
def state_no_token(t: Target) -> None:
    """tokens/state without token answers 10003"""
    missing(state(t, None))


@contract(P, "state.10004.forged", rule="10004 参数无效: a forged token", source="decided")
def state_forged(t: Target) -> None:
    """tokens/state with a forged token answers 10004"""
    invalid(state(t, forged(platform_token(t, t.creds("demo")))))


@contract(
    P, "state.10004.other-key", rule="10004 参数无效: a token signed with another key", source="decided"
)
def state_other_key(t: Target) -> None:
    """tokens/state with a token signed by another key answers 10004"""
    invalid(state(t, signed_elsewhere(platform_token(t, t.creds("demo")))))


@contract(P, "state.10004.malformed", rule="10004 参数无效: a token that is not a JWT", source="decided")
def state_malformed(t: Target) -> None:
    """tokens/state with a token that is not a JWT answers 10004"""
    invalid(state(t, "not-a-token"))


@contract(
    P,
    "state.10008.expired",
    rule="an expired token → 10008 权限不足 (clients renew on 10008)",
    source="decided",
    needs=("admin",),
)
def state_expired(t: Target) -> None:
    """tokens/state with an expired token answers 10008"""
    frozen_now(t)
    token = platform_token(t, t.creds("demo"))
    at(t, expire_ms(token))
    with because("an expired token was not refused"):
        no_permission(state(t, token))


@contract(
    P,
    "state.10007.frozen",
    rule="10007: a frozen user's tokens are refused on state, center and user too",
    source="decided",
    needs=("admin",),
)
def state_frozen(t: Target) -> None:
    """tokens/state with a token of a user frozen since answers 10007"""
    creds = fresh_user(t)
    token = platform_token(t, creds)
    change_user(t, creds["user"], frozen=True)
    with because("a frozen user's token was not refused"):
        frozen(state(t, token))


@contract(
    P,
    "state.10008.suspended",
    rule="10008 权限不足: a token of a region where the account is now suspended",
    source="decided",
    needs=("admin",),
)
def state_suspended(t: Target) -> None:
    """tokens/state with a region token after the account was suspended there answers 10008"""
    region = fresh_region(t)
    creds = fresh_user(t, regions=[region])
    token = region_token(tokens(t, creds), region)
    change_user(t, creds["user"], suspended=[region])
    no_permission(state(t, token))


@contract(P, "state.405", rule="GET only; other methods → HTTP 405 with Allow: GET", source="decided")
def state_post(t: Target) -> None:
    """A POST on tokens/state is refused with 405"""
    answer = with_token(t, "POST", STATE, platform_token(t, t.creds("demo")))
    error(answer, "405", "请求方法不支持", status=405, method="GET")
    require(answer.headers.get("Allow") == "GET", f"Allow is {answer.headers.get('Allow')!r}, not 'GET'")


# == center ===================================================================================


def center_data(response: requests.Response) -> dict[str, Any]:
    """A successful center answer's `data`, held to the documented example's shape and key orders."""
    try:
        data = response.json().get("data")
    except (ValueError, AttributeError):
        data = None
    if isinstance(data, dict):
        missing_keys = [k for k in CENTER_KEYS if k not in data]
        require(
            list(data) == CENTER_KEYS,
            f"the center's data keys are {list(data)}, documented {CENTER_KEYS} (missing {missing_keys})",
        )
        center_id = data["id"]
        require(
            isinstance(center_id, int) and not isinstance(center_id, bool),
            f"id is {center_id!r}, documented a number (the example's 11112; a public Go SDK decodes an int)",
        )
        info = data["clusterUserInfo"]
        require(
            isinstance(info, dict)
            and list(info) == ["userName", "homePath"]
            and all(isinstance(v, str) and v for v in info.values()),
            f'clusterUserInfo is {info!r}, documented {{"userName": "<cluster user>", "homePath": "<home>"}}',
        )
        for name, keys in CENTER_LISTS.items():
            entries = data[name]
            require(isinstance(entries, list) and entries != [], f"{name} is {entries!r}, documented a list")
            for entry in entries:
                got = list(entry) if isinstance(entry, dict) else entry
                require(got == keys, f"a {name} entry's keys are {got}, documented {keys}")
                odd = {k: v for k, v in entry.items() if not isinstance(v, str)}
                require(not odd, f'{name} values {odd} are not strings, documented strings (enable "true")')
    body = expect(response, P, code="0", msg=OK)
    result: dict[str, Any] = body["data"]
    return result


@contract(
    P,
    "center.success",
    rule="GET center with header token → data id (a number), name, description, clusterUserInfo "
    "{userName, homePath}, ingressUrls, efileUrls, eshellUrls, hpcUrls, aiUrls, in that order; entries "
    "with their documented keys in order, values strings",
    source="public",
)
def center_success(t: Target) -> None:
    """The center answers the region, the user's cluster account and the service URLs"""
    regions = [item["token"] for item in tokens(t, t.creds("demo"))[:-1] if item["token"] is not None]
    if not regions:
        raise NotApplicable("the demo user has no active region")
    center_data(center(t, regions[0]))  # the first region: the one clients take by default


@contract(
    P,
    "center.platform-token",
    rule="the platform token's center answers the same shape (id 0, name ac: decided)",
    source="decided",
)
def center_platform(t: Target) -> None:
    """The platform token gets the center too"""
    data = center_data(center(t, platform_token(t, t.creds("demo"))))
    require(
        (data["id"], data["name"]) == (0, "ac"), f"id, name are {data['id']!r}, {data['name']!r}, not 0, 'ac'"
    )


@contract(
    P,
    "center.cluster-user",
    rule="clusterUserInfo: userName the user's cluster user (its tokens' computeUser), homePath "
    "/public/home/<cluster user> (the example's form) unless configured",
    source="decided",
    needs=("admin",),
)
def center_cluster_user(t: Target) -> None:
    """clusterUserInfo names the cluster user and its home folder"""
    region = fresh_region(t)
    creds = fresh_user(t, compute_user="slurm01", regions=[region])
    token = region_token(tokens(t, creds), region)
    info = center_data(center(t, token))["clusterUserInfo"]
    want = {"userName": "slurm01", "homePath": "/public/home/slurm01"}
    require(info == want, f"clusterUserInfo is {info}, documented {want}")
    change_user(t, creds["user"], home_path="/work/home/slurm01")
    info = center_data(center(t, token))["clusterUserInfo"]
    require(
        info["homePath"] == "/work/home/slurm01",
        f"homePath is {info['homePath']!r}, configured /work/home/slurm01",
    )


@contract(
    P,
    "center.urls-point-back",
    rule="the mock points the center's URLs at the base URL the client used: ingress and hpc the bare "
    "base URL, then /efile, /eshell, /ai",
    source="decided",
    needs=("admin",),
)
def center_points_back(t: Target) -> None:
    """The center's URLs point back at the server's base URL as the client sees it"""
    data = center_data(center(t, platform_token(t, t.creds("demo"))))
    got = {name: [u["url"] for u in data[name]] for name in CENTER_LISTS}
    want = {name: [t.base_url + path] for name, path in CENTER_PATHS.items()}
    require(got == want, f"the center's URLs are {got}, expected {want}")


@contract(P, "center.10003.no-token", rule="10003 参数不全: the token header is missing", source="decided")
def center_no_token(t: Target) -> None:
    """center without token answers 10003"""
    missing(center(t, None))


@contract(P, "center.10004.truncated", rule="10004 参数无效: a truncated token", source="decided")
def center_truncated(t: Target) -> None:
    """center with a truncated token answers 10004"""
    invalid(center(t, platform_token(t, t.creds("demo"))[:-12]))


@contract(
    P, "center.10004.other-key", rule="10004 参数无效: a token signed with another key", source="decided"
)
def center_other_key(t: Target) -> None:
    """center with a token signed by another key answers 10004"""
    invalid(center(t, signed_elsewhere(platform_token(t, t.creds("demo")))))


@contract(
    P,
    "center.10008.expired",
    rule="an expired token → 10008 权限不足",
    source="decided",
    needs=("admin",),
)
def center_expired(t: Target) -> None:
    """center with an expired token answers 10008"""
    frozen_now(t)
    token = platform_token(t, t.creds("demo"))
    at(t, expire_ms(token) + 1000)
    with because("an expired token was not refused"):
        no_permission(center(t, token))


@contract(
    P,
    "center.10009.region",
    rule="10009 没有权限访问接口: a token of a region that may not call the center",
    source="decided",
    needs=("admin",),
)
def center_not_allowed(t: Target) -> None:
    """center with a token whose region may not call it answers 10009"""
    region = fresh_region(t, apis=["renew"])
    listed = tokens(t, fresh_user(t, regions=[region]))
    api_not_allowed(center(t, region_token(listed, region)))
    valid(state(t, region_token(listed, region)))  # tokens/state accepts every valid token


@contract(P, "center.405", rule="GET only; other methods → HTTP 405 with Allow: GET", source="decided")
def center_post(t: Target) -> None:
    """A POST on center is refused with 405"""
    answer = with_token(t, "POST", CENTER, platform_token(t, t.creds("demo")))
    error(answer, "405", "请求方法不支持", status=405, method="GET")
    require(answer.headers.get("Allow") == "GET", f"Allow is {answer.headers.get('Allow')!r}, not 'GET'")


# == user ======================================================================================


def _is_account(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and list(data) == USER_FIELDS
        and all(isinstance(value, str) for value in data.values())
        and data["userName"] != ""
    )


ACCOUNT: Predicate = (_is_account, f"an object of the strings {USER_FIELDS}, in that order")


def account(response: requests.Response) -> dict[str, str]:
    body = expect(response, P, code="0", msg=OK, data=ACCOUNT)
    data: dict[str, str] = body["data"]
    return data


@contract(
    P,
    "user.success",
    rule="GET user with header token → data country, language, timeZone, address, fullName, userName, "
    "computerCenter, accountName, accountStatus, accountBalance (then email, mobilephoneNum, "
    "institution), all strings",
    source="public",
)
def user_success(t: Target) -> None:
    """The user's account information, userName the user"""
    creds = t.creds("demo")
    data = account(user(t, platform_token(t, creds)))
    require(
        data["userName"] == creds["user"], f"userName is {data['userName']!r}, the user is {creds['user']!r}"
    )
    require(
        re.fullmatch(r"-?[0-9]+\.[0-9]{2}", data["accountBalance"]) is not None,
        f'accountBalance is {data["accountBalance"]!r}, documented like "0.00"',
    )


@contract(
    P,
    "user.every-token",
    rule="every valid token of the user may ask, the platform's or a region's (public clients call it "
    "with each region's token)",
    source="public",
)
def user_every_token(t: Target) -> None:
    """user answers the same account for each of the user's tokens"""
    listed = tokens(t, t.creds("demo"))
    answers = [account(user(t, item["token"])) for item in listed if item["token"] is not None]
    require(all(a == answers[0] for a in answers), f"the account differs by token: {answers}")


@contract(
    P,
    "user.values",
    rule="userName the user, accountStatus its status, fullName, accountBalance, … as configured "
    '(defaults: the user name, "0.00")',
    source="decided",
    needs=("admin",),
)
def user_values(t: Target) -> None:
    """The account tells the user's own values"""
    region = fresh_region(t)
    creds = fresh_user(t, regions=[region], account_status="Suspended", profile={"accountBalance": "12.50"})
    data = account(user(t, platform_token(t, creds)))
    got = {k: data[k] for k in ("userName", "fullName", "accountName", "accountStatus", "accountBalance")}
    want = {
        "userName": creds["user"],
        "fullName": creds["user"],
        "accountName": creds["user"],
        "accountStatus": "Suspended",
        "accountBalance": "12.50",
    }
    require(got == want, f"the account is {got}, the user's values are {want}")


@contract(P, "user.10003.no-token", rule="10003 参数不全: the token header is missing", source="decided")
def user_no_token(t: Target) -> None:
    """user without token answers 10003"""
    missing(user(t, None))


@contract(P, "user.10004.forged", rule="10004 参数无效: a forged token", source="decided")
def user_forged(t: Target) -> None:
    """user with a forged token answers 10004"""
    invalid(user(t, forged(platform_token(t, t.creds("demo")))))


@contract(
    P, "user.10008.expired", rule="an expired token → 10008 权限不足", source="decided", needs=("admin",)
)
def user_expired(t: Target) -> None:
    """user with an expired token answers 10008"""
    frozen_now(t)
    token = platform_token(t, t.creds("demo"))
    at(t, expire_ms(token))
    with because("an expired token was not refused"):
        no_permission(user(t, token))


@contract(
    P,
    "user.10009.region",
    rule="10009 没有权限访问接口: a token of a region that may not call user",
    source="decided",
    needs=("admin",),
)
def user_not_allowed(t: Target) -> None:
    """user with a token whose region may not call it answers 10009 没有权限访问接口"""
    region = fresh_region(t, apis=["renew", "center"])
    api_not_allowed(user(t, region_token(tokens(t, fresh_user(t, regions=[region])), region)))


@contract(P, "user.405", rule="请求方式: GET; other methods → HTTP 405 with Allow: GET", source="public")
def user_post(t: Target) -> None:
    """A POST on user is refused with 405"""
    answer = with_token(t, "POST", USER, platform_token(t, t.creds("demo")))
    error(answer, "405", "请求方法不支持", status=405, method="GET")
    require(answer.headers.get("Allow") == "GET", f"Allow is {answer.headers.get('Allow')!r}, not 'GET'")


# == the property-based run ===================================================================


@prepare(P)
def live_credentials(case: Case[Any], t: Target) -> None:
    """Generated requests also go out with the demo credentials or a live platform token."""
    path = case.operation.path
    if path == TOKENS and "demo" in t.credentials:
        case.headers.update(password_headers(t.creds("demo")))
    elif path == AKSK and "aksk" in t.credentials:
        case.headers.update(key_headers(t.creds("aksk")))
    elif path in (RENEW, STATE, CENTER, USER) and "demo" in t.credentials:
        case.headers["token"] = platform_token(t, t.creds("demo"))
