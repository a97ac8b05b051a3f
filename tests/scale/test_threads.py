"""`serve --workers 1 --threads 2`: the app on two threads of the worker, beside its event loop."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .helpers import APPAUTH_TOKEN, ITRIGGER_TOKEN, serving


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving("--workers", "1", "--threads", "2") as url:
        yield url


def test_a_delay_holds_one_thread_while_the_other_answers(base_url: str) -> None:
    rule = {"provider": "itrigger", "action": {"type": "delay", "seconds": 2}, "times": 1}
    assert requests.post(f"{base_url}/__admin/faults", json=rule, timeout=10).status_code == 201
    with ThreadPoolExecutor(1) as pool:
        delayed = pool.submit(requests.get, base_url + ITRIGGER_TOKEN, timeout=10)
        time.sleep(0.3)  # the delay has begun
        begun = time.monotonic()
        assert requests.get(base_url + APPAUTH_TOKEN, timeout=10).status_code == 200
        assert time.monotonic() - begun < 1.0
        assert delayed.result().json()["code"] == 40001
    requests.delete(f"{base_url}/__admin/faults", timeout=10)


def test_a_slow_body_comes_whole_from_a_thread(base_url: str) -> None:
    rule = {"provider": "itrigger", "action": {"type": "slow_body", "chunk": 8, "interval": 0.05}, "times": 1}
    assert requests.post(f"{base_url}/__admin/faults", json=rule, timeout=10).status_code == 201
    slow = requests.get(base_url + ITRIGGER_TOKEN, timeout=10)
    assert slow.json() == requests.get(base_url + ITRIGGER_TOKEN, timeout=10).json()
    requests.delete(f"{base_url}/__admin/faults", timeout=10)
