"""Sugon's requests, answers and tokens as its documentation gives them, for every part of its contract."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

# The documented key orders and the AK/SK signature, written once, where the mock serves them.
from ....providers.sugon.center import CENTER_LISTS
from ....providers.sugon.signing import CLAIMS, signature
from ...expect import Deviation, Predicate, because, expect, refused, require
from ...registry import CaseFunction, Contract, Refusal
from ...target import Target

P = "sugon"
TOKENS = "/ac/openapi/v2/tokens"
AKSK = "/api/user/v3/tokens"
RENEW = "/ac/openapi/v2/tokens/next"
STATE = "/ac/openapi/v2/tokens/state"
CENTER = "/ac/openapi/v2/center"
USER = "/ac/openapi/v2/user"

OK = "success"
STATE_VALID = "token is valid"
JWT_HEADER = {"alg": "HS256", "typ": "JWT"}
HOUR = 3600
DAY = 24 * HOUR
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


def key_headers(creds: dict[str, Any], timestamp: float) -> dict[str, str]:
    """Signed AK/SK headers for `creds` at `timestamp` (the target's time, give or take the window)."""
    stamp = str(int(timestamp))
    signed = signature(creds["accessKey"], stamp, creds["user"], creds["secretKey"])
    return {"user": creds["user"], "accessKey": creds["accessKey"], "timestamp": stamp, "signature": signed}


def with_token(t: Target, method: str, path: str, token: str | None) -> requests.Response:
    return t.request(method, path, headers={} if token is None else {"token": token})


@dataclass(frozen=True)
class Endpoint:
    """An endpoint that takes a token (called with one, or None for none), and the cases every such
    endpoint has, told of it: their ids start with `id`, their titles with `name`."""

    id: str
    name: str
    method: str
    path: str

    def __call__(self, t: Target, token: str | None) -> requests.Response:
        return with_token(t, self.method, self.path, token)

    def without_token(self) -> Refusal:
        return Refusal(
            f"{self.id}.10003.no-token",
            f"{self.name} without token answers 10003",
            "10003 参数不全: the token header is missing",
            lambda t: self(t, None),
            MISSING,
            source="decided",
        )

    def bad_token(self, kind: str) -> Refusal:
        """A token of `BAD_TOKENS` the platform did not issue: 10004."""
        title, rule, make = BAD_TOKENS[kind]
        return Refusal(
            f"{self.id}.10004.{kind}",
            f"{self.name} with {title} answers 10004",
            f"10004 参数无效: {rule}",
            lambda t: self(t, make(t)),
            INVALID,
            source="decided",
        )

    def expired(self, rule: str, late_ms: int = 0) -> Contract:
        return Contract(
            f"{self.id}.10008.expired",
            f"{self.name} with an expired token answers 10008",
            rule,
            "decided",
            ("admin",),
            refused_once_expired(self, late_ms),
        )

    def other_method(self, other: str, rule: str, source: str = "decided") -> Refusal:
        """`other`, a method the endpoint does not take: 405."""
        return Refusal(
            f"{self.id}.405",
            f"A {other} on {self.name} is refused with 405",
            rule,
            lambda t: with_token(t, other, self.path, demo_token(t)),
            NOT_SUPPORTED,
            source=source,
            allow=self.method,
        )


renew = Endpoint("renew", "the renewal path", "POST", RENEW)
state = Endpoint("state", "tokens/state", "GET", STATE)
center = Endpoint("center", "center", "GET", CENTER)
user = Endpoint("user", "user", "GET", USER)


# -- answers -------------------------------------------------------------------------------


def success(response: requests.Response, **data: Any) -> Any:
    """A success, `{"code": "0", "msg": "success", "data": …}`, checked whole (its `data` too, where
    given, as `expect` takes a field); its data."""
    return expect(response, P, code="0", msg=OK, **data)["data"]


def token_list(response: requests.Response) -> list[dict[str, Any]]:
    """A successful acquisition's list: the regions, the platform's own token last [public]."""
    listed: list[dict[str, Any]] = success(response, data=TOKEN_LIST)
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


def demo_token(t: Target) -> str:
    """The demo user's platform token."""
    return platform_token(t, t.creds("demo"))


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
    success(response, data=STATE_VALID)


def error(code: str, msg: str) -> dict[str, Any]:
    """The error envelope: the code (a string), its message, data null."""
    return {"code": code, "msg": msg, "data": None}


MISSING = error("10003", "参数不全")
INVALID = error("10004", "参数无效")
#: 10007 as the public Go SDK writes it (shibingli/go_acsugon_sdk api/code.go).
FROZEN = error("10007", "用户已被冻结")
NO_PERMISSION = error("10008", "权限不足")
API_NOT_ALLOWED = error("10009", "没有权限访问接口")
#: 10009 with the AK/SK endpoint's own text [public: its table].
SIGNATURE_REFUSED = error("10009", "校验失败")
NOT_SUPPORTED = error("405", "请求方法不支持")


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
        tuple(claims) == CLAIMS,
        f"the token's claims are {list(claims)}, documented exactly {list(CLAIMS)} "
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


#: Tokens the platform did not issue, by case id: as a title and a rule name each, and how it is made.
BAD_TOKENS: dict[str, tuple[str, str, Callable[[Target], str]]] = {
    "forged": ("a forged token", "a forged token", lambda t: forged(demo_token(t))),
    "truncated": ("a truncated token", "a truncated token", lambda t: demo_token(t)[:-12]),
    "other-key": (
        "a token signed by another key",
        "a token signed with another key",
        lambda t: signed_elsewhere(demo_token(t)),
    ),
    "malformed": ("a token that is not a JWT", "a token that is not a JWT", lambda t: "not-a-token"),
}


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


def regional_user(t: Target, apis: list[str] | None = None, **fields: Any) -> tuple[str, dict[str, str]]:
    """A new region (its tokens may call `apis`, default all) and a new user of it alone: the region's
    clusterId and the user's credentials."""
    region = fresh_region(t, apis)
    return region, fresh_user(t, regions=[region], **fields)


def limited_token(t: Target, apis: list[str]) -> str:
    """A new user's token of a new region whose tokens may call only `apis`."""
    region, creds = regional_user(t, apis)
    return region_token(tokens(t, creds), region)


def frozen_user_token(t: Target) -> str:
    """A new user's platform token, the user frozen since it was issued."""
    creds = fresh_user(t)
    token = platform_token(t, creds)
    change_user(t, creds["user"], frozen=True)
    return token


def change_user(t: Target, user: str, **change: Any) -> None:
    t.admin_call("PATCH", f"/{P}/users/{user}", json=change)


# -- stories told of every endpoint that takes a token ---------------------------------------

#: A request with a token (None: without one) to an endpoint that takes one.
TokenCall = Callable[[Target, str | None], requests.Response]


def once_expired(late_ms: int, why: str, check: Callable[[Target, str], object]) -> CaseFunction:
    """The story: the demo token, `late_ms` past its expireTime, passes `check`; else `why` it did not."""

    def run(t: Target) -> None:
        frozen_now(t)
        token = demo_token(t)
        at(t, expire_ms(token) + late_ms)
        with because(why):
            check(t, token)

    return run


def refused_once_expired(call: TokenCall, late_ms: int = 0) -> CaseFunction:
    """The story: the demo token, `late_ms` past its expireTime, is refused by `call` with 10008."""
    return once_expired(
        late_ms,
        "an expired token was not refused",
        lambda t, token: refused(call(t, token), P, NO_PERMISSION),
    )


def refused_in_region(call: TokenCall, apis: list[str]) -> CaseFunction:
    """The story: a token of a region whose tokens may call only `apis` is refused by `call` with 10009."""

    def run(t: Target) -> None:
        refused(call(t, limited_token(t, apis)), P, API_NOT_ALLOWED)

    return run


def refused_once_suspended(call: TokenCall) -> CaseFunction:
    """The story: a region token is refused by `call` with 10008 once the account is suspended there."""

    def run(t: Target) -> None:
        region, creds = regional_user(t)
        token = region_token(tokens(t, creds), region)
        change_user(t, creds["user"], suspended=[region])
        refused(call(t, token), P, NO_PERMISSION)

    return run
