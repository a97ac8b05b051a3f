"""WeCom's and Feishu's minute limits are exact across processes: `serve --workers 2` on one
store, and two instances on one Redis, each count by the store's atomic increment. (WeChat's and
DingTalk's have tests of their own: tests/wechat/test_quotas.py, tests/dingtalk/test_stores.py.)"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.redis_server import RedisServer

from .helpers import serving

LIMIT, SENT = 100, 300


@dataclass(frozen=True)
class Platform:
    slug: str
    settings: str
    #: One call against the limit, of the demo credential (as /__admin/providers lists it).
    send: Callable[[requests.Session, str, dict[str, Any]], requests.Response]
    code: str
    refused: int


def _wecom(http: requests.Session, base: str, demo: dict[str, Any]) -> requests.Response:
    params = {"corpid": demo["corpid"], "corpsecret": demo["corpsecret"]}
    return http.get(f"{base}/wecom/cgi-bin/gettoken", params=params, timeout=60)


def _feishu(http: requests.Session, base: str, demo: dict[str, Any]) -> requests.Response:
    body = {"app_id": demo["app_id"], "app_secret": demo["app_secret"]}
    return http.post(f"{base}/open-apis/auth/v3/tenant_access_token/internal", json=body, timeout=60)


PLATFORMS = [
    Platform("wecom", f"api_per_minute = {LIMIT}", _wecom, "errcode", 45009),
    Platform("feishu", f"per_second = 100000\nper_minute = {LIMIT}", _feishu, "code", 99991400),
]


@pytest.fixture(scope="module", params=["workers", "redis"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """`serve --workers 2`, or two instances on one Redis: the URLs to spread requests over."""
    config = tmp_path_factory.mktemp("platforms") / "mocks.toml"
    config.write_text("".join(f"[{p.slug}.settings]\n{p.settings}\n" for p in PLATFORMS), encoding="utf-8")
    with ExitStack() as stack:
        if request.param == "workers":
            yield [stack.enter_context(serving("--workers", "2", "--config", str(config)))]
            return
        redis: RedisServer = request.getfixturevalue("redis_server")
        redis.flush()
        args = ("--store", redis.url(8), "--config", str(config))
        yield [stack.enter_context(serving(*args)) for _ in range(2)]


@pytest.mark.parametrize("platform", PLATFORMS, ids=[p.slug for p in PLATFORMS])
def test_a_minute_limit_is_exact_across_processes(stack: list[str], platform: Platform) -> None:
    """300 token fetches at once of an app allowed 100 a minute: exactly 100 answered."""
    requests.post(f"{stack[0]}/__admin/reset", timeout=10).raise_for_status()
    requests.post(f"{stack[0]}/__admin/clock", json={"freeze": True}, timeout=10).raise_for_status()
    listed = requests.get(f"{stack[0]}/__admin/providers", timeout=10).json()["providers"]
    demo = next(p for p in listed if p["slug"] == platform.slug)["credentials"]["demo"]
    with requests.Session() as http, ThreadPoolExecutor(20) as pool:
        answers = pool.map(lambda i: platform.send(http, stack[i % len(stack)], demo), range(SENT))
        codes = Counter(answer.json()[platform.code] for answer in answers)
    assert codes == {0: LIMIT, platform.refused: SENT - LIMIT}
