"""The admin API under /__admin, against the real server on a loopback port."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import requests

from provider_mocks import Mocks
from provider_mocks.providers.itrigger.errors import MESSAGES
from provider_mocks.providers.itrigger.models import DEMO_APIS, DEMO_GET, DEMO_POST, TOKEN_PATH
from tests.support import send

ADMIN = "/__admin"


def get_json(http: requests.Session, url: str, status: int = 200, **kwargs: Any) -> Any:
    answer = http.get(url, **kwargs)
    assert answer.status_code == status, answer.text
    return answer.json()


def clock(http: requests.Session, base_url: str, **change: Any) -> Any:
    """A change of the clock through the admin API, which must succeed; the clock's state after."""
    return send(http, "POST", f"{base_url}{ADMIN}/clock", 200, json=change)


def itrigger(http: requests.Session, base_url: str) -> dict[str, Any]:
    providers = get_json(http, f"{base_url}{ADMIN}/providers")["providers"]
    found: dict[str, Any] = next(p for p in providers if p["slug"] == "itrigger")
    return found


def fetch(http: requests.Session, base_url: str, app_id: str, app_secret: str) -> dict[str, Any]:
    body: dict[str, Any] = get_json(
        http, f"{base_url}{TOKEN_PATH}", params={"appId": app_id, "appSecret": app_secret}
    )
    return body


def journal(http: requests.Session, base_url: str, **params: Any) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = get_json(http, f"{base_url}{ADMIN}/requests", params=params)["requests"]
    return entries


@pytest.fixture
def demo(http: requests.Session, base_url: str) -> dict[str, dict[str, str]]:
    creds: dict[str, dict[str, str]] = itrigger(http, base_url)["credentials"]
    return creds


# -- health and providers -----------------------------------------------------------


def test_health(http: requests.Session, base_url: str) -> None:
    answer = http.get(f"{base_url}{ADMIN}/health")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert answer.json() == {"status": "ok"}


def test_providers_lists_itrigger(http: requests.Session, base_url: str) -> None:
    found = itrigger(http, base_url)
    assert found["base_path"] == "/itrigger-tenant"
    assert found["prefixes"] == ["/itrigger-tenant", "/itrigger-bff"]
    assert found["hosts"] == ["gateway-dev.itrigger.cn"]
    assert found["spec"] == f"{ADMIN}/specs/itrigger"
    assert found["title"]
    assert found["settings"] == {
        "token_lifetime": 7200,
        "daily_limit": 2000,
        "overwrite_grace": 0,
        "timezone": "Asia/Shanghai",
    }
    credentials = found["credentials"]
    assert set(credentials) == {"demo", "get_only", "frozen", "limited"}
    for role, creds in credentials.items():
        assert isinstance(creds["appId"], str), role
        assert creds["appId"], role
        assert isinstance(creds["appSecret"], str), role
        assert creds["appSecret"], role
    assert len({c["appId"] for c in credentials.values()}) == 4


def test_listed_demo_credentials_behave_as_described(
    http: requests.Session, base_url: str, demo: dict[str, dict[str, str]]
) -> None:
    assert fetch(http, base_url, demo["demo"]["appId"], demo["demo"]["appSecret"])["code"] == 200
    assert fetch(http, base_url, demo["get_only"]["appId"], demo["get_only"]["appSecret"])["code"] == 200
    assert fetch(http, base_url, demo["frozen"]["appId"], demo["frozen"]["appSecret"])["code"] == 40003
    limited = demo["limited"]
    codes = [fetch(http, base_url, limited["appId"], limited["appSecret"])["code"] for _ in range(4)]
    assert codes == [200, 200, 200, 40004]


# -- clock --------------------------------------------------------------------------


def test_clock_get_follows_real_time(http: requests.Session, base_url: str) -> None:
    state = get_json(http, f"{base_url}{ADMIN}/clock")
    assert set(state) == {"now", "timestamp", "frozen", "offset"}
    assert state["frozen"] is False
    assert abs(state["timestamp"] - time.time()) < 5
    assert abs(state["offset"]) < 1
    assert state["now"].endswith("Z")
    assert abs(datetime.fromisoformat(state["now"]).timestamp() - state["timestamp"]) < 0.001


