"""Two instances on one Redis: one state; a Redis outage, hang or restart answered in each
provider's envelope, journal ids that never repeat, and what a restart keeps."""

from __future__ import annotations

import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from tests.redis_server import RedisServer, redis_server_binary

from .helpers import (
    APPAUTH_TOKEN,
    ITRIGGER_TOKEN,
    appauth_app_with_limit,
    burst,
    itrigger_app_with_limit,
    serving,
)

WECOM_APP = {"corpid": "wwdd755e9b0abd3c42", "corpsecret": "02G1E2zae_IPrUllmF-gvAGfjO1xNmFRbCBm-oDt_ah"}


@pytest.fixture(scope="module")
def two_instances(redis_server: RedisServer) -> Iterator[tuple[str, str]]:
    redis_server.flush()
    url = redis_server.url(3)
    with serving("--store", url) as first, serving("--store", url) as second:
        yield first, second


@pytest.fixture
def instances(two_instances: tuple[str, str]) -> tuple[str, str]:
    requests.post(f"{two_instances[0]}/__admin/reset", timeout=10).raise_for_status()
    return two_instances


def test_the_second_instance_joins_the_first_ones_state(instances: tuple[str, str]) -> None:
    first, second = instances
    credentials = itrigger_app_with_limit(first, 5)
    answer = requests.get(second + ITRIGGER_TOKEN, params=credentials, timeout=10).json()
    token = answer["data"]["accessToken"]
    call = "/itrigger-tenant/v1/basic/openAPItest/test/get"
    assert requests.get(first + call, params={"accessToken": token}, timeout=10).json()["code"] == 200
    requests.get(first + ITRIGGER_TOKEN, params=credentials, timeout=10)  # overwrites the token
    assert requests.get(second + call, params={"accessToken": token}, timeout=10).json()["code"] == 401


def test_itrigger_daily_limit_is_exact_across_two_instances(instances: tuple[str, str]) -> None:
    credentials = itrigger_app_with_limit(instances[0], 100)
    codes = burst([instances[0] + ITRIGGER_TOKEN, instances[1] + ITRIGGER_TOKEN], 500, credentials)
    assert codes == {200: 100, 40004: 400}


def test_appauth_rate_limit_is_exact_across_two_instances(instances: tuple[str, str]) -> None:
    credentials = appauth_app_with_limit(instances[1], 100)
    codes = burst([instances[0] + APPAUTH_TOKEN, instances[1] + APPAUTH_TOKEN], 500, credentials)
    assert codes == {200: 100, 429: 400}


def test_two_instances_share_clock_journal_and_faults(instances: tuple[str, str]) -> None:
    first, second = instances
    requests.post(
        f"{first}/__admin/clock", json={"set": "2030-01-01T00:00:00+08:00", "freeze": True}, timeout=10
    )
    assert requests.get(f"{second}/__admin/clock", timeout=10).json()["now"] == "2029-12-31T16:00:00Z"
    rule = {"provider": "itrigger", "action": {"type": "error", "code": 500}, "times": 1}
    requests.post(f"{second}/__admin/faults", json=rule, timeout=10).raise_for_status()
    credentials = itrigger_app_with_limit(first, 10)
    codes = [
        requests.get(url + ITRIGGER_TOKEN, params=credentials, timeout=10).json()["code"] for url in instances
    ]
    assert codes == [500, 200]
    journal = requests.get(f"{second}/__admin/requests", timeout=10).json()["requests"]
    assert [e["status"] for e in journal] == [200, 200]
    assert journal[0]["time"] == "2029-12-31T16:00:00+00:00"
    assert journal[0]["id"] < journal[1]["id"]


# -- outage ---------------------------------------------------------------------------

#: One request per provider, and its documented system error (HTTP 200, the provider's envelope).
SYSTEM_ERRORS: list[tuple[str, str, dict[str, str], dict[str, Any]]] = [
    (
        "POST",
        "/getAtripToken.do",
        {
            "x-atlas-client-id": "408408f4bc6fb91e",
            "x-atlas-client-secret": "943f76c005e59eefdb23549c27102d4d",
        },
        {"url": "", "status": 2, "msg": "System error"},
    ),
    (
        "GET",
        ITRIGGER_TOKEN + "?appId=qjy5e6b3bc98fceda4c&appSecret=4fc329aa1adfafc10aba8909921a8d54",
        {},
        {"code": 500, "message": "系统错误", "data": None},
    ),
    (
        "GET",
        APPAUTH_TOKEN + "?appId=appe25ce3bd4331a73f&appSecret=9d4ecadc7b170f6b433f2b88638070e8",
        {},
        {"code": 500, "message": "系统错误", "result": None, "success": False},
    ),
    (
        "POST",
        "/ac/openapi/v2/tokens",
        {"user": "acvk4wj1w1", "password": "sPDQ62ys6ciW", "orgId": "803fe0e83398f361ef41c38fd15bfefd"},
        {"code": "10001", "msg": "内部错误", "data": None},
    ),
    (
        "POST",
        "/openapi/auth/credential?clientId=33ce26c2ccf81e63&secret=a0ed01df390f9c15ce81a8fe8dce27c3&userType=2",
        {},
        {"code": 500, "message": "系统异常，请联系管理员！", "data": None, "ok": False},
    ),
    ("GET", "/wecom/cgi-bin/gettoken?" + urlencode(WECOM_APP), {}, {"errcode": -1}),
]


