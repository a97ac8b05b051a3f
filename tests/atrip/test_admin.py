"""ATRIP's admin routes under /__admin/atrip, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.support import clock, created_twice, send

from .helpers import BODY, ID, SECRET, demo, fetch, post

ADMIN = "/__admin/atrip"


def test_providers_lists_atrip(http: requests.Session, base_url: str) -> None:
    listed = send(http, "GET", f"{base_url}/__admin/providers", 200)["providers"]
    atrip = next(p for p in listed if p["slug"] == "atrip")
    assert atrip["base_path"] == "/getAtripToken.do"
    assert atrip["prefixes"] == ["/getAtripToken.do", "/atrip-portal"]
    assert atrip["hosts"] == ["sandbox.atriptech.com", "sandbox.atlaslovestravel.com"]
    assert atrip["spec"] == "/__admin/specs/atrip"
    assert set(atrip["credentials"]) == {"demo", "orders"}
    assert atrip["settings"] == {
        "portal_token_lifetime": 1800,
        "required_headers": ["Content-Type"],
        "legacy_roles": True,
        "gzip": True,
        "strict_accept": False,
        "portal_base_url": None,
    }


def test_clients_are_the_demo_clients(http: requests.Session, base_url: str) -> None:
    clients = send(http, "GET", f"{base_url}{ADMIN}/clients", 200)["clients"]
    by_id = {c["client_id"]: c for c in clients}
    for role in ("demo", "orders"):
        creds = demo(http, base_url, role)
        client = by_id[creds[ID]]
        assert client["client_secret"] == creds[SECRET]
        assert ("any" if client["orders"] is None else ",".join(client["orders"])) == creds["orders"]
        assert client["name"]


def test_create_get_and_change_a_client(http: requests.Session, base_url: str) -> None:
    made = send(
        http, "POST", f"{base_url}{ADMIN}/clients", 201,
        json={"client_id": "acme", "client_secret": "acme-secret", "name": "Acme", "orders": ["A-1", "B_2"]},
    )  # fmt: skip
    assert made == {
        "client_id": "acme",
        "client_secret": "acme-secret",
        "name": "Acme",
        "orders": ["A-1", "B_2"],
    }
    assert send(http, "GET", f"{base_url}{ADMIN}/clients/acme", 200) == made
    creds = {ID: "acme", SECRET: "acme-secret"}
    assert post(http, base_url, creds, {**BODY, "orderNo": "B_2"}).json()["status"] == 0

    changed = send(
        http, "PATCH", f"{base_url}{ADMIN}/clients/acme", 200, json={"client_secret": "s2", "orders": ["C"]}
    )
    assert changed == {"client_id": "acme", "client_secret": "s2", "name": "Acme", "orders": ["C"]}
    assert post(http, base_url, creds, {**BODY, "orderNo": "C"}).json()["status"] == 3
    assert post(http, base_url, {ID: "acme", SECRET: "s2"}, {**BODY, "orderNo": "C"}).json()["status"] == 0


@pytest.mark.parametrize("field", ["client_secret", "name"])
def test_a_null_secret_or_name_is_400_and_changes_nothing(
    http: requests.Session, base_url: str, field: str
) -> None:
    """Only orders has a null meaning (any order again); a client is never without a secret or name."""
    creds = demo(http, base_url, "orders")
    url = f"{base_url}{ADMIN}/clients/{creds[ID]}"
    before = send(http, "GET", url, 200)
    refused = send(http, "PATCH", url, 400, json={field: None, "orders": None})
    assert refused["error"].startswith(f"{field}: ")
    assert send(http, "GET", url, 200) == before
    assert post(http, base_url, creds).json()["status"] == 3  # still its own orders only
    assert send(http, "PATCH", url, 200, json={"orders": None})["orders"] is None


def test_create_generates_id_and_secret(http: requests.Session, base_url: str) -> None:
    first = created_twice(http, f"{base_url}{ADMIN}/clients", "client_id", "client_secret")
    assert first["orders"] is None
    creds = {ID: first["client_id"], SECRET: first["client_secret"]}
    assert post(http, base_url, creds).json()["status"] == 0


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"orders": ["not ok"]}, "orders.0"),
        ({"orders": "A1"}, "orders"),
        ({"client_id": ""}, "client_id"),
        ({"client_secret": "two words"}, "client_secret"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_client_bodies_are_400(http: requests.Session, base_url: str, body: Any, words: str) -> None:
    refused = send(http, "POST", f"{base_url}{ADMIN}/clients", 400, json=body)
    assert words in refused["error"]


def test_not_an_object_is_400(http: requests.Session, base_url: str) -> None:
    assert send(http, "POST", f"{base_url}{ADMIN}/clients", 400, data=b"[1]")["error"]


def test_duplicate_and_unknown_clients(http: requests.Session, base_url: str) -> None:
    existing = demo(http, base_url)[ID]
    assert (
        "exists"
        in send(http, "POST", f"{base_url}{ADMIN}/clients", 409, json={"client_id": existing})["error"]
    )
    assert "no client" in send(http, "GET", f"{base_url}{ADMIN}/clients/nobody", 404)["error"]
    assert "no client" in send(http, "PATCH", f"{base_url}{ADMIN}/clients/nobody", 404, json={})["error"]


def test_sessions_show_each_live_portal_session(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    fetch(http, base_url, body={**BODY, "role": "FINANCE", "cid": "c9"})
    clock(http, base_url, advance=600)
    fetch(http, base_url, body={**BODY, "userName": "second"})
    sessions = send(http, "GET", f"{base_url}{ADMIN}/sessions", 200)["sessions"]
    by_user = {s["user_name"]: s for s in sessions}
    assert set(by_user) == {"Li Wei", "second"}
    assert (by_user["Li Wei"]["role"], by_user["Li Wei"]["role_sent"], by_user["Li Wei"]["cid"]) == (
        "Finance",
        "FINANCE",
        "c9",
    )
    assert (by_user["Li Wei"]["seconds_left"], by_user["second"]["seconds_left"]) == (1200, 1800)
    clock(http, base_url, advance=1200)
    assert [s["user_name"] for s in send(http, "GET", f"{base_url}{ADMIN}/sessions", 200)["sessions"]] == [
        "second"
    ]


def test_reset_forgets_admin_clients_and_sessions(http: requests.Session, base_url: str) -> None:
    send(http, "POST", f"{base_url}{ADMIN}/clients", 201, json={"client_id": "temp"})
    fetch(http, base_url)
    send(http, "POST", f"{base_url}/__admin/reset", 200)
    assert send(http, "GET", f"{base_url}{ADMIN}/sessions", 200)["sessions"] == []
    send(http, "GET", f"{base_url}{ADMIN}/clients/temp", 404)
