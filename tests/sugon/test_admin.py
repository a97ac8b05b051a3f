"""The Sugon admin routes under /__admin/sugon, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.support import send

from .helpers import (
    ACTIVE,
    ADMIN,
    CENTER,
    RENEW_ONLY,
    SUSPENDED,
    USER,
    claims,
    demo,
    key_headers,
    login,
    provider,
    token,
    tokens,
)


def test_provider_listing(http: requests.Session, base_url: str) -> None:
    found = provider(http, base_url)
    assert found["base_path"] == "/ac"
    assert found["prefixes"] == ["/ac", "/api/user"]
    assert found["hosts"] == ["www.scnet.cn", "api.scnet.cn", "ac.sugon.com", "scnet-demo.accloud.cn"]
    assert found["spec"] == "/__admin/specs/sugon"
    assert set(found["credentials"]) == {"demo", "frozen", "aksk"}
    assert found["settings"]["token_lifetime"] == 86400
    assert found["settings"]["renew_window"] == 86400
    assert found["settings"]["timestamp_window"] == 300


def test_listed_demo_credentials_behave_as_described(http: requests.Session, base_url: str) -> None:
    assert login(http, base_url, demo(http, base_url))["code"] == "0"
    assert login(http, base_url, demo(http, base_url, "frozen"))["code"] == "10007"
    stamp = int(http.get(f"{base_url}/__admin/clock").json()["timestamp"])
    answer = http.post(
        f"{base_url}/api/user/v3/tokens", headers=key_headers(demo(http, base_url, "aksk"), stamp)
    )
    assert answer.json()["code"] == "0"


def test_orgs_list_and_create(http: requests.Session, base_url: str) -> None:
    url = f"{base_url}{ADMIN}/orgs"
    orgs = send(http, "GET", url, 200)["orgs"]
    assert [o["org_id"] for o in orgs] == [demo(http, base_url)["orgId"]]
    created = send(http, "POST", url, 201, json={"org_id": "org-1", "name": "测试"})
    assert created == {"org_id": "org-1", "name": "测试"}
    assert send(http, "POST", url, 409, json={"org_id": "org-1"}) == {"error": "org 'org-1' exists"}
    generated = send(http, "POST", url, 201, json={})
    assert len(generated["org_id"]) == 32


def test_regions_list_create_get_patch(http: requests.Session, base_url: str) -> None:
    url = f"{base_url}{ADMIN}/regions"
    listed = send(http, "GET", url, 200)["regions"]
    assert {r["cluster_id"] for r in listed} == {ACTIVE, RENEW_ONLY, SUSPENDED}
    created = send(http, "POST", url, 201, json={"cluster_id": "20001", "cluster_name": "测试区"})
    assert {k: v for k, v in created.items() if k != "center"} == {
        "cluster_id": "20001",
        "cluster_name": "测试区",
        "apis": ["renew", "center", "user"],
    }
    assert created["center"]["description"] == ""
    assert created["center"]["efileUrls"] == {
        "nodeName": "h04r3n07",
        "fastTransEnable": "true",
        "udpPort": "65104",
        "version": "2.6.1",
    }
    assert send(http, "GET", f"{url}/20001", 200) == created
    patched = send(http, "PATCH", f"{url}/20001", 200, json={"apis": ["center"]})
    assert patched["apis"] == ["center"]
    patched = send(http, "PATCH", f"{url}/20001", 200, json={"center": {"description": "测试"}})
    assert patched["center"]["description"] == "测试"
    assert patched["center"]["aiUrls"] == {"version": "2.4.3"}
    send(http, "POST", url, 409, json={"cluster_id": "20001", "cluster_name": "x"})
    send(http, "GET", f"{url}/99999", 404)
    send(http, "PATCH", f"{url}/99999", 404, json={"apis": []})


@pytest.mark.parametrize(
    "bad",
    [
        {"cluster_id": "0", "cluster_name": "ac"},
        {"cluster_id": "abc", "cluster_name": "x"},
        {"cluster_id": "1"},
        {"cluster_id": "1", "cluster_name": "x", "apis": ["state"]},
        {"cluster_id": "1", "cluster_name": "x", "extra": 1},
        {"cluster_id": "1", "cluster_name": "x", "center": {"efileUrls": {"udpPort": "port"}}},
        {"cluster_id": "1", "cluster_name": "x", "center": {"aiUrls": {"enable": "false"}}},
    ],
)
def test_bad_region_bodies_are_400(http: requests.Session, base_url: str, bad: dict[str, Any]) -> None:
    assert "error" in send(http, "POST", f"{base_url}{ADMIN}/regions", 400, json=bad)


def test_users_create_get_patch(http: requests.Session, base_url: str) -> None:
    url = f"{base_url}{ADMIN}/users"
    names = {u["user"] for u in send(http, "GET", url, 200)["users"]}
    assert names == {demo(http, base_url)["user"], demo(http, base_url, "frozen")["user"]}
    created = send(
        http, "POST", url, 201, json={"user": "acnew", "password": "pw", "regions": [ACTIVE, SUSPENDED]}
    )
    assert created["compute_user"] is None
    assert created["home_path"] is None
    assert created["profile"]["accountBalance"] == "0.00"
    assert created["frozen"] is False
    assert created["org_id"] in {
        o["org_id"] for o in send(http, "GET", f"{base_url}{ADMIN}/orgs", 200)["orgs"]
    }
    assert send(http, "GET", f"{url}/acnew", 200) == created
    creds = {"user": "acnew", "password": "pw", "orgId": created["org_id"]}
    assert [i["clusterId"] for i in login(http, base_url, creds)["data"]] == [ACTIVE, SUSPENDED, "0"]
    patched = send(
        http,
        "PATCH",
        f"{url}/acnew",
        200,
        json={"suspended": [SUSPENDED], "compute_user": "slurm9", "profile": {"fullName": "新用户"}},
    )
    assert patched["suspended"] == [SUSPENDED]
    assert patched["profile"]["fullName"] == "新用户"
    assert patched["profile"]["country"] == "China"  # the profile is replaced: the rest are the defaults
    body = login(http, base_url, creds)
    assert body["data"][1]["token"] is None
    assert claims(body["data"][0]["token"])["computeUser"] == "slurm9"


def test_user_in_an_existing_org(http: requests.Session, base_url: str) -> None:
    org = demo(http, base_url)["orgId"]
    created = send(http, "POST", f"{base_url}{ADMIN}/users", 201, json={"user": "acmate", "org_id": org})
    assert created["org_id"] == org
    assert len(created["password"]) >= 12
    assert created["regions"] == []


def test_user_refusals(http: requests.Session, base_url: str) -> None:
    url = f"{base_url}{ADMIN}/users"
    main = demo(http, base_url)["user"]
    send(http, "POST", url, 409, json={"user": main})
    send(http, "POST", url, 404, json={"user": "x1", "org_id": "nope"})
    send(http, "POST", url, 404, json={"user": "x2", "regions": ["99999"]})
    send(http, "POST", url, 400, json={"user": "x3", "regions": [ACTIVE], "suspended": [SUSPENDED]})
    send(http, "POST", url, 400, json={"user": "x4", "regions": [ACTIVE, ACTIVE]})
    send(http, "POST", url, 400, json={"user": ""})
    send(http, "POST", url, 400, data=b"[1]")
    send(http, "GET", f"{url}/nobody", 404)
    send(http, "PATCH", f"{url}/nobody", 404, json={"frozen": True})
    send(http, "PATCH", f"{url}/{main}", 400, json={"regions": [ACTIVE]})  # 11126 still suspended
    send(http, "PATCH", f"{url}/{main}", 404, json={"regions": ["99999"], "suspended": []})
    send(http, "PATCH", f"{url}/{main}", 400, json={"user": "renamed"})
    send(http, "PATCH", f"{url}/{main}", 400, json={"user_id": "abc"})
    send(http, "PATCH", f"{url}/{main}", 400, json={"home_path": "relative"})
    send(http, "PATCH", f"{url}/{main}", 400, json={"profile": {"accountBalance": "lots"}})
    send(http, "PATCH", f"{url}/{main}", 400, json={"profile": {"userName": "x"}})
    assert all(u["user"] not in {"x1", "x2", "x3", "x4"} for u in send(http, "GET", url, 200)["users"])


def test_access_keys_create_get_patch(http: requests.Session, base_url: str) -> None:
    url = f"{base_url}{ADMIN}/access-keys"
    listed = send(http, "GET", url, 200)["access_keys"]
    assert [k["access_key"] for k in listed] == [demo(http, base_url, "aksk")["accessKey"]]
    main = demo(http, base_url)["user"]
    created = send(http, "POST", url, 201, json={"user": main})
    assert len(created["access_key"]) == 32
    assert len(created["secret_key"]) == 32
    assert send(http, "GET", f"{url}/{created['access_key']}", 200) == created
    patched = send(http, "PATCH", f"{url}/{created['access_key']}", 200, json={"secret_key": "s2"})
    assert patched["secret_key"] == "s2"
    send(http, "POST", url, 409, json={"access_key": created["access_key"], "user": main})
    send(http, "POST", url, 404, json={"user": "nobody"})
    send(http, "POST", url, 400, json={})
    send(http, "GET", f"{url}/nope", 404)
    send(http, "PATCH", f"{url}/nope", 404, json={"secret_key": "x"})
    send(http, "PATCH", f"{url}/{created['access_key']}", 400, json={"user": main})


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("users", "regions"),
        ("users", "suspended"),
        ("users", "password"),
        ("users", "frozen"),
        ("users", "account_status"),
        ("regions", "apis"),
        ("regions", "cluster_name"),
        ("access-keys", "secret_key"),
    ],
)
def test_a_null_with_no_meaning_is_a_400_naming_the_field(
    http: requests.Session, base_url: str, kind: str, field: str
) -> None:
    ident = {
        "users": demo(http, base_url)["user"],
        "regions": ACTIVE,
        "access-keys": demo(http, base_url, "aksk")["accessKey"],
    }[kind]
    url = f"{base_url}{ADMIN}/{kind}/{ident}"
    before = send(http, "GET", url, 200)
    assert send(http, "PATCH", url, 400, json={field: None})["error"].startswith(f"{field}: ")
    assert send(http, "GET", url, 200) == before


def test_a_null_center_or_profile_is_the_defaults(http: requests.Session, base_url: str) -> None:
    main = demo(http, base_url)["user"]
    assert (
        send(http, "PATCH", f"{base_url}{ADMIN}/regions/{ACTIVE}", 200, json={"center": None})["center"]
        is None
    )
    assert (
        send(http, "PATCH", f"{base_url}{ADMIN}/users/{main}", 200, json={"profile": None})["profile"] is None
    )
    headers = {"token": token(http, base_url)}
    center = send(http, "GET", f"{base_url}{CENTER}", 200, headers=headers)["data"]
    assert center["description"] == ""
    assert center["aiUrls"][0]["version"] == "2.4.3"
    account = send(http, "GET", f"{base_url}{USER}", 200, headers=headers)["data"]
    assert (account["fullName"], account["accountBalance"]) == (main, "0.00")


def test_admin_created_user_shares_nothing_with_the_demo(http: requests.Session, base_url: str) -> None:
    created = send(http, "POST", f"{base_url}{ADMIN}/users", 201, json={"user": "acown", "password": "pw"})
    send(http, "PATCH", f"{base_url}{ADMIN}/users/acown", 200, json={"frozen": True})
    assert tokens(http, base_url)["0"] is not None  # the demo user is untouched
    assert (
        login(http, base_url, {"user": "acown", "password": "pw", "orgId": created["org_id"]})["code"]
        == "10007"
    )


def test_reset_brings_back_the_demo_set(http: requests.Session, base_url: str) -> None:
    main = demo(http, base_url)["user"]
    send(http, "PATCH", f"{base_url}{ADMIN}/users/{main}", 200, json={"frozen": True, "password": "changed"})
    send(http, "POST", f"{base_url}{ADMIN}/users", 201, json={"user": "actemp"})
    send(http, "PATCH", f"{base_url}{ADMIN}/regions/{ACTIVE}", 200, json={"apis": []})
    send(http, "POST", f"{base_url}/__admin/reset", 200)
    assert login(http, base_url, demo(http, base_url))["code"] == "0"
    send(http, "GET", f"{base_url}{ADMIN}/users/actemp", 404)
    assert send(http, "GET", f"{base_url}{ADMIN}/regions/{ACTIVE}", 200)["apis"] == [
        "renew",
        "center",
        "user",
    ]


def test_unknown_admin_path_and_wrong_method_are_json(http: requests.Session, base_url: str) -> None:
    assert "error" in send(http, "GET", f"{base_url}{ADMIN}/nothing", 404)
    assert "error" in send(http, "DELETE", f"{base_url}{ADMIN}/users", 405)
