"""`serve --workers 2`: two processes, one state (tokens, counters, clock, journal, faults), on its
default store (LMDB), on SQLite and on Redis; `--workers 1`."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .helpers import (
    APPAUTH_TOKEN,
    ITRIGGER_TOKEN,
    appauth_app_with_limit,
    burst,
    itrigger_app_with_limit,
    serving_process,
    store_option,
    worker_pids,
)


@pytest.fixture(scope="module", params=["lmdb", "sqlite", "redis"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`serve --workers 2` on its default store (LMDB), on SQLite and on Redis."""
    with serving_process("--workers", "2", *store_option(request, tmp_path_factory, 6)) as found:
        yield found


@pytest.fixture
def base_url(server: tuple[str, subprocess.Popen[str]]) -> str:
    url = server[0]
    requests.post(f"{url}/__admin/reset", timeout=10).raise_for_status()
    return url


def test_two_worker_processes_serve(server: tuple[str, subprocess.Popen[str]], base_url: str) -> None:
    deadline = time.monotonic() + 20  # the banner comes as soon as the port is bound; the fork follows
    while len(worker_pids(server[1])) != 2:
        assert time.monotonic() < deadline, worker_pids(server[1])
        time.sleep(0.05)


def test_itrigger_daily_limit_is_exact_across_workers(base_url: str) -> None:
    """500 concurrent fetches for a tenant allowed 100 a day: exactly 100 tokens, 400 × 40004."""
    credentials = itrigger_app_with_limit(base_url, 100)
    codes = burst([base_url + ITRIGGER_TOKEN], 500, credentials)
    assert codes == {200: 100, 40004: 400}
    tenants = requests.get(f"{base_url}/__admin/itrigger/tenants", timeout=10).json()
    assert 100 in [t["used_today"] for t in tenants["tenants"]]


def test_appauth_rate_limit_is_exact_across_workers(base_url: str) -> None:
    credentials = appauth_app_with_limit(base_url, 100)
    codes = burst([base_url + APPAUTH_TOKEN], 500, credentials)
    assert codes == {200: 100, 429: 400}


def test_workers_share_the_clock(base_url: str) -> None:
    credentials = itrigger_app_with_limit(base_url, 10)
    token = requests.get(base_url + ITRIGGER_TOKEN, params=credentials, timeout=10).json()["data"][
        "accessToken"
    ]
    requests.post(f"{base_url}/__admin/clock", json={"freeze": True, "advance": 7200}, timeout=10)
    shown = {requests.get(f"{base_url}/__admin/clock", timeout=10).json()["timestamp"] for _ in range(20)}
    assert len(shown) == 1
    assert abs(shown.pop() - (time.time() + 7200)) < 60
    call = f"{base_url}/itrigger-tenant/v1/basic/openAPItest/test/get"
    codes = burst([call], 20, {"accessToken": token}, threads=10)
    assert codes == {401: 20}  # expired on every worker


def test_every_clock_move_is_seen_by_the_next_request_on_any_worker(base_url: str) -> None:
    """A worker may keep the clock's state between requests (Redis): never past a move."""
    clock = f"{base_url}/__admin/clock"
    for day in range(1, 31):
        moved = requests.post(clock, json={"set": f"2031-01-{day:02d}T00:00:00Z", "freeze": True}, timeout=10)
        shown = {requests.get(clock, timeout=10).json()["now"] for _ in range(4)}  # a connection each
        assert shown == {moved.json()["now"]}


def test_a_fault_rule_fires_on_the_next_request_on_any_worker(base_url: str) -> None:
    credentials = itrigger_app_with_limit(base_url, 1000)
    for _ in range(10):
        rule = {"provider": "itrigger", "action": {"type": "error", "code": 500}, "times": 1}
        assert requests.post(f"{base_url}/__admin/faults", json=rule, timeout=10).status_code == 201
        codes = [requests.get(base_url + ITRIGGER_TOKEN, params=credentials, timeout=10).json()["code"]]
        codes += [requests.get(base_url + ITRIGGER_TOKEN, params=credentials, timeout=10).json()["code"]]
        assert codes == [500, 200]