@contextmanager
def a_redis(*, appendonly: bool = False) -> Iterator[RedisServer]:
    """A Redis of a test's own, to kill, hang and bring back."""
    binary = redis_server_binary()
    with tempfile.TemporaryDirectory(prefix="redis-outage-") as folder:
        server = RedisServer(binary, folder, appendonly=appendonly)
        server.start()
        try:
            yield server
        finally:
            server.kill()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    with a_redis() as server:
        yield server


def restart(server: RedisServer, *instances: str) -> None:
    """Crash Redis and start it again; wait until every instance reaches it."""
    server.kill()
    server.start()
    deadline = time.monotonic() + 10
    for base_url in instances:
        while requests.get(f"{base_url}/__admin/health", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "the instance did not see Redis come back"
            time.sleep(0.05)


def call(request: tuple[str, str, dict[str, str], dict[str, Any]], base_url: str) -> dict[str, Any]:
    """One of SYSTEM_ERRORS' requests, its answer's JSON body (always an HTTP 200)."""
    method, path, headers, _ = request
    body = {"orderNo": "TK1", "userName": "a", "role": "Admin"}
    answer = requests.request(method, base_url + path, headers=headers, json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def is_success(body: dict[str, Any]) -> bool:
    """A provider's success: ATRIP's status 0, Sugon's code "0", WeCom's errcode 0, the others' code 200."""
    return body.get("status") == 0 or body.get("code") in (200, "0") or body.get("errcode") == 0


def is_system_error(request: tuple[str, str, dict[str, str], dict[str, Any]], body: dict[str, Any]) -> bool:
    expected = request[3]
    return {k: body.get(k) for k in expected} == expected


def test_a_redis_outage_is_each_providers_system_error_and_heals(own_redis: RedisServer) -> None:
    with serving("--store", own_redis.url()) as base_url:
        for method, path, headers, _ in SYSTEM_ERRORS:
            assert requests.request(method, base_url + path, headers=headers, json={}, timeout=10).ok
        own_redis.kill()
        for request in SYSTEM_ERRORS:
            assert is_system_error(request, call(request, base_url)), request[1]
        health = requests.get(f"{base_url}/__admin/health", timeout=10)
        assert health.status_code == 503
        assert (
            requests.get(f"{base_url}/__admin/requests", timeout=10)
            .json()["error"]
            .startswith("the state store is unavailable")
        )

        own_redis.start()  # back, and empty: the instance seeds it again by itself
        deadline = time.monotonic() + 10
        while requests.get(f"{base_url}/__admin/health", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "the instance did not see Redis come back"
            time.sleep(0.1)
        answer = requests.get(base_url + SYSTEM_ERRORS[1][1], timeout=10).json()
        assert answer["code"] == 200, answer
        entries = requests.get(f"{base_url}/__admin/requests", timeout=10).json()["requests"]
        assert entries[-1]["status"] == 200


def test_a_hung_redis_is_each_providers_system_error_within_a_second(own_redis: RedisServer) -> None:
    with serving("--store", own_redis.url()) as base_url:
        assert not is_system_error(SYSTEM_ERRORS[1], call(SYSTEM_ERRORS[1], base_url))
        own_redis.pause()
        try:
            for request in [*SYSTEM_ERRORS, *SYSTEM_ERRORS]:  # the first waits for the timeout
                begun = time.monotonic()
                assert is_system_error(request, call(request, base_url)), request[1]
                assert time.monotonic() - begun < 1.0, request[1]
            time.sleep(0.6)  # past the time calls fail at once: the health check asks Redis again
            begun = time.monotonic()
            health = requests.get(f"{base_url}/__admin/health", timeout=10)
            assert health.status_code == 503
            assert "unavailable" in health.text
            assert time.monotonic() - begun < 1.0
        finally:
            own_redis.resume()
        deadline = time.monotonic() + 10
        while requests.get(f"{base_url}/__admin/health", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "the instance did not see Redis go on"
            time.sleep(0.05)
        for request in SYSTEM_ERRORS:
            assert not is_system_error(request, call(request, base_url)), request[1]


@pytest.mark.parametrize("outage", ["killed", "hung"])
def test_a_request_served_from_copies_is_a_system_error_too(own_redis: RedisServer, outage: str) -> None:
    """Sugon's token state reads only read-mostly keys, which each instance keeps copies of: a
    Redis that is gone is noticed at once (its connection closes), one that hangs once it has not
    answered for LEASE (0.5 s); either way each request answers within a second."""
    with serving("--store", own_redis.url()) as base_url:
        login = SYSTEM_ERRORS[3]
        token = call(login, base_url)["data"][0]["token"]
        state = ("GET", "/ac/openapi/v2/tokens/state", {"token": token}, login[3])
        assert call(state, base_url)["data"] == "token is valid"
        if outage == "killed":
            own_redis.kill()
        else:
            own_redis.pause()
            time.sleep(0.6)  # past LEASE: what was heard from Redis is too old to vouch for a copy
        try:
            for _ in range(4):
                begun = time.monotonic()
                assert is_system_error(state, call(state, base_url))
                assert time.monotonic() - begun < 1.0
        finally:
            if outage == "hung":
                own_redis.resume()


def test_journal_ids_never_repeat_across_a_restart_or_between_instances(own_redis: RedisServer) -> None:
    url = own_redis.url()
    with serving("--store", url) as first, serving("--store", url) as second:

        def served() -> list[int]:
            entries = requests.get(f"{second}/__admin/requests", timeout=10).json()["requests"]
            return [int(e["id"]) for e in entries]

        for base_url in (first, second, first):
            call(SYSTEM_ERRORS[1], base_url)
        before = served()
        restart(own_redis, first, second)
        for base_url in (second, first, second):
            call(SYSTEM_ERRORS[1], base_url)
        after = served()
        assert len(before) == len(after) == 3
        assert before == sorted(before)
        assert after == sorted(after)
        assert min(after) > max(before)


@pytest.fixture
def unlimited(tmp_path: Path) -> str:
    """A config lifting the demo apps' limits, so a burst never meets one."""
    path = tmp_path / "unlimited.toml"
    path.write_text(
        "[itrigger.settings]\ndaily_limit = 1000000000\n\n[appauth.settings]\nrate_limit = 1000000000\n"
    )
    return str(path)


def test_reseeding_never_refuses_a_configured_credential(own_redis: RedisServer, unlimited: str) -> None:
    """While Redis restarts under load, every demo credential is answered rightly or with the
    system error (Redis down): never refused as wrong."""
    url = own_redis.url()
    with (
        serving("--store", url, "--config", unlimited) as first,
        serving("--store", url, "--config", unlimited) as second,
    ):
        answers: Counter[str] = Counter()
        wrong: list[tuple[str, dict[str, Any]]] = []
        done = threading.Event()

        def hammer(worker: int) -> None:
            turn = worker
            while not done.is_set():
                request = SYSTEM_ERRORS[turn % len(SYSTEM_ERRORS)]
                body = call(request, (first, second)[turn % 2])
                turn += 1
                if is_system_error(request, body):
                    answers["system error"] += 1
                elif is_success(body):
                    answers["right"] += 1
                else:
                    wrong.append((request[1], body))

        threads = [threading.Thread(target=hammer, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        try:
            for _ in range(4):
                time.sleep(0.5)
                restart(own_redis, first, second)
            time.sleep(0.5)
        finally:
            done.set()
            for thread in threads:
                thread.join(timeout=30)
        assert wrong == []
        assert answers["right"] > 100


ITRIGGER_CALL = "/itrigger-tenant/v1/basic/openAPItest/test/get"


@pytest.mark.parametrize("appendonly", [True, False], ids=["appendonly", "in-memory"])
def test_what_a_redis_restart_keeps(appendonly: bool) -> None:
    """With `appendonly yes` a crashed Redis comes back with everything; without persistence
    only the configured credentials (seeded again) remain, and journal ids still rise."""
    with a_redis(appendonly=appendonly) as server, serving("--store", server.url()) as base_url:
        admin = f"{base_url}/__admin"
        requests.post(f"{admin}/clock", json={"advance": 86400 * 30}, timeout=10).raise_for_status()
        rule = {"provider": "sugon", "action": {"type": "error", "code": "10001"}, "times": 1}
        requests.post(f"{admin}/faults", json=rule, timeout=10).raise_for_status()
        mine = itrigger_app_with_limit(base_url, 2)  # admin-created, and a fetch counted today
        token = requests.get(base_url + ITRIGGER_TOKEN, params=mine, timeout=10).json()["data"]["accessToken"]
        offset = requests.get(f"{admin}/clock", timeout=10).json()["offset"]
        before = [e["id"] for e in requests.get(f"{admin}/requests", timeout=10).json()["requests"]]

        restart(server, base_url)

        def code(path: str, params: dict[str, str]) -> Any:
            return requests.get(base_url + path, params=params, timeout=10).json()["code"]

        kept = {
            "clock offset": abs(requests.get(f"{admin}/clock", timeout=10).json()["offset"] - offset) < 60,
            "fault rules": bool(requests.get(f"{admin}/faults", timeout=10).json()["faults"]),
            "tokens": code(ITRIGGER_CALL, {"accessToken": token}) == 200,
            "journal": [e["id"] for e in requests.get(f"{admin}/requests", timeout=10).json()["requests"]][
                : len(before)
            ]
            == before,
            # with its counter kept, the admin app's 2nd fetch today is its last
            "admin-created credentials and the day's counters": [code(ITRIGGER_TOKEN, mine) for _ in range(2)]
            == [200, 40004],
        }
        assert kept == dict.fromkeys(kept, appendonly)
        assert call(SYSTEM_ERRORS[1], base_url)["code"] == 200  # the configured credentials, always
        after = [e["id"] for e in requests.get(f"{admin}/requests", timeout=10).json()["requests"]]
        assert after[-1] > max(before)
