"""Real `provider-mocks serve` processes, and a burst of concurrent requests against them."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

COMMAND = [sys.executable, "-m", "provider_mocks.cli"]

ITRIGGER_TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
APPAUTH_TOKEN = "/auth/getAccessToken"


@contextmanager
def serving(
    *args: str, host: str = "127.0.0.1", command: Sequence[str | Path] = COMMAND, cwd: Path | None = None
) -> Iterator[str]:
    """Start `serve --port 0 ARGS`, wait for its banner, yield its URL; stop it afterwards.

    `command` is the CLI to start (this checkout's by default), `cwd` where it runs.
    """
    with serving_process(*args, host=host, command=command, cwd=cwd) as (url, _):
        yield url


def worker_pids(process: subprocess.Popen[str]) -> list[int]:
    """The processes `process` forked (its workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == process.pid:
            found.append(int(stat.parent.name))
    return found


@contextmanager
def serving_process(
    *args: str, host: str = "127.0.0.1", command: Sequence[str | Path] = COMMAND, cwd: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`serving`, yielding the process too."""
    process = subprocess.Popen(
        [*command, "serve", "--port", "0", "--host", host, "--quiet", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = ""
        while True:
            line = process.stdout.readline()
            if not line:
                raise AssertionError(f"serve exited early: {process.stderr.read() if process.stderr else ''}")
            first = first or line
            if line.startswith("Ready."):
                break
        match = re.search(r"on (http://\S+)", first)
        assert match, first
        yield match.group(1), process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def burst(urls: Sequence[str], count: int, params: dict[str, str], *, threads: int = 50) -> Counter[Any]:
    """`count` GETs at once, spread over `urls` in turn; the answers' codes counted."""
    sessions = [requests.Session() for _ in range(threads)]

    def fetch(i: int) -> Any:
        answer = sessions[i % threads].get(urls[i % len(urls)], params=params, timeout=60)
        assert answer.status_code == 200, answer.text
        return answer.json()["code"]

    try:
        with ThreadPoolExecutor(threads) as pool:
            return Counter(pool.map(fetch, range(count)))
    finally:
        for session in sessions:
            session.close()


def itrigger_app_with_limit(base_url: str, daily_limit: int) -> dict[str, str]:
    """A fresh tenant with `daily_limit`, and an app of it: its credentials as query parameters."""
    tenant = requests.post(
        f"{base_url}/__admin/itrigger/tenants", json={"daily_limit": daily_limit}, timeout=10
    ).json()
    app = requests.post(f"{base_url}/__admin/itrigger/apps", json={"tenant": tenant["id"]}, timeout=10).json()
    return {"appId": app["app_id"], "appSecret": app["app_secret"]}


def appauth_app_with_limit(base_url: str, rate_limit: int) -> dict[str, str]:
    app = requests.post(
        f"{base_url}/__admin/appauth/apps", json={"rate_limit": rate_limit}, timeout=10
    ).json()
    return {"appId": app["app_id"], "appSecret": app["app_secret"]}
