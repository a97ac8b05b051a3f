"""DingTalk's limits are exact across processes: two workers on one store, and two instances on
one Redis, each counting with the store's atomic increment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
import requests

from tests.redis_server import RedisServer
from tests.scale.helpers import serving

CONFIG = """
[dingtalk.settings]
api_per_second = 100000
api_per_minute = 100
calls_per_month = 50
"""


@pytest.fixture(scope="module", params=["workers", "redis"])
def servers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """`serve --workers 2`, or two instances on one Redis: the URLs to spread requests over."""
    config = tmp_path_factory.mktemp("dingtalk") / "mocks.toml"
    config.write_text(CONFIG, encoding="utf-8")
    with ExitStack() as stack:
        if request.param == "workers":
            urls = [stack.enter_context(serving("--workers", "2", "--config", str(config)))]
        else:
            redis: RedisServer = request.getfixturevalue("redis_server")
            redis.flush()
            args = ("--store", redis.url(7), "--config", str(config))
            urls = [stack.enter_context(serving(*args)) for _ in range(2)]
        yield urls


@pytest.fixture
def urls(servers: list[str]) -> list[str]:
    requests.post(f"{servers[0]}/__admin/reset", timeout=10).raise_for_status()
    requests.post(f"{servers[0]}/__admin/clock", json={"freeze": True}, timeout=10).raise_for_status()
    return servers


def burst(urls: list[str], path: str, count: int, params: dict[str, str]) -> Counter[int]:
    """`count` GETs at once over `urls` in turn: the answers' errcodes counted."""
    with requests.Session() as http, ThreadPoolExecutor(20) as pool:
        answers = pool.map(
            lambda i: http.get(urls[i % len(urls)] + path, params=params, timeout=60), range(count)
        )
        return Counter(answer.json()["errcode"] for answer in answers)


def demo(url: str) -> dict[str, str]:
    found = requests.get(f"{url}/__admin/providers", timeout=10).json()["providers"]
    (dingtalk,) = [p for p in found if p["slug"] == "dingtalk"]
    return {
        "appkey": dingtalk["credentials"]["demo"]["appkey"],
        "appsecret": dingtalk["credentials"]["demo"]["appsecret"],
    }


def test_an_apps_minute_is_exact_across_processes(urls: list[str]) -> None:
    """500 fetches at once for an app allowed 100 a minute: exactly 100 tokens, 400 × 90006."""
    assert burst(urls, "/gettoken", 500, demo(urls[0])) == {0: 100, 90006: 400}


def test_a_corps_month_is_exact_across_processes(urls: list[str]) -> None:
    token = requests.get(urls[0] + "/gettoken", params=demo(urls[0]), timeout=10).json()["access_token"]
    assert burst(urls, "/get_jsapi_ticket", 90, {"access_token": token}) == {0: 50, 90020: 40}