def test_clock_advance(http: requests.Session, base_url: str) -> None:
    state = clock(http, base_url, advance=86_400)
    assert abs(state["offset"] - 86_400) < 1
    assert abs(state["timestamp"] - (time.time() + 86_400)) < 5
    state = clock(http, base_url, advance=-3600.5)
    assert abs(state["offset"] - 82_799.5) < 1


def test_clock_freeze_then_set_and_advance(http: requests.Session, base_url: str) -> None:
    state = clock(http, base_url, freeze=True)
    assert state["frozen"] is True
    state = clock(http, base_url, set="2026-01-01T08:00:00+08:00")
    assert state["frozen"] is True
    assert state["now"] == "2026-01-01T00:00:00Z"
    assert state["timestamp"] == 1_767_225_600.0
    assert get_json(http, f"{base_url}{ADMIN}/clock")["timestamp"] == 1_767_225_600.0
    state = clock(http, base_url, advance=90)
    assert state["now"] == "2026-01-01T00:01:30Z"
    state = clock(http, base_url, set="2026-06-01T00:00:00Z")
    assert state["now"] == "2026-06-01T00:00:00Z"
    assert state["frozen"] is True


def test_clock_set_on_a_running_clock(http: requests.Session, base_url: str) -> None:
    state = clock(http, base_url, set="2030-01-01T00:00:00+00:00")
    assert state["frozen"] is False
    assert 0 <= state["timestamp"] - 1_893_456_000.0 < 5


def test_clock_set_and_freeze_in_one_request_is_exact(http: requests.Session, base_url: str) -> None:
    """`{"set": T, "freeze": true}` freezes at T itself, not T plus the time the request took."""
    state = clock(http, base_url, set="2026-01-01T08:00:00+08:00", freeze=True)
    assert state["frozen"] is True
    assert state["timestamp"] == 1_767_225_600.0
    assert state["now"] == "2026-01-01T00:00:00Z"


def test_clock_set_advance_and_freeze_in_one_request_is_exact(http: requests.Session, base_url: str) -> None:
    state = clock(http, base_url, set="2026-01-01T00:00:00Z", advance=60, freeze=True)
    assert state["timestamp"] == 1_767_225_660.0


def test_clock_unfreeze_runs_on_from_the_frozen_instant(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, set="2030-01-01T00:00:00Z", freeze=True)
    state = clock(http, base_url, freeze=False)
    assert state["frozen"] is False
    assert 0 <= state["timestamp"] - 1_893_456_000.0 < 5


def test_clock_empty_post_changes_nothing(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, advance=100, freeze=True)
    before = get_json(http, f"{base_url}{ADMIN}/clock")
    bodies: list[dict[str, Any]] = [{"json": {}}, {}]
    for kwargs in bodies:
        after = send(http, "POST", f"{base_url}{ADMIN}/clock", 200, **kwargs)
        assert after["timestamp"] == before["timestamp"]
        assert after["now"] == before["now"]
        assert after["frozen"] is True


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"json": {"advance": "x"}}, "advance"),
        ({"json": {"set": "2026-01-01T00:00:00"}}, "offset"),
        ({"json": {"set": "yesterday"}}, "set"),
        ({"json": {"freeze": "maybe"}}, "freeze"),
        ({"json": {"speed": 2}}, "speed"),
        ({"json": [1, 2]}, "JSON object"),
        ({"data": "advance=5", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, "JSON"),
        ({"data": "{not json", "headers": {"Content-Type": "application/json"}}, "JSON"),
    ],
)
def test_clock_bad_bodies(
    http: requests.Session, base_url: str, kwargs: dict[str, Any], fragment: str
) -> None:
    before = get_json(http, f"{base_url}{ADMIN}/clock")
    answer = send(http, "POST", f"{base_url}{ADMIN}/clock", 400, **kwargs)
    assert set(answer) == {"error"}
    assert isinstance(answer["error"], str)
    assert fragment in answer["error"]
    after = get_json(http, f"{base_url}{ADMIN}/clock")
    assert abs(after["offset"] - before["offset"]) < 1  # nothing applied


