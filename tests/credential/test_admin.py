"""The admin routes under /__admin/credential, over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.support import clock

from .helpers import ECHO, admin, demo, echo, fetch, freeze_at_noon, token


def test_providers_lists_credential(http: requests.Session, base_url: str) -> None:
    listed = http.get(f"{base_url}/__admin/providers").json()["providers"]
    found = next(p for p in listed if p["slug"] == "credential")
    assert found["base_path"] == "/openapi"
    assert found["prefixes"] == ["/openapi"]
    assert found["hosts"] == []
    assert found["spec"] == "/__admin/specs/credential"
    assert set(found["credentials"]) == {"demo", "disabled", "partner_off", "ip_limited", "not_granted"}
    assert set(found["credentials"]["demo"]) == {"clientId", "secret", "partner", "note"}
    assert found["settings"]["token_lifetime"] == 7200
    assert found["settings"]["track_id_key"] == "_trackId"


def test_partners(http: requests.Session, base_url: str) -> None:
    partners = {p["id"]: p for p in admin(http, base_url, "GET", "/partners", 200)["partners"]}
    assert partners["partner-demo"]["disabled"] is False
    assert partners["partner-disabled"]["disabled"] is True
    created = admin(http, base_url, "POST", "/partners", 201, json={"id": "acme", "name": "Acme"})
    assert created == {"id": "acme", "name": "Acme", "disabled": False}
    admin(http, base_url, "POST", "/partners", 409, json={"id": "acme"})
    assert admin(http, base_url, "GET", "/partners/acme", 200) == created
    changed = admin(http, base_url, "PATCH", "/partners/acme", 200, json={"disabled": True})
    assert changed["disabled"] is True
    generated = admin(http, base_url, "POST", "/partners", 201, json={})
    assert generated["id"].startswith("partner-")


def test_apps(http: requests.Session, base_url: str) -> None:
    apps = admin(http, base_url, "GET", "/apps", 200)["apps"]
    assert len(apps) == 5
    creds = demo(http, base_url)
    found = admin(http, base_url, "GET", f"/apps/{creds['clientId']}", 200)
    assert found == {
        "client_id": creds["clientId"],
        "secret": creds["secret"],
        "partner": "partner-demo",
        "name": found["name"],
        "disabled": False,
        "ip_allowlist": [],
        "grants": [ECHO],
    }
    limited = admin(http, base_url, "GET", f"/apps/{demo(http, base_url, 'ip_limited')['clientId']}", 200)
    assert limited["ip_allowlist"] == ["203.0.113.0/24"]


def test_create_an_app_and_use_it(http: requests.Session, base_url: str) -> None:
    created = admin(http, base_url, "POST", "/apps", 201, json={"client_id": "mine", "secret": "s3cret"})
    assert created["grants"] == [ECHO]
    assert created["partner"].startswith("partner-")
    assert fetch(http, base_url, {"clientId": "mine", "secret": "s3cret"})["code"] == 200
    admin(http, base_url, "POST", "/apps", 409, json={"client_id": "mine"})
    generated = admin(http, base_url, "POST", "/apps", 201, json={"partner": "partner-demo"})
    assert generated["partner"] == "partner-demo"
    assert (
        fetch(http, base_url, {"clientId": generated["client_id"], "secret": generated["secret"]})["code"]
        == 200
    )


def test_an_admin_app_has_its_own_partner(http: requests.Session, base_url: str) -> None:
    created = admin(http, base_url, "POST", "/apps", 201, json={})
    creds = {"clientId": created["client_id"], "secret": created["secret"]}
    admin(http, base_url, "PATCH", f"/partners/{created['partner']}", 200, json={"disabled": True})
    assert fetch(http, base_url, creds)["code"] == 10104
    assert fetch(http, base_url, demo(http, base_url))["code"] == 200


def test_change_an_app(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    url = f"/apps/{creds['clientId']}"
    changed = admin(
        http,
        base_url,
        "PATCH",
        url,
        200,
        json={"secret": "new", "disabled": True, "ip_allowlist": ["10.0.0.1/8"], "grants": ["/openapi/a"]},
    )
    assert (changed["secret"], changed["disabled"]) == ("new", True)
    assert changed["ip_allowlist"] == ["10.0.0.0/8"]
    assert changed["grants"] == ["/openapi/a"]
    assert admin(http, base_url, "GET", url, 200) == changed


@pytest.mark.parametrize(
    ("method", "path", "body", "named"),
    [
        ("POST", "/apps", {"ip_allowlist": ["localhost"]}, "'localhost' is neither"),
        ("PATCH", "/apps/CLIENT", {"ip_allowlist": ["1.2.3.4/40"]}, "'1.2.3.4/40' is neither"),
        ("PATCH", "/apps/CLIENT", {"grants": ["/elsewhere"]}, "not an API path under /openapi/"),
        ("PATCH", "/apps/CLIENT", {"secret": ""}, "secret"),
        ("PATCH", "/apps/CLIENT", {"colour": "red"}, "colour"),
        ("POST", "/partners", {"disabled": "maybe"}, "disabled"),
        ("POST", "/apps", [1, 2], "JSON object"),
    ],
)
def test_bad_admin_bodies_are_400(
    http: requests.Session, base_url: str, method: str, path: str, body: Any, named: str
) -> None:
    path = path.replace("CLIENT", demo(http, base_url)["clientId"])
    answer = admin(http, base_url, method, path, 400, json=body)
    assert named in answer["error"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/apps/nobody", None),
        ("PATCH", "/apps/nobody", {"disabled": True}),
        ("GET", "/partners/nobody", None),
        ("PATCH", "/partners/nobody", {"disabled": True}),
        ("POST", "/apps", {"partner": "nobody"}),
    ],
)
def test_unknown_ids_are_404(
    http: requests.Session, base_url: str, method: str, path: str, body: Any
) -> None:
    assert "nobody" in admin(http, base_url, method, path, 404, json=body)["error"]


def test_live_tokens(http: requests.Session, base_url: str) -> None:
    freeze_at_noon(http, base_url)
    creds = demo(http, base_url)
    access = token(http, base_url)
    clock(http, base_url, advance=600)
    (listed,) = admin(http, base_url, "GET", "/tokens", 200)["tokens"]
    assert listed["access_token"] == access
    assert listed["client_id"] == creds["clientId"]
    assert listed["valid"] is True
    assert listed["seconds_left"] == 6600
    assert echo(http, base_url, access).json()["code"] == 200
    clock(http, base_url, advance=6600)
    assert admin(http, base_url, "GET", "/tokens", 200) == {"tokens": []}


def test_reset_drops_admin_changes(http: requests.Session, base_url: str) -> None:
    admin(http, base_url, "POST", "/apps", 201, json={"client_id": "temp"})
    token(http, base_url, "not_granted")
    admin(http, base_url, "PATCH", "/partners/partner-demo", 200, json={"disabled": True})
    assert http.post(f"{base_url}/__admin/reset").ok
    assert admin(http, base_url, "GET", "/tokens", 200) == {"tokens": []}
    admin(http, base_url, "GET", "/apps/temp", 404)
    assert admin(http, base_url, "GET", "/partners/partner-demo", 200)["disabled"] is False
    assert fetch(http, base_url, demo(http, base_url))["code"] == 200
