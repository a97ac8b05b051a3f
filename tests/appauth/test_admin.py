"""The admin routes under /__admin/appauth, over real HTTP."""

# ruff: noqa: RUF001, RUF100 (the answers' Chinese punctuation is the expected text)

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.support import clock, created_twice, send

from .helpers import ADMIN, demo, error, fetch, hello, new_app


def test_providers_lists_appauth(http: requests.Session, base_url: str) -> None:
    listed = send(http, "GET", f"{base_url}/__admin/providers", 200)["providers"]
    found = next(p for p in listed if p["slug"] == "appauth")
    assert found["base_path"] == "/auth"
    assert found["prefixes"] == ["/auth"]
    assert found["hosts"] == []
    assert found["spec"] == "/__admin/specs/appauth"
    assert found["settings"] == {
        "token_lifetime": 7200,
        "rate_limit": 20,
        "rate_window": 60,
        "rate_window_start": "first_fetch",
        "greeting": "你好，{name}！",
    }
    credentials = found["credentials"]
    assert set(credentials) == {"demo", "limited", "expiring"}
    for role, creds in credentials.items():
        assert set(creds) == {"appId", "appSecret", "name", "note"}, role
        assert all(isinstance(v, str) and v for v in creds.values()), role
    assert len({c["appId"] for c in credentials.values()}) == 3


def test_list_apps_shows_secrets_limits_and_usage(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    limited = demo(http, base_url, "limited")
    fetch(http, base_url, limited)
    fetch(http, base_url, limited)
    apps = {a["app_id"]: a for a in send(http, "GET", f"{base_url}{ADMIN}/apps", 200)["apps"]}
    assert len(apps) == 3
    assert apps[limited["appId"]] == {
        "app_id": limited["appId"],
        "app_secret": limited["appSecret"],
        "name": limited["name"],
        "rate_limit": 3,
        "token_lifetime": None,
        "fetches_in_window": 2,
    }
    short = demo(http, base_url, "expiring")
    assert apps[short["appId"]]["token_lifetime"] == 60
    clock(http, base_url, advance=60)
    apps = {a["app_id"]: a for a in send(http, "GET", f"{base_url}{ADMIN}/apps", 200)["apps"]}
    assert apps[limited["appId"]]["fetches_in_window"] == 0


def test_create_an_app(http: requests.Session, base_url: str) -> None:
    body = {
        "app_id": "app-mine",
        "app_secret": "s3cret",
        "name": "我的应用",
        "rate_limit": 2,
        "token_lifetime": 30,
    }
    created = send(http, "POST", f"{base_url}{ADMIN}/apps", 201, json=body)
    assert created == body
    assert send(http, "GET", f"{base_url}{ADMIN}/apps/app-mine", 200) == {**body, "fetches_in_window": 0}
    clock(http, base_url, freeze=True)
    creds = {"appId": "app-mine", "appSecret": "s3cret"}
    first = fetch(http, base_url, creds)
    assert send(http, "GET", f"{base_url}{ADMIN}/apps/app-mine", 200)["fetches_in_window"] == 1
    assert first["result"]["expiresIn"] == 30
    assert hello(http, base_url, first["result"]["accessToken"]).json()["result"] == "你好，我的应用！"
    assert [fetch(http, base_url, creds)["code"] for _ in range(2)] == [200, 429]


def test_create_with_defaults_generates_credentials(http: requests.Session, base_url: str) -> None:
    one = created_twice(http, f"{base_url}{ADMIN}/apps", "app_id", "app_secret")
    assert one["rate_limit"] is None
    assert one["token_lifetime"] is None
    assert fetch(http, base_url, {"appId": one["app_id"], "appSecret": one["app_secret"]})["code"] == 200


def test_create_an_existing_app_is_409(http: requests.Session, base_url: str) -> None:
    existing = demo(http, base_url)["appId"]
    answer = send(http, "POST", f"{base_url}{ADMIN}/apps", 409, json={"app_id": existing, "app_secret": "x"})
    assert existing in answer["error"]
    assert fetch(http, base_url, demo(http, base_url))["code"] == 200  # the demo app is untouched


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"json": {"rate_limit": -1}}, "rate_limit"),
        ({"json": {"token_lifetime": 0}}, "token_lifetime"),
        ({"json": {"app_id": ""}}, "app_id"),
        ({"json": {"appId": "camel"}}, "appId"),
        ({"json": [1]}, "JSON object"),
        ({"data": "{not json"}, "JSON object"),
    ],
)
def test_bad_create_bodies_are_400(
    http: requests.Session, base_url: str, kwargs: dict[str, Any], fragment: str
) -> None:
    answer = send(http, "POST", f"{base_url}{ADMIN}/apps", 400, **kwargs)
    assert fragment in answer["error"]