@pytest.fixture
def restore(mocks: Mocks) -> Iterator[None]:
    """Put the shared clock right again whatever the test did to it."""
    yield
    mocks.reset()


@pytest.mark.parametrize("advance", ["1e300", "Infinity", "NaN"])
@pytest.mark.usefixtures("restore")
def test_clock_out_of_range_advance_is_refused(http: requests.Session, base_url: str, advance: str) -> None:
    """An advance the clock cannot represent is a bad body, not a broken server."""
    answer = http.post(
        f"{base_url}{ADMIN}/clock",
        data=f'{{"advance": {advance}}}',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400, answer.text
    assert "error" in answer.json()
    assert http.get(f"{base_url}{ADMIN}/health").status_code == 200
    assert http.post(f"{base_url}{ADMIN}/reset").status_code == 200


# -- reset --------------------------------------------------------------------------


def test_reset_brings_clock_journal_and_state_back(
    http: requests.Session, base_url: str, demo: dict[str, dict[str, str]]
) -> None:
    send(
        http, "POST", f"{base_url}{ADMIN}/itrigger/apps", 201, json={"app_id": "temp-app", "app_secret": "s"}
    )
    clock(http, base_url, advance=86_400 * 3, freeze=True)
    assert fetch(http, base_url, "temp-app", "s")["code"] == 200
    assert journal(http, base_url)

    assert send(http, "POST", f"{base_url}{ADMIN}/reset", 200) == {"reset": True}

    send(http, "GET", f"{base_url}{ADMIN}/itrigger/apps/temp-app", 404)
    assert get_json(http, f"{base_url}{ADMIN}/itrigger/tokens") == {"tokens": []}
    state = get_json(http, f"{base_url}{ADMIN}/clock")
    assert state["frozen"] is False
    assert abs(state["timestamp"] - time.time()) < 5
    assert journal(http, base_url) == []
    # The demo credentials are back.
    assert fetch(http, base_url, demo["demo"]["appId"], demo["demo"]["appSecret"])["code"] == 200


def test_reset_restores_daily_counts_and_changed_demo_apps(
    http: requests.Session, base_url: str, demo: dict[str, dict[str, str]]
) -> None:
    limited = demo["limited"]
    for _ in range(3):
        fetch(http, base_url, limited["appId"], limited["appSecret"])
    send(
        http, "PATCH", f"{base_url}{ADMIN}/itrigger/apps/{demo['demo']['appId']}", 200, json={"frozen": True}
    )
    http.post(f"{base_url}{ADMIN}/reset")
    assert fetch(http, base_url, limited["appId"], limited["appSecret"])["code"] == 200
    assert fetch(http, base_url, demo["demo"]["appId"], demo["demo"]["appSecret"])["code"] == 200


# -- journal ------------------------------------------------------------------------


def test_journal_entry_of_a_token_fetch(
    http: requests.Session, base_url: str, demo: dict[str, dict[str, str]]
) -> None:
    clock(http, base_url, freeze=True)
    clock(http, base_url, set="2026-03-01T12:00:00+08:00")
    creds = demo["demo"]
    answer = http.get(
        f"{base_url}{TOKEN_PATH}",
        params={"appId": creds["appId"], "appSecret": creds["appSecret"]},
        headers={"X-Trace": "abc"},
    )
    entries = journal(http, base_url)
    assert len(entries) == 1
    entry = entries[0]
    assert {
        "id",
        "method",
        "path",
        "query",
        "headers",
        "body",
        "status",
        "response",
        "provider",
        "operation",
        "time",
    } <= set(entry)
    assert entry["method"] == "GET"
    assert entry["path"] == TOKEN_PATH
    assert entry["query"] == {"appId": [creds["appId"]], "appSecret": [creds["appSecret"]]}
    assert entry["headers"]["X-Trace"] == "abc"
    assert "Host" in entry["headers"]
    assert entry["body"] == ""
    assert entry["status"] == 200
    assert entry["response"] == answer.text
    assert entry["provider"] == "itrigger"
    assert entry["operation"] == "token"
    assert datetime.fromisoformat(entry["time"]).timestamp() == 1_772_337_600.0


def test_journal_records_error_answers_and_bodies(
    http: requests.Session, base_url: str, demo: dict[str, dict[str, str]]
) -> None:
    http.get(f"{base_url}{TOKEN_PATH}")
    http.post(f"{base_url}{DEMO_POST}", params={"accessToken": "nope"}, data='{"a": "中文"}'.encode())
    first, second = journal(http, base_url)
    assert first["status"] == 200
    assert '"code":40001' in first["response"]
    assert second["method"] == "POST"
    assert second["body"] == '{"a": "中文"}'
    assert second["operation"] == "business"
    assert second["id"] > first["id"]


def test_journal_filter_and_limit(http: requests.Session, base_url: str) -> None:
    for _ in range(3):
        http.get(f"{base_url}{TOKEN_PATH}")
    http.get(f"{base_url}/not-a-provider")
    everything = journal(http, base_url)
    assert len(everything) == 4
    assert everything[-1]["provider"] is None
    only = journal(http, base_url, provider="itrigger")
    assert [e["id"] for e in only] == [e["id"] for e in everything[:3]]
    assert [e["id"] for e in journal(http, base_url, limit=2)] == [e["id"] for e in everything[2:]]


def test_journal_unknown_provider_is_404(http: requests.Session, base_url: str) -> None:
    answer = send(http, "GET", f"{base_url}{ADMIN}/requests", 404, params={"provider": "nobody"})
    assert "nobody" in answer["error"]


def test_journal_delete_clears(http: requests.Session, base_url: str) -> None:
    http.get(f"{base_url}{TOKEN_PATH}")
    assert journal(http, base_url)
    assert send(http, "DELETE", f"{base_url}{ADMIN}/requests", 200) == {"requests": []}
    assert journal(http, base_url) == []


def test_admin_requests_are_not_journaled(http: requests.Session, base_url: str) -> None:
    http.get(f"{base_url}{ADMIN}/health")
    http.get(f"{base_url}{ADMIN}/providers")
    http.post(f"{base_url}{ADMIN}/clock", json={"advance": 1})
    http.post(f"{base_url}{ADMIN}/clock", json={"advance": "bad"})
    http.get(f"{base_url}{ADMIN}/itrigger/apps")
    http.get(f"{base_url}{ADMIN}/no-such-thing")
    assert journal(http, base_url) == []


# -- /__admin/itrigger ----------------------------------------------------------------


def test_tenants_create_list_patch(http: requests.Session, base_url: str) -> None:
    url = f"{base_url}{ADMIN}/itrigger/tenants"
    ids = [t["id"] for t in get_json(http, url)["tenants"]]
    assert ids == ["tenant-demo", "tenant-small"]
    created = send(http, "POST", url, 201, json={"id": "acme", "name": "Acme", "daily_limit": 10})
    assert created == {"id": "acme", "name": "Acme", "daily_limit": 10}
    listed = {t["id"]: t for t in get_json(http, url)["tenants"]}
    assert listed["acme"] == {**created, "used_today": 0}
    patched = send(http, "PATCH", f"{url}/acme", 200, json={"name": "Acme Ltd"})
    assert patched == {"id": "acme", "name": "Acme Ltd", "daily_limit": 10}
    generated = send(http, "POST", url, 201, json={})
    assert generated["id"].startswith("tenant-")


def test_apps_create_list_get_patch(http: requests.Session, base_url: str) -> None:
    url = f"{base_url}{ADMIN}/itrigger/apps"
    before = len(get_json(http, url)["apps"])
    created = send(
        http, "POST", url, 201, json={"app_id": "my-app", "app_secret": "my-secret", "name": "Mine"}
    )
    assert created["app_id"] == "my-app"
    assert created["frozen"] is False
    assert created["grants"] == DEMO_APIS
    assert created["tenant"]  # a fresh tenant of its own
    tenants = [t["id"] for t in get_json(http, f"{base_url}{ADMIN}/itrigger/tenants")["tenants"]]
    assert created["tenant"] in tenants
    assert len(get_json(http, url)["apps"]) == before + 1
    assert get_json(http, f"{url}/my-app") == created
    patched = send(http, "PATCH", f"{url}/my-app", 200, json={"name": "Renamed", "app_secret": "new"})
    assert patched == {**created, "name": "Renamed", "app_secret": "new"}
    assert fetch(http, base_url, "my-app", "my-secret")["code"] == 40002
    assert fetch(http, base_url, "my-app", "new")["code"] == 200


def test_generated_app_credentials_work(http: requests.Session, base_url: str) -> None:
    created = send(http, "POST", f"{base_url}{ADMIN}/itrigger/apps", 201, json={"tenant": "tenant-demo"})
    assert created["tenant"] == "tenant-demo"
    assert fetch(http, base_url, created["app_id"], created["app_secret"])["code"] == 200


def test_freezing_an_app_answers_40003(
    http: requests.Session, base_url: str, demo: dict[str, dict[str, str]]
) -> None:
    creds = demo["demo"]
    send(http, "PATCH", f"{base_url}{ADMIN}/itrigger/apps/{creds['appId']}", 200, json={"frozen": True})
    answer = fetch(http, base_url, creds["appId"], creds["appSecret"])
    assert answer == {"code": 40003, "message": MESSAGES[40003], "data": None}
    send(http, "PATCH", f"{base_url}{ADMIN}/itrigger/apps/{creds['appId']}", 200, json={"frozen": False})
    assert fetch(http, base_url, creds["appId"], creds["appSecret"])["code"] == 200


def test_tenant_daily_limit_from_admin(
    http: requests.Session, base_url: str, demo: dict[str, dict[str, str]]
) -> None:
    send(http, "PATCH", f"{base_url}{ADMIN}/itrigger/tenants/tenant-demo", 200, json={"daily_limit": 2})
    creds = demo["demo"]
    codes = [fetch(http, base_url, creds["appId"], creds["appSecret"])["code"] for _ in range(3)]
    assert codes == [200, 200, 40004]
    tenants = {t["id"]: t for t in get_json(http, f"{base_url}{ADMIN}/itrigger/tenants")["tenants"]}
    assert tenants["tenant-demo"]["used_today"] == 2
    assert tenants["tenant-demo"]["daily_limit"] == 2


def test_granting_apis(http: requests.Session, base_url: str) -> None:
    url = f"{base_url}{ADMIN}/itrigger/apps"
    send(http, "POST", url, 201, json={"app_id": "g", "app_secret": "s", "grants": [DEMO_GET]})
    token = fetch(http, base_url, "g", "s")["data"]["accessToken"]
    denied = get_json(http, f"{base_url}{DEMO_POST}", params={"accessToken": token})  # a GET on a POST API
    assert denied["code"] in (403, 405)
    posted = http.post(f"{base_url}{DEMO_POST}", params={"accessToken": token}, json={}).json()
    assert posted == {"code": 403, "message": MESSAGES[403], "data": None}
    send(http, "PATCH", f"{url}/g", 200, json={"grants": [DEMO_GET, DEMO_POST]})
    posted = http.post(f"{base_url}{DEMO_POST}", params={"accessToken": token}, json={"x": 1}).json()
    assert posted["code"] == 200
    assert posted["data"] == {"x": 1}
    send(http, "PATCH", f"{url}/g", 200, json={"grants": []})
    got = get_json(http, f"{base_url}{DEMO_GET}", params={"accessToken": token})
    assert got["code"] == 403


def test_tokens_listing(http: requests.Session, base_url: str, demo: dict[str, dict[str, str]]) -> None:
    clock(http, base_url, freeze=True)
    creds = demo["demo"]
    token = fetch(http, base_url, creds["appId"], creds["appSecret"])["data"]["accessToken"]
    clock(http, base_url, advance=200)
    tokens = get_json(http, f"{base_url}{ADMIN}/itrigger/tokens")["tokens"]
    assert len(tokens) == 1
    assert tokens[0]["accessToken"] == token
    assert tokens[0]["app_id"] == creds["appId"]
    assert tokens[0]["valid"] is True
    assert tokens[0]["seconds_left"] == pytest.approx(7000)


def test_duplicate_tenant_is_409(http: requests.Session, base_url: str) -> None:
    url = f"{base_url}{ADMIN}/itrigger/tenants"
    answer = send(http, "POST", url, 409, json={"id": "tenant-demo", "name": "again"})
    assert "tenant-demo" in answer["error"]
    tenants = {t["id"]: t for t in get_json(http, url)["tenants"]}
    assert tenants["tenant-demo"]["name"] != "again"


def test_duplicate_app_is_409(http: requests.Session, base_url: str, demo: dict[str, dict[str, str]]) -> None:
    url = f"{base_url}{ADMIN}/itrigger/apps"
    creds = demo["demo"]
    answer = send(
        http, "POST", url, 409, json={"app_id": creds["appId"], "app_secret": "x", "tenant": "tenant-demo"}
    )
    assert creds["appId"] in answer["error"]
    assert fetch(http, base_url, creds["appId"], creds["appSecret"])["code"] == 200


def test_refused_duplicate_app_leaves_no_tenant_behind(http: requests.Session, base_url: str) -> None:
    """A 409 changes nothing: no orphan tenant is created for the refused app."""
    url = f"{base_url}{ADMIN}/itrigger"
    send(http, "POST", f"{url}/apps", 201, json={"app_id": "twice"})
    before = get_json(http, f"{url}/tenants")["tenants"]
    send(http, "POST", f"{url}/apps", 409, json={"app_id": "twice"})
    assert get_json(http, f"{url}/tenants")["tenants"] == before


def test_app_with_an_unknown_tenant_is_404(http: requests.Session, base_url: str) -> None:
    answer = send(http, "POST", f"{base_url}{ADMIN}/itrigger/apps", 404, json={"tenant": "tenant-nowhere"})
    assert "tenant-nowhere" in answer["error"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/itrigger/apps/no-such-app", None),
        ("PATCH", "/itrigger/apps/no-such-app", {"frozen": True}),
        ("PATCH", "/itrigger/tenants/no-such-tenant", {"daily_limit": 1}),
    ],
)
def test_unknown_app_or_tenant_is_404(
    http: requests.Session, base_url: str, method: str, path: str, body: dict[str, Any] | None
) -> None:
    answer = send(http, method, f"{base_url}{ADMIN}{path}", 404, json=body)
    assert "no-such" in answer["error"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/itrigger/apps", {"app_id": ""}),
        ("/itrigger/apps", {"colour": "red"}),
        ("/itrigger/tenants", {"daily_limit": -1}),
    ],
)
def test_bad_admin_bodies_are_400(
    http: requests.Session, base_url: str, path: str, body: dict[str, Any]
) -> None:
    answer = send(http, "POST", f"{base_url}{ADMIN}{path}", 400, json=body)
    assert answer["error"]


def test_unknown_admin_path_is_404_json(http: requests.Session, base_url: str) -> None:
    answer = send(http, "GET", f"{base_url}{ADMIN}/no-such-thing", 404)
    assert set(answer) == {"error"}
    assert answer["error"]


def test_wrong_method_on_admin_path_is_405_json(http: requests.Session, base_url: str) -> None:
    answer = send(http, "DELETE", f"{base_url}{ADMIN}/health", 405)
    assert set(answer) == {"error"}
