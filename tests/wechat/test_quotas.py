"""WeChat's counts are exact under concurrency: threads on one server, two worker processes on
LMDB and on Redis, two instances on one Redis. Each test makes an account of its own through
the admin API, with its own quotas."""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from provider_mocks import create_app
from provider_mocks.core.server import LiveServer
from provider_mocks.providers.wechat.models import CLEAR_PATH, QUOTA_PATH, STABLE_PATH, TOKEN_PATH
from tests.redis_server import RedisServer
from tests.scale.helpers import serving, serving_process, store_option

from .helpers import MOUNT, credentials


def errcode(body: dict[str, Any]) -> Any:
    """An answer's code: a success carries none."""
    return body.get("errcode", 0)


def account(base_url: str, **quotas: int) -> dict[str, Any]:
    """A new account through the admin API: its token request's parameters."""
    made = requests.post(f"{base_url}/__admin/wechat/apps", json=quotas, timeout=10)
    assert made.status_code == 201, made.text
    return credentials(made.json())


def used(url: str, params: dict[str, Any], cgi_path: str = TOKEN_PATH) -> int:
    """The day's count of `cgi_path` the quota's get answers for the account."""
    access = requests.post(url + STABLE_PATH, json=params, timeout=10).json()["access_token"]
    answer = requests.post(
        url + QUOTA_PATH, params={"access_token": access}, json={"cgi_path": cgi_path}, timeout=10
    )
    count: int = answer.json()["quota"]["used"]
    return count


def at_once(count: int, send: Any) -> Counter[Any]:
    """`send(i)` for `count` i at once, from 20 threads; what it answered, counted."""
    with ThreadPoolExecutor(20) as pool:
        return Counter(pool.map(send, range(count)))


def fetches(urls: list[str], count: int, params: dict[str, Any]) -> Counter[Any]:
    """`count` cgi-bin/token fetches at once, spread over the servers at `urls`; their codes counted."""

    def fetch(i: int) -> Any:
        return errcode(requests.get(urls[i % len(urls)] + TOKEN_PATH, params=params, timeout=60).json())

    return at_once(count, fetch)


@pytest.fixture(scope="module")
def threaded() -> Iterator[str]:
    """The mock on werkzeug's threaded server, its clock stopped: every call in one minute."""
    app = create_app({"wechat": {"settings": {"stable_per_minute": 30}}}, providers=["wechat"])
    with LiveServer(app) as server:
        requests.post(f"{server.url}/__admin/clock", json={"freeze": True}, timeout=10).raise_for_status()
        yield server.url + MOUNT


def test_the_daily_quota_is_exact_under_concurrency(threaded: str) -> None:
    params = account(threaded.removesuffix(MOUNT), token_daily=25)
    codes = fetches([threaded], 60, params)
    assert codes == {0: 25, 45009: 35}
    assert used(threaded, params) == 25


def test_the_minute_quota_is_exact_under_concurrency(threaded: str) -> None:
    params = account(threaded.removesuffix(MOUNT))

    def stable(i: int) -> Any:
        return errcode(requests.post(threaded + STABLE_PATH, json=params, timeout=30).json())

    assert at_once(50, stable) == {0: 30, 45011: 20}


def test_concurrent_forced_refreshes_make_one_token(threaded: str) -> None:
    """Thirty s apart: of 20 forced calls at once one refreshes, the others answer the live token."""
    params = account(threaded.removesuffix(MOUNT))
    held = requests.post(threaded + STABLE_PATH, json=params, timeout=10).json()["access_token"]

    def forced(i: int) -> Any:
        body = {**params, "force_refresh": True}
        return requests.post(threaded + STABLE_PATH, json=body, timeout=30).json()["access_token"]

    tokens = set(at_once(20, forced))
    assert len(tokens - {held}) == 1  # a call before the refresh was in may answer the one it replaced
    listed = requests.get(f"{threaded.removesuffix(MOUNT)}/__admin/wechat/tokens", timeout=10).json()[
        "tokens"
    ]
    stable_tokens = {t["access_token"] for t in listed if t["appid"] == params["appid"] and t["stable"]}
    assert stable_tokens == tokens | {held}


def test_ten_clears_a_month_are_exact_under_concurrency(threaded: str) -> None:
    params = account(threaded.removesuffix(MOUNT))
    access = requests.get(threaded + TOKEN_PATH, params=params, timeout=10).json()["access_token"]

    def clear(i: int) -> Any:
        answer = requests.post(
            threaded + CLEAR_PATH,
            params={"access_token": access},
            json={"appid": params["appid"]},
            timeout=30,
        )
        return answer.json()["errcode"]

    assert at_once(25, clear) == {0: 10, 48006: 15}


@pytest.fixture(scope="module", params=["lmdb", "redis"])
def workers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`serve --workers 2` on its default store (LMDB) and on Redis."""
    with serving_process("--workers", "2", *store_option(request, tmp_path_factory, 7)) as found:
        yield found


def test_the_daily_quota_is_exact_across_workers(workers: tuple[str, subprocess.Popen[str]]) -> None:
    """200 concurrent fetches for an account allowed 50 a day, served by two processes."""
    base_url = workers[0]
    params = account(base_url, token_daily=50)
    codes = fetches([base_url + MOUNT], 200, params)
    assert codes == {0: 50, 45009: 150}
    assert used(base_url + MOUNT, params) == 50


def test_the_daily_quota_is_exact_across_two_instances_on_one_redis(redis_server: RedisServer) -> None:
    redis_server.flush()
    url = redis_server.url(8)
    with serving("--store", url) as first, serving("--store", url) as second:
        params = account(first, token_daily=40)
        codes = fetches([first + MOUNT, second + MOUNT], 120, params)
        assert codes == {0: 40, 45009: 80}
        assert used(second + MOUNT, params) == 40
