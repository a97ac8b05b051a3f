"""The `provider-mocks` command, run as a user runs it: a real process on a real port."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.rawhttp import connect, receive

COMMAND = [sys.executable, "-m", "provider_mocks.cli"]


@contextmanager
def serving(*args: str) -> Iterator[tuple[str, list[str]]]:
    """Start `serve --port 0`, read its banner, yield (url, banner lines)."""
    process = subprocess.Popen(
        [*COMMAND, "serve", "--port", "0", "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("Ready."):
            line = process.stdout.readline()
            assert line, f"serve exited early: {process.stderr.read() if process.stderr else ''}"
            lines.append(line.rstrip("\n"))
        match = re.search(r"on (http://127\.0\.0\.1:\d+)", lines[0])
        assert match, lines
        yield match.group(1), lines
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_prints_the_demo_credentials_that_work() -> None:
    with serving("--provider", "itrigger") as (url, lines):
        text = "\n".join(lines)
        assert f"admin API: {url}/__admin/providers" in text
        app_id, secret = re.search(r"demo\s+appId=(\S+)\s+appSecret=(\S+)", text).groups()  # type: ignore[union-attr]
        answer = requests.get(
            f"{url}/itrigger-tenant/v1/basic/accessTokenOpen/token",
            params={"appId": app_id, "appSecret": secret},
            timeout=10,
        )
        assert answer.json()["code"] == 200
        for role in ("get_only", "frozen", "limited"):
            assert re.search(rf"^\s+{role}\s+appId=", text, re.M), role


def test_serve_takes_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "mocks.toml"
    config.write_text(
        '[itrigger]\ndemo = false\n[[itrigger.tenants]]\nid = "t1"\n'
        '[[itrigger.apps]]\napp_id = "mine"\napp_secret = "s3cret"\ntenant = "t1"\n'
    )
    with serving("--config", str(config), "--provider", "itrigger") as (url, lines):
        assert "appId=" not in "\n".join(lines)
        answer = requests.get(
            f"{url}/itrigger-tenant/v1/basic/accessTokenOpen/token",
            params={"appId": "mine", "appSecret": "s3cret"},
            timeout=10,
        )
        assert answer.json()["code"] == 200


def test_bad_config_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    config = tmp_path / "mocks.toml"
    config.write_text("[itrigger.settings]\ndaily_limt = 5\n")
    done = subprocess.run(
        [*COMMAND, "serve", "--port", "0", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "itrigger.settings.daily_limt" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_provider_is_refused() -> None:
    done = subprocess.run(
        [*COMMAND, "serve", "--provider", "nope"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert "invalid choice: 'nope'" in done.stderr


def test_port_in_use_is_a_clear_error() -> None:
    with serving() as (url, _):
        port = url.rsplit(":", 1)[1]
        done = subprocess.run([*COMMAND, "serve", "--port", port], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_the_app_loads_when_a_command_runs_not_with_the_cli() -> None:
    """`serve` loads the app's modules with the garbage collector paused: the import must not."""
    code = "import sys, provider_mocks.cli; print(sorted({'flask', 'provider_mocks.app'} & set(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.stdout.strip() == "[]", done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--header-timeout", "0"], "--header-timeout: give more than 0 and at most 60 seconds"),
        (["--body-timeout", "61"], "--body-timeout: give more than 0 and at most 60 seconds"),
        (["--body-timeout", "nan"], "--body-timeout: give more than 0 and at most 60 seconds"),
        (["--header-timeout", "soon"], "argument --header-timeout: invalid float value: 'soon'"),
        (["--port", "70000"], "argument --port: 70000 is no port: give 0 (any free port) to 65535"),
        (["--port", "eighty"], "argument --port: 'eighty' is not a number: give 0 (any free port) to 65535"),
    ],
)
def test_an_option_out_of_range_is_a_clear_error(args: list[str], message: str) -> None:
    command = [*COMMAND, "serve", "--port", "0", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert message in done.stderr


def test_a_timeout_in_the_config_out_of_range_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "mocks.toml"
    config.write_text("[server]\nbody_timeout = 0\n")
    command = [*COMMAND, "serve", "--port", "0", "--config", str(config)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "server.body_timeout" in done.stderr


def test_the_header_timeout_flag_wins_over_the_config(tmp_path: Path) -> None:
    config = tmp_path / "mocks.toml"
    config.write_text("[server]\nheader_timeout = 30\n")
    with serving("--config", str(config), "--header-timeout", "1") as (url, _), connect(url) as conn:
        conn.sendall(b"GET /__admin/health HTTP/1.1\r\nHost: localhost\r\n")  # a head that never ends
        answer = receive(conn, timeout=10)
    assert answer.closed_after is not None
    assert 0.5 < answer.closed_after < 5
