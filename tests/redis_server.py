"""A real Redis for tests of the shared store: Debian's `redis-server` on a free loopback port.

`redis_server` (a session-scoped fixture) finds `redis-server` and, when it is
missing, installs Debian's `redis-server` package with apt-get (through
`sudo -n` unless root). It fails the test loudly when neither works: a Redis
test is never skipped. The server keeps nothing on disk (unless made with
`appendonly=True`: then its append-only file in its folder) and stops with the
session; `kill()` and `start()` let a test take it away and bring it back on
the same port, `pause()` and `resume()` hang it and let it go on.

Use the fixture from a test folder's conftest.py: `from tests.redis_server import redis_server`.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest

from .debian import debian_program

KNOWN_PATHS = ("/usr/bin/redis-server", "/usr/sbin/redis-server")


def redis_server_binary() -> str:
    return debian_program("redis-server", ("redis-server",), KNOWN_PATHS)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer:
    """One redis-server process on 127.0.0.1:`port`: data in memory only, or with
    `appendonly` also in an append-only file in `folder` (read again at start)."""

    def __init__(self, binary: str, folder: str, *, appendonly: bool = False) -> None:
        self.binary = binary
        self.folder = folder
        self.appendonly = appendonly
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.folder]
        command += ["--save", "", "--appendonly", "yes" if self.appendonly else "no", "--daemonize", "no"]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not answer on port {self.port}")

    def kill(self) -> None:
        """Take Redis away at once, as a crash would: everything in memory is lost."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def pause(self) -> None:
        """Hang Redis (SIGSTOP): connections are accepted by the kernel, nothing is answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused Redis go on (SIGCONT)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            assert conn.recv(16).startswith(b"+OK")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    binary = redis_server_binary()
    with tempfile.TemporaryDirectory(prefix="redis-test-") as folder:
        server = RedisServer(binary, folder)
        server.start()
        try:
            yield server
        finally:
            server.kill()
