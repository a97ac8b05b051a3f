"""Sugon's token renewal and token state: what a token is worth once issued."""

from __future__ import annotations

from ...expect import because, refused, require
from ...registry import CaseFunction, Cases, Contract, Refusal
from ...target import Target
from .protocol import (
    DAY,
    FROZEN,
    HOUR,
    INVALID,
    MISSING,
    NO_PERMISSION,
    P,
    at,
    checked_claims,
    demo_token,
    forged,
    frozen_now,
    frozen_user_token,
    once_expired,
    platform_token,
    refused_in_region,
    refused_once_suspended,
    region_token,
    regional_user,
    renew,
    renewed,
    state,
    tokens,
    valid,
)

CASES = Cases(P)


# == renewal ==================================================================================


@CASES.story(
    "renew.success",
    rule='凭证续约: header token → {"msg": "success", "code": "0", "data": "<new jwt>"}, keys in that order',
)
def renew_success(t: Target) -> None:
    """A renewal answers a new token, keys msg, code, data"""
    creds = t.creds("demo")
    new = renewed(renew(t, platform_token(t, creds)))
    checked_claims(new, user=creds["user"], cluster_id="0", org_id=creds["orgId"])
    valid(state(t, new))


@CASES.story(
    "renew.same-region-fresh-lifetime",
    rule="区域用户认证,携带旧token续约: the new token is the same user's and region's, living 24 h from now",
    source="decided",
    needs=("admin",),
)
def renew_same_region(t: Target) -> None:
    """The renewed token is for the same region and lives 24 h from the renewal"""
    region, creds = regional_user(t)
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


@CASES.story(
    "renew.old-token-lives-on",
    rule="after renewal the old token stays valid until its own expiry",
    source="decided",
)
def renew_old_token(t: Target) -> None:
    """The renewed token's predecessor keeps working"""
    old = demo_token(t)
    renewed(renew(t, old))
    with because("the old token stopped working after the renewal"):
        valid(state(t, old))


def renewed_late(late_s: int) -> CaseFunction:
    """The story: the demo token is renewed `late_s` after its expiry, which succeeds within 24 h and
    answers 10008 from then on."""
    late = f"{late_s // HOUR} h {late_s % HOUR // 60} min after expiry"
    if late_s < DAY:
        return once_expired(
            late_s * 1000, f"a renewal {late} was refused", lambda t, token: renewed(renew(t, token))
        )
    return once_expired(
        late_s * 1000,
        f"a renewal {late} was not refused",
        lambda t, token: refused(renew(t, token), P, NO_PERMISSION),
    )


#: The renewal window's rule [doc].
WINDOW = "token过期特定时间(24小时)后,不可以再续约"
CASES.extend(
    *(
        Contract(f"renew.window.{id}", title, WINDOW + rule, "doc", ("admin",), renewed_late(late_s))
        for id, late_s, title, rule in [
            (
                "23h59m",
                DAY - 60,
                "A token expired 23 h 59 min ago can still be renewed",
                ": 23 h 59 min after expiry the renewal still succeeds",
            ),
            (
                "24h1m",
                DAY + 60,
                "A token expired 24 h 1 min ago can no longer be renewed: 10008",
                " → 10008 权限不足 (decided code)",
            ),
        ]
    ),
)


CASES.refusals(
    Refusal(
        "renew.10003.no-token",
        "A renewal without token answers 10003",
        "请求参数 header token 必填 → 10003 参数不全",
        lambda t: renew(t, None),
        MISSING,
    ),
    Refusal(
        "renew.10004.forged",
        "A renewal of a forged token answers 10004",
        "10004 参数无效: a token whose claims were changed",
        lambda t: renew(t, forged(demo_token(t))),
        INVALID,
        source="decided",
    ),
    Refusal(
        "renew.10004.truncated",
        "A renewal of a truncated token answers 10004",
        "10004 参数无效: a truncated token",
        lambda t: renew(t, demo_token(t)[:-12]),
        INVALID,
        source="decided",
    ),
)


@CASES.story(
    "renew.10007.frozen", rule="10007: the token's user is now frozen", source="public", needs=("admin",)
)
def renew_frozen(t: Target) -> None:
    """A renewal for a user frozen since answers 10007"""
    refused(renew(t, frozen_user_token(t)), P, FROZEN)


CASES.extend(
    Contract(
        "renew.10008.suspended",
        "A renewal of a region token after the account was suspended there answers 10008",
        "10008 权限不足: a token of a region where the account is now suspended",
        "decided",
        ("admin",),
        refused_once_suspended(renew),
    ),
    Contract(
        "renew.10009.region",
        "A renewal of a token whose region may not renew answers 10009",
        "10009 没有权限访问接口: a token of a region that may not renew",
        "decided",
        ("admin",),
        refused_in_region(renew, ["center"]),
    ),
)
CASES.refusals(renew.other_method("GET", "请求方式: POST; other methods → HTTP 405 with Allow: POST"))


# == state ====================================================================================


@CASES.story(
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


CASES.refusals(state.without_token(), *map(state.bad_token, ["forged", "other-key", "malformed"]))
CASES.extend(state.expired("an expired token → 10008 权限不足 (clients renew on 10008)"))


@CASES.story(
    "state.10007.frozen",
    rule="10007: a frozen user's tokens are refused on state, center and user too",
    source="decided",
    needs=("admin",),
)
def state_frozen(t: Target) -> None:
    """tokens/state with a token of a user frozen since answers 10007"""
    with because("a frozen user's token was not refused"):
        refused(state(t, frozen_user_token(t)), P, FROZEN)


CASES.extend(
    Contract(
        "state.10008.suspended",
        "tokens/state with a region token after the account was suspended there answers 10008",
        "10008 权限不足: a token of a region where the account is now suspended",
        "decided",
        ("admin",),
        refused_once_suspended(state),
    ),
)
CASES.refusals(state.other_method("POST", "GET only; other methods → HTTP 405 with Allow: GET"))