def test_workers_share_fault_rules(base_url: str) -> None:
    """A rule that fires 5 times fires 5 times in all, whichever worker answers."""
    credentials = itrigger_app_with_limit(base_url, 1000)
    rule = {
        "provider": "itrigger",
        "operation": "token",
        "action": {"type": "error", "code": 500},
        "times": 5,
    }
    assert requests.post(f"{base_url}/__admin/faults", json=rule, timeout=10).status_code == 201
    codes = burst([base_url + ITRIGGER_TOKEN], 60, credentials, threads=20)
    assert codes == {500: 5, 200: 55}
    status = requests.get(f"{base_url}/__admin/faults", timeout=10).json()["faults"][0]
    assert (status["seen"], status["fired"]) == (60, 5)


def test_workers_share_one_journal_with_rising_ids(base_url: str) -> None:
    credentials = itrigger_app_with_limit(base_url, 1000)
    burst([base_url + ITRIGGER_TOKEN], 100, credentials, threads=20)
    entries = requests.get(f"{base_url}/__admin/requests", params={"provider": "itrigger"}, timeout=10).json()
    ids = [e["id"] for e in entries["requests"]]
    assert len(ids) == 100
    assert ids == sorted(set(ids))
    found = requests.get(f"{base_url}/__admin/violations", params={"provider": "itrigger"}, timeout=30)
    assert found.status_code == 200  # the audit reads the shared journal


BODY_LIMIT_CASES = [
    ("atrip", "POST", "/getAtripToken.do", '"status":2'),
    ("itrigger", "POST", "/itrigger-tenant/v1/basic/openAPItest/test/post", '"code":413'),
    ("appauth", "GET", "/auth/getAccessToken", '"code":413'),
    ("sugon", "POST", "/ac/openapi/v2/tokens", '"code":"413"'),
    ("credential", "POST", "/openapi/auth/credential", '"code":413'),
]


@pytest.mark.parametrize(
    ("slug", "method", "path", "code"), BODY_LIMIT_CASES, ids=[c[0] for c in BODY_LIMIT_CASES]
)
def test_a_body_over_1_mib_is_refused_in_the_envelope(
    base_url: str, slug: str, method: str, path: str, code: str
) -> None:
    answer = requests.request(method, base_url + path, data=b"x" * (1024 * 1024 + 1), timeout=30)
    assert answer.status_code == 413
    assert answer.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert code in answer.text


def test_a_new_token_overwrites_the_old_one_on_every_worker(base_url: str) -> None:
    credentials = itrigger_app_with_limit(base_url, 10)
    old = requests.get(base_url + ITRIGGER_TOKEN, params=credentials, timeout=10).json()["data"][
        "accessToken"
    ]
    new = requests.get(base_url + ITRIGGER_TOKEN, params=credentials, timeout=10).json()["data"][
        "accessToken"
    ]
    call = f"{base_url}/itrigger-tenant/v1/basic/openAPItest/test/get"
    assert burst([call], 20, {"accessToken": old}, threads=10) == {401: 20}
    assert burst([call], 20, {"accessToken": new}, threads=10) == {200: 20}


def test_a_drop_fault_breaks_the_answer(base_url: str) -> None:
    """granian keeps the socket: the connection closes before the answer is whole (at times before
    its first byte, at times after the headers): either way the client gets no answer."""
    rule = {"provider": "itrigger", "action": {"type": "drop"}}
    assert requests.post(f"{base_url}/__admin/faults", json=rule, timeout=10).status_code == 201
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        requests.get(base_url + ITRIGGER_TOKEN, timeout=10)
    assert requests.get(base_url + ITRIGGER_TOKEN, timeout=10).json()["code"] == 40001  # fired once


def test_one_worker_keeps_the_state_in_its_memory() -> None:
    """`--workers 1`: one granian worker, no store file, and the daily limit as exact as ever."""
    with serving_process("--workers", "1") as (url, process):
        deadline = time.monotonic() + 20
        while len(pids := worker_pids(process)) != 1:
            assert time.monotonic() < deadline, pids
            time.sleep(0.05)
        codes = burst([url + ITRIGGER_TOKEN], 300, itrigger_app_with_limit(url, 100))
        assert codes == {200: 100, 40004: 200}
        opened = []
        for link in Path(f"/proc/{pids[0]}/fd").iterdir():
            with contextlib.suppress(FileNotFoundError):  # a connection closed while the fds were listed
                opened.append(str(link.readlink()))
        assert not [name for name in opened if ".db" in name], opened
