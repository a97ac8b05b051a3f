"""Choosing the store: URLs, mistakes reported in one line, and the in-memory default untouched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from provider_mocks import create_app, get_mocks
from provider_mocks.core.clock import Clock
from provider_mocks.core.stores import MemoryStore, SqliteStore, open_store
from provider_mocks.core.stores.base import Value

COMMAND = [sys.executable, "-m", "provider_mocks.cli", "serve", "--port", "0", "--provider", "itrigger"]


@pytest.mark.parametrize("url", ["ftp://x", "sqlite://relative.db", "postgres://db/1"])
def test_a_bad_store_url_is_a_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="store"):
        open_store(url, Clock())


def test_the_default_store_is_memory_and_not_shared() -> None:
    mocks = get_mocks(create_app(providers=["itrigger"]))
    assert isinstance(mocks.store, MemoryStore)
    assert not mocks.shared
    assert not mocks.clock.shared


def test_apps_on_one_sqlite_file_share_state_and_the_second_does_not_reseed(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/state.db"
    first = get_mocks(create_app(providers=["itrigger"], store=url))
    assert isinstance(first.store, SqliteStore)
    first.clock.freeze()
    first.clock.advance(3600)
    credentials = first.model("itrigger").fresh_credentials()
    second = get_mocks(create_app(providers=["itrigger"], store=url))
    assert second.clock.frozen
    assert second.clock.time() == first.clock.time()
    assert second.model("itrigger").app(credentials["appId"]).app_secret == credentials["appSecret"]  # type: ignore[attr-defined]


def test_a_request_on_a_shared_store_reads_the_shared_clock_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each store read is a round trip on Redis: the clock is read once a request, not once a hook."""
    mocks = get_mocks(app := create_app(providers=["itrigger"], store=f"sqlite://{tmp_path}/state.db"))
    credentials = mocks.model("itrigger").fresh_credentials()
    keys: list[str] = []
    read = mocks.store.get

    def counted(key: str) -> Value | None:
        keys.append(key)
        return read(key)

    monkeypatch.setattr(mocks.store, "get", counted)
    answer = app.test_client().get(
        "/itrigger-tenant/v1/basic/accessTokenOpen/token",
        query_string={"appId": credentials["appId"], "appSecret": credentials["appSecret"]},
    )
    assert (answer.json or {}).get("code") == 200
    assert keys.count("mocks:clock") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "--workers: give 1 or more"),
        (["--workers", "2", "--store", "memory"], "the memory store is one process's own"),
        (["--store", "ftp://nowhere"], "give memory, lmdb:///PATH, sqlite:///PATH or redis://HOST:PORT/DB"),
        (["--store", "redis://127.0.0.1:1/0"], "cannot reach the store"),
    ],
)
def test_store_mistakes_are_one_line_errors(args: list[str], message: str) -> None:
    done = subprocess.run([*COMMAND, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
