"""Sugon's token acquisition: user, password and orgId, or a signed access key."""

from __future__ import annotations

import requests

from ...expect import because, refused, require
from ...registry import Cases, Refusal, Send
from ...target import Target
from .protocol import (
    AKSK,
    DAY,
    FROZEN,
    INVALID,
    MISSING,
    NO_PERMISSION,
    NOT_SUPPORTED,
    SIGNATURE_REFUSED,
    TOKENS,
    P,
    at,
    checked_claims,
    decode,
    demo_token,
    error,
    fresh_region,
    fresh_user,
    frozen_now,
    key_headers,
    login,
    password_headers,
    region_token,
    regional_user,
    state,
    token_list,
    tokens,
    valid,
)

CASES = Cases(P)


def without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != name}


def uppercase(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "signature": headers["signature"].upper()}


def login_without(name: str) -> Send:
    """A login with the demo user's headers but `name`."""
    return lambda t: login(t, without(password_headers(t.creds("demo")), name))


def demo_login(t: Target, **change: str) -> requests.Response:
    """A login with the demo user's headers, `change`d."""
    return login(t, {**password_headers(t.creds("demo")), **change})


def signed(t: Target, offset: float = 0, **change: str) -> requests.Response:
    """An access-key request of the `aksk` credential, `change`d, signed `offset` s from the target's now."""
    return t.request("POST", AKSK, headers=key_headers({**t.creds("aksk"), **change}, t.now() + offset))


# == token acquisition: user, password, orgId ===============================================


@CASES.story(
    "tokens.success",
    rule='获取访问凭证: {"code": "0", "msg": "success", "data": [{clusterId, clusterName, token}, ...]}; '
    'the regions first, clusterId "0" clusterName "ac" last (the documented example\'s order)',
    source="public",
)
def tokens_success(t: Target) -> None:
    """user, password and orgId get one token per region, then the platform's last"""
    tokens(t, t.creds("demo"))


@CASES.story(
    "tokens.orgid-any-case", rule="header names are case-insensitive: orgid is orgId", source="public"
)
def tokens_orgid_lowercase(t: Target) -> None:
    """orgId sent as `orgid` is the same header"""
    token_list(login(t, password_headers(t.creds("demo"), org_header="orgid")))


