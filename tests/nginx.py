"""A real reverse proxy for tests of what the mocks see behind one: Debian's nginx on loopback.

`reverse_proxy(upstream, tell=...)` runs one nginx process (no daemon, no master, its
files in a temporary folder) in front of `upstream` and yields its base URL. `tell`
says how it reports the host and scheme the client used:

- "x-forwarded": `X-Forwarded-Host` and `X-Forwarded-Proto`, as most nginx setups do;
- "forwarded": RFC 7239's `Forwarded: proto=…;host="…"`;
- "nothing": nginx's defaults (it sends the upstream's address as `Host`).

With `tls=True` it listens for HTTPS with a self-signed certificate for 127.0.0.1 (made
with openssl; `Proxy.certificate` is its file, for a client to trust), so the scheme the
client used differs from the upstream's.
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .debian import debian_program
from .redis_server import free_port

Tell = Literal["x-forwarded", "forwarded", "nothing"]

HEADERS: dict[Tell, str] = {
    "x-forwarded": "proxy_set_header X-Forwarded-Host $http_host;\n"
    "proxy_set_header X-Forwarded-Proto $scheme;",
    "forwarded": 'proxy_set_header Forwarded "proto=$scheme;host=\\"$http_host\\"";',
    "nothing": "",
}

CONFIG = """
daemon off;
master_process off;
worker_processes 1;
error_log stderr warn;
pid {folder}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{port}{ssl};
        {certificate}
        location / {{
            proxy_pass {upstream};
            proxy_http_version 1.1;
            {headers}
        }}
    }}
}}
"""


def _certificate(folder: Path) -> str:
    """A self-signed certificate for 127.0.0.1, made with openssl; the nginx lines that use it."""
    openssl = debian_program("openssl", ("openssl",))
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")),
        ],
        check=True,
        capture_output=True,
    )
    return f"ssl_certificate {folder}/cert.pem; ssl_certificate_key {folder}/key.pem;"


@dataclass(frozen=True)
class Proxy:
    url: str
    #: The certificate file a client trusts to reach it over HTTPS (None: plain HTTP).
    certificate: str | None


@contextmanager
def reverse_proxy(upstream: str, *, tell: Tell = "x-forwarded", tls: bool = False) -> Iterator[Proxy]:
    """nginx in front of `upstream` on a free loopback port."""
    nginx = debian_program("nginx", ("nginx",), ("/usr/sbin/nginx",))
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="nginx-test-") as name:
        folder = Path(name)
        config = folder / "nginx.conf"
        config.write_text(
            CONFIG.format(
                folder=folder,
                port=port,
                ssl=" ssl" if tls else "",
                certificate=_certificate(folder) if tls else "",
                upstream=upstream.rstrip("/"),
                headers=HEADERS[tell],
            ),
            encoding="utf-8",
        )
        process = subprocess.Popen(
            [nginx, "-p", str(folder), "-c", str(config), "-e", "stderr"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 15
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"nginx exited: {process.stderr.read() if process.stderr else ''}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise AssertionError("nginx did not listen within 15 s") from None
                    time.sleep(0.02)
            yield Proxy(
                f"{'https' if tls else 'http'}://127.0.0.1:{port}", f"{folder}/cert.pem" if tls else None
            )
        finally:
            process.terminate()
            process.wait(timeout=10)
