"""Sugon's center and user: where a token's user computes, and who the user is."""

from __future__ import annotations

import re
from typing import Any

import requests

from ....providers.sugon.center import CENTER_LISTS, USER_FIELDS
from ...expect import Predicate, refused, require
from ...registry import Cases, Contract
from ...target import NotApplicable, Target
from .protocol import (
    API_NOT_ALLOWED,
    CENTER_KEYS,
    CENTER_PATHS,
    P,
    center,
    change_user,
    demo_token,
    limited_token,
    platform_token,
    refused_in_region,
    region_token,
    regional_user,
    state,
    success,
    tokens,
    user,
    valid,
)

CASES = Cases(P)


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
                require(got == list(keys), f"a {name} entry's keys are {got}, documented {list(keys)}")
                odd = {k: v for k, v in entry.items() if not isinstance(v, str)}
                require(not odd, f'{name} values {odd} are not strings, documented strings (enable "true")')
    result: dict[str, Any] = success(response)
    return result


@CASES.story(
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


@CASES.story(
    "center.platform-token",
    rule="the platform token's center answers the same shape (id 0, name ac: decided)",
    source="decided",
)
def center_platform(t: Target) -> None:
    """The platform token gets the center too"""
    data = center_data(center(t, demo_token(t)))
    require(
        (data["id"], data["name"]) == (0, "ac"), f"id, name are {data['id']!r}, {data['name']!r}, not 0, 'ac'"
    )


@CASES.story(
    "center.cluster-user",
    rule="clusterUserInfo: userName the user's cluster user (its tokens' computeUser), homePath "
    "/public/home/<cluster user> (the example's form) unless configured",
    source="decided",
    needs=("admin",),
)
def center_cluster_user(t: Target) -> None:
    """clusterUserInfo names the cluster user and its home folder"""
    region, creds = regional_user(t, compute_user="slurm01")
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


@CASES.story(
    "center.urls-point-back",
    rule="the mock points the center's URLs at the base URL the client used: ingress and hpc the bare "
    "base URL, then /efile, /eshell, /ai",
    source="decided",
    needs=("admin",),
)
def center_points_back(t: Target) -> None:
    """The center's URLs point back at the server's base URL as the client sees it"""
    data = center_data(center(t, demo_token(t)))
    got = {name: [u["url"] for u in data[name]] for name in CENTER_LISTS}
    want = {name: [t.base_url + path] for name, path in CENTER_PATHS.items()}
    require(got == want, f"the center's URLs are {got}, expected {want}")


CASES.refusals(center.without_token(), center.bad_token("truncated"), center.bad_token("other-key"))
CASES.extend(center.expired("an expired token → 10008 权限不足", late_ms=1000))


@CASES.story(
    "center.10009.region",
    rule="10009 没有权限访问接口: a token of a region that may not call the center",
    source="decided",
    needs=("admin",),
)
def center_not_allowed(t: Target) -> None:
    """center with a token whose region may not call it answers 10009"""
    token = limited_token(t, ["renew"])
    refused(center(t, token), P, API_NOT_ALLOWED)
    valid(state(t, token))  # tokens/state accepts every valid token


CASES.refusals(center.other_method("POST", "GET only; other methods → HTTP 405 with Allow: GET"))


# == user ======================================================================================


def _is_account(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and tuple(data) == USER_FIELDS
        and all(isinstance(value, str) for value in data.values())
        and data["userName"] != ""
    )


ACCOUNT: Predicate = (_is_account, f"an object of the strings {list(USER_FIELDS)}, in that order")


def account(response: requests.Response) -> dict[str, str]:
    data: dict[str, str] = success(response, data=ACCOUNT)
    return data


@CASES.story(
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


@CASES.story(
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


@CASES.story(
    "user.values",
    rule="userName the user, accountStatus its status, fullName, accountBalance, … as configured "
    '(defaults: the user name, "0.00")',
    source="decided",
    needs=("admin",),
)
def user_values(t: Target) -> None:
    """The account tells the user's own values"""
    _, creds = regional_user(t, account_status="Suspended", profile={"accountBalance": "12.50"})
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


CASES.refusals(user.without_token(), user.bad_token("forged"))
CASES.extend(
    user.expired("an expired token → 10008 权限不足"),
    Contract(
        "user.10009.region",
        "user with a token whose region may not call it answers 10009 没有权限访问接口",
        "10009 没有权限访问接口: a token of a region that may not call user",
        "decided",
        ("admin",),
        refused_in_region(user, ["renew", "center"]),
    ),
)
CASES.refusals(user.other_method("POST", "请求方式: GET; other methods → HTTP 405 with Allow: GET", "public"))
