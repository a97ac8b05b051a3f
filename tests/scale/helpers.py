"""Real `provider-mocks serve` processes, and a burst of concurrent requests against them."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

COMMAND = [sys.executable, "-m", "provider_mocks.cli"]

#: The three ways to serve, by name: werkzeug's threaded server, one granian worker, two.
STACKS: dict[str, tuple[str, ...]] = {
    "serve": (),
    "workers-1": ("--workers", "1"),
    "workers-2": ("--workers", "2"),
}

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


def processes_with(name: str, value: str) -> list[int]:
    """The live processes whose environment sets `name` to `value` (a marker given to one start)."""
    found = []
    setting = f"{name}={value}".encode()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if setting in environ.read_bytes().split(b"\0") and not _zombie(environ.parent):
                found.append(int(environ.parent.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def _zombie(proc: Path) -> bool:
    return proc.joinpath("stat").read_text().rpartition(")")[2].split()[0] == "Z"


def _banner(process: subprocess.Popen[str], within: float) -> list[str]:
    """The banner's lines up to "Ready.", read within `within` seconds (a start that hangs fails)."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
            if line.startswith("Ready."):
                return
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    banner: list[str] = []
    while not banner or not banner[-1].startswith("Ready."):
        try:
            line = lines.get(timeout=within)
        except queue.Empty:
            raise AssertionError(f"no banner within {within:g} s: {banner}") from None
        if line is None:
            raise AssertionError(f"serve exited early: {process.stderr.read() if process.stderr else ''}")
        banner.append(line)
    return banner


@contextmanager
def serving_process(
    *args: str,
    host: str = "127.0.0.1",
    command: Sequence[str | Path] = COMMAND,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    start_within: float = 60,
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`serving`, yielding the process too; `env` is added to the environment."""
    process = subprocess.Popen(
        [*command, "serve", "--port", "0", "--host", host, "--quiet", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        first = _banner(process, start_within)[0]
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
