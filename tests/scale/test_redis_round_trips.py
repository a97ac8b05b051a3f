"""What a request costs on a Redis store, in round trips to a real Redis: a proxy on loopback
between the app and Redis counts each time the app speaks after Redis has answered it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from provider_mocks import create_app
from tests.redis_server import RedisServer

from .helpers import ITRIGGER_TOKEN

ITRIGGER_CALL = "/itrigger-tenant/v1/basic/openAPItest/test/get"
SUGON_LOGIN = "/ac/openapi/v2/tokens"
SUGON_STATE = "/ac/openapi/v2/tokens/state"
ITRIGGER_APP = {"appId": "qjy5e6b3bc98fceda4c", "appSecret": "4fc329aa1adfafc10aba8909921a8d54"}
SUGON_USER = {"user": "acvk4wj1w1", "password": "sPDQ62ys6ciW", "orgId": "803fe0e83398f361ef41c38fd15bfefd"}
#: What each request may cost: a pipeline of any length is one round trip.
MOST = 2


class CountingProxy:
    """counting_proxy.py in a process of its own, between the app and `target`."""

    def __init__(self, target: tuple[str, int]) -> None:
        script = Path(__file__).with_name("counting_proxy.py")
        self._process = subprocess.Popen(
            [sys.executable, str(script), *map(str, target)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.port = int(self._read())

    def _read(self) -> str:
        assert self._process.stdout is not None
        return self._process.stdout.readline()

    def take(self) -> int:
        """The round trips counted since the last call."""
        assert self._process.stdin is not None
        self._process.stdin.write("take\n")
        self._process.stdin.flush()
        return int(self._read())

    def close(self) -> None:
        self._process.kill()
        self._process.wait()


@pytest.fixture(scope="module")
def proxy(redis_server: RedisServer) -> Iterator[CountingProxy]:
    counting = CountingProxy(("127.0.0.1", redis_server.port))
    yield counting
    counting.close()


@pytest.fixture(scope="module")
def client(redis_server: RedisServer, proxy: CountingProxy) -> FlaskClient:
    redis_server.flush()
    app = create_app(
        {"itrigger": {"settings": {"daily_limit": 1_000_000}}},
        ["itrigger", "sugon"],
        store=f"redis://127.0.0.1:{proxy.port}/5",
    )
    return app.test_client()


def answered(client: FlaskClient, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    answer = client.open(path, method=method, **kwargs)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json or {}
    assert str(body.get("code")) in ("200", "0"), body
    return body


def costs(client: FlaskClient, proxy: CountingProxy, method: str, path: str, **kwargs: Any) -> list[int]:
    """The round trips of the request, made three times over (the first after a warm-up)."""
    answered(client, method, path, **kwargs)
    proxy.take()
    found = []
    for _ in range(3):
        answered(client, method, path, **kwargs)
        found.append(proxy.take())
    return found


def test_an_itrigger_token_fetch_costs_at_most_two_round_trips(
    client: FlaskClient, proxy: CountingProxy
) -> None:
    """Each fetch counts, issues and replaces the app's token, and traces the replaced one."""
    assert max(costs(client, proxy, "GET", ITRIGGER_TOKEN, query_string=ITRIGGER_APP)) <= MOST


def test_an_itrigger_business_call_costs_at_most_two_round_trips(
    client: FlaskClient, proxy: CountingProxy
) -> None:
    token = answered(client, "GET", ITRIGGER_TOKEN, query_string=ITRIGGER_APP)["data"]["accessToken"]
    query = {"accessToken": token, "name": "x"}
    assert max(costs(client, proxy, "GET", ITRIGGER_CALL, query_string=query)) <= MOST


def test_a_sugon_token_state_costs_at_most_two_round_trips(client: FlaskClient, proxy: CountingProxy) -> None:
    token = answered(client, "POST", SUGON_LOGIN, headers=SUGON_USER)["data"][0]["token"]
    assert max(costs(client, proxy, "GET", SUGON_STATE, headers={"token": token})) <= MOST