@CASES.story(
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


@CASES.story(
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


@CASES.story(
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


@CASES.story(
    "tokens.jwt-claim-values",
    rule="claims: computeUser, accountStatus, role, userId of the user; creator ac; invoker the orgId",
    needs=("admin",),
)
def tokens_claim_values(t: Target) -> None:
    """The claims name the user's compute user, status, role and id"""
    _, creds = regional_user(
        t, compute_user="slurmtest", account_status="Owe", role="2", user_id="11655048541"
    )
    for item in tokens(t, creds):
        claims = checked_claims(
            item["token"], user=creds["user"], cluster_id=item["clusterId"], org_id=creds["orgId"]
        )
        got = {k: claims[k] for k in ("computeUser", "accountStatus", "role", "userId")}
        want = {"computeUser": "slurmtest", "accountStatus": "Owe", "role": "2", "userId": "11655048541"}
        require(got == want, f"the token's claims are {got}, the user's are {want}")


@CASES.story(
    "tokens.lifetime.24h",
    rule="a token lives 24 hours: expireTime is the issue time + 24 h in ms; refused (10008) from then on",
    source="decided",
    needs=("admin",),
)
def tokens_lifetime(t: Target) -> None:
    """A token expires exactly 24 hours after it was issued"""
    now = frozen_now(t)
    token = demo_token(t)
    want = str((now + DAY) * 1000)
    got = decode(token)[1]["expireTime"]
    require(got == want, f"expireTime is {got!r}, documented 24 h after issue ({want!r})")
    at(t, (now + DAY - 1) * 1000)
    with because("a token 1 s before its expireTime is refused"):
        valid(state(t, token))
    at(t, (now + DAY) * 1000)
    with because("a token at its expireTime still works"):
        refused(state(t, token), P, NO_PERMISSION)


CASES.refusals(
    *(
        Refusal(
            f"tokens.10003.no-{name}",
            f"A login without {name} answers 10003",
            f"10003 参数不全: the {name} header is missing",
            login_without(name),
            MISSING,
            source="decided",
        )
        for name in ("user", "password", "orgId")
    ),
    Refusal(
        "tokens.10003.empty-password",
        "A login with an empty password answers 10003",
        "10003 参数不全: a header sent empty is missing",
        lambda t: demo_login(t, password=""),
        MISSING,
        source="decided",
    ),
    Refusal(
        "tokens.10004.wrong-password",
        "A wrong password answers 10004",
        "10004 参数无效: a wrong password",
        lambda t: demo_login(t, password=t.creds("demo")["password"] + "x"),
        INVALID,
        source="decided",
    ),
    Refusal(
        "tokens.10004.wrong-orgId",
        "An orgId that is not the user's answers 10004",
        "10004 参数无效: an orgId that is not the user's",
        lambda t: demo_login(t, orgId="0" * 32),
        INVALID,
        source="decided",
    ),
    Refusal(
        "tokens.10004.unknown-user",
        "An unknown user answers 10004",
        "10004 参数无效: an unknown user",
        lambda t: demo_login(t, user="ac-no-such-user"),
        INVALID,
        source="decided",
    ),
    Refusal(
        "tokens.10007.frozen",
        "A frozen user's login answers 10007",
        "10007 用户已被冻结: the user is frozen",
        lambda t: login(t, password_headers(t.creds("frozen"))),
        FROZEN,
        source="public",
    ),
)


@CASES.story(
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
    refused(login(t, password_headers(creds)), P, error("10001", "内部错误"))
    tokens(t, creds)  # once only


CASES.refusals(
    Refusal(
        "tokens.405",
        "A GET on the token path is refused with 405",
        "请求方式: POST; other methods → HTTP 405 with Allow: POST",
        lambda t: t.request("GET", TOKENS, headers=password_headers(t.creds("demo"))),
        NOT_SUPPORTED,
        source="decided",
        allow="POST",
    ),
)


# == token acquisition: access key ============================================================


@CASES.story(
    "aksk.success",
    rule="POST /api/user/v3/tokens with user, accessKey, timestamp, signature (hex HMAC-SHA256 of the "
    "sorted compact JSON): the same token list, keys msg, code, data (the documented example's order)",
    source="public",
)
def aksk_success(t: Target) -> None:
    """A signed access-key request gets the same token list, keys msg, code, data"""
    creds = t.creds("aksk")
    for item in token_list(signed(t)):
        if item["token"] is not None:
            checked_claims(item["token"], user=creds["user"], cluster_id=item["clusterId"])


CASES.refusals(
    Refusal(
        "aksk.10003.no-signature",
        "An access-key request without signature answers 10003",
        "10003 参数不全: the signature header is missing",
        lambda t: t.request(
            "POST", AKSK, headers=without(key_headers(t.creds("aksk"), t.now()), "signature")
        ),
        MISSING,
        source="decided",
    ),
    Refusal(
        "aksk.10009.wrong-key",
        "A signature made with another secret key answers 10009 校验失败",
        "10009 校验失败 (this endpoint's text for 10009): a signature made with another key "
        "(decided mapping)",
        lambda t: signed(t, secretKey=t.creds("aksk")["secretKey"] + "x"),
        SIGNATURE_REFUSED,
        source="decided",
    ),
    Refusal(
        "aksk.10009.uppercase-signature",
        "A signature in uppercase hex answers 10009 校验失败",
        "the signature is lowercase hex, compared exactly: uppercase → 10009 校验失败",
        lambda t: t.request("POST", AKSK, headers=uppercase(key_headers(t.creds("aksk"), t.now()))),
        SIGNATURE_REFUSED,
        source="decided",
    ),
    Refusal(
        "aksk.10004.unknown-key",
        "An unknown access key answers 10004",
        "10004 参数无效: an unknown accessKey",
        lambda t: signed(t, accessKey="0" * 32),
        INVALID,
        source="decided",
    ),
    Refusal(
        "aksk.10004.other-user",
        "An access key used for another user answers 10004",
        "10004 参数无效: an access key of another user",
        lambda t: signed(t, user=t.creds("frozen")["user"]),
        INVALID,
        source="decided",
    ),
)


@CASES.story(
    "aksk.10004.stale-timestamp",
    rule="a timestamp more than 5 minutes in the past → 10004 参数无效",
    source="decided",
)
def aksk_stale(t: Target) -> None:
    """A timestamp 6 minutes old answers 10004"""
    with because("a timestamp 6 min old was accepted"):
        refused(signed(t, -360), P, INVALID)


@CASES.story(
    "aksk.10004.future-timestamp",
    rule="a timestamp more than 5 minutes in the future → 10004 参数无效",
    source="decided",
)
def aksk_future(t: Target) -> None:
    """A timestamp 6 minutes ahead answers 10004"""
    with because("a timestamp 6 min ahead was accepted"):
        refused(signed(t, 360), P, INVALID)


@CASES.story(
    "aksk.timestamp-window",
    rule="a timestamp up to 5 minutes off is accepted, 5 min 1 s is refused (10004)",
    source="decided",
    needs=("admin",),
)
def aksk_window(t: Target) -> None:
    """Timestamps exactly 5 minutes off pass; one second more answers 10004"""
    frozen_now(t)
    for offset in (-300, 300):
        with because(f"a timestamp {offset:+d} s off was refused"):
            token_list(signed(t, offset))
    for offset in (-301, 301):
        with because(f"a timestamp {offset:+d} s off was accepted"):
            refused(signed(t, offset), P, INVALID)


@CASES.story("aksk.10007.frozen", rule="10007: the key's user is frozen", source="public", needs=("admin",))
def aksk_frozen(t: Target) -> None:
    """A frozen user's access key answers 10007"""
    user = t.creds("frozen")["user"]
    key = t.admin_call("POST", f"/{P}/access-keys", json={"user": user})
    creds = {"user": user, "accessKey": key["access_key"], "secretKey": key["secret_key"]}
    refused(t.request("POST", AKSK, headers=key_headers(creds, t.now())), P, FROZEN)


CASES.refusals(
    Refusal(
        "aksk.405",
        "A GET on the access-key path is refused with 405",
        "POST only; other methods → HTTP 405 with Allow: POST",
        lambda t: t.request("GET", AKSK, headers=key_headers(t.creds("aksk"), t.now())),
        NOT_SUPPORTED,
        source="decided",
        allow="POST",
    ),
)