def test_unknown_app_is_404(http: requests.Session, base_url: str) -> None:
    assert "nobody" in send(http, "GET", f"{base_url}{ADMIN}/apps/nobody", 404)["error"]
    send(http, "PATCH", f"{base_url}{ADMIN}/apps/nobody", 404, json={"rate_limit": 1})


def test_change_the_secret(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    access = fetch(http, base_url, creds)["result"]["accessToken"]
    changed = send(http, "PATCH", f"{base_url}{ADMIN}/apps/{creds['appId']}", 200, json={"app_secret": "new"})
    assert changed["app_secret"] == "new"
    assert fetch(http, base_url, creds) == error(401, "appId或appSecret错误")
    again = fetch(http, base_url, {"appId": creds["appId"], "appSecret": "new"})
    assert again["result"]["accessToken"] == access  # the live token outlives the old secret
    assert hello(http, base_url, access).json()["code"] == 200


def test_change_the_limit(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    creds = demo(http, base_url, "limited")
    url = f"{base_url}{ADMIN}/apps/{creds['appId']}"
    assert [fetch(http, base_url, creds)["code"] for _ in range(4)] == [200, 200, 200, 429]
    assert send(http, "PATCH", url, 200, json={"rate_limit": 5})["rate_limit"] == 5
    assert [fetch(http, base_url, creds)["code"] for _ in range(3)] == [200, 200, 429]
    assert send(http, "PATCH", url, 200, json={"rate_limit": None})["rate_limit"] is None  # default 20
    assert [fetch(http, base_url, creds)["code"] for _ in range(16)] == [200] * 15 + [429]


def test_change_the_name_and_lifetime(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    creds = demo(http, base_url)
    url = f"{base_url}{ADMIN}/apps/{creds['appId']}"
    send(http, "PATCH", url, 200, json={"name": "新名字", "token_lifetime": 90})
    result = fetch(http, base_url, creds)["result"]
    assert result["expiresIn"] == 90
    assert hello(http, base_url, result["accessToken"]).json()["result"] == "你好，新名字！"


@pytest.mark.parametrize(
    "body", [{"app_secret": ""}, {"app_secret": None}, {"name": None}, {"rate_limit": -2}, {"app_id": "x"}]
)
def test_bad_changes_are_400(http: requests.Session, base_url: str, body: dict[str, Any]) -> None:
    creds = demo(http, base_url)
    send(http, "PATCH", f"{base_url}{ADMIN}/apps/{creds['appId']}", 400, json=body)
    assert fetch(http, base_url, creds)["code"] == 200


def test_list_live_tokens_with_expires_in(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, set="2026-03-10T12:00:00+08:00", freeze=True)
    assert send(http, "GET", f"{base_url}{ADMIN}/tokens", 200) == {"tokens": []}
    main = fetch(http, base_url, demo(http, base_url))["result"]
    short = fetch(http, base_url, demo(http, base_url, "expiring"))["result"]
    clock(http, base_url, advance=30)
    listed = {t["accessToken"]: t for t in send(http, "GET", f"{base_url}{ADMIN}/tokens", 200)["tokens"]}
    assert set(listed) == {main["accessToken"], short["accessToken"]}
    assert listed[main["accessToken"]]["expiresIn"] == 7170
    assert listed[main["accessToken"]]["expireTime"] == "2026-03-10T14:00:00+08:00"
    assert listed[main["accessToken"]]["app_id"] == demo(http, base_url)["appId"]
    assert listed[short["accessToken"]]["expiresIn"] == 30
    clock(http, base_url, advance=30)
    listed = {t["accessToken"]: t for t in send(http, "GET", f"{base_url}{ADMIN}/tokens", 200)["tokens"]}
    assert set(listed) == {main["accessToken"]}


def test_reset_drops_created_apps_and_tokens(http: requests.Session, base_url: str) -> None:
    mine = new_app(http, base_url)
    fetch(http, base_url, mine)
    send(http, "POST", f"{base_url}/__admin/reset", 200)
    assert send(http, "GET", f"{base_url}{ADMIN}/tokens", 200) == {"tokens": []}
    assert fetch(http, base_url, mine) == error(401, "appId或appSecret错误")
    assert len(send(http, "GET", f"{base_url}{ADMIN}/apps", 200)["apps"]) == 3


def test_admin_errors_are_admin_json_not_the_envelope(http: requests.Session, base_url: str) -> None:
    answer = send(http, "DELETE", f"{base_url}{ADMIN}/apps", 405)
    assert "error" in answer
    assert "code" not in answer
