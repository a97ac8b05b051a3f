"""Serving one app from several worker processes: granian (a Rust HTTP server).

The app is built once, in the parent, and the workers are forked from it, so
start-up costs one app build whatever the number of workers. Each worker
opens its own connections to the shared store (SQLite or Redis), which holds
every piece of state, the clock and the journal: whichever worker answers, a
client sees the same mock. A single worker keeps the state in its own memory
(the parent never serves), which is the fastest: no store to share.

granian measured fastest of the servers tried (gunicorn gthread and sync,
waitress, werkzeug; see docs/performance.md): it reads and writes HTTP in Rust,
so a worker's Python thread spends its time on the mock alone. The app is served
through granian's RSGI interface (RSGIApp below), so that a request reaches the
app only once its body is whole, and slow clients cost no thread. Each worker
runs the app on its event loop's thread, or on `threads` Python threads (default
1, the fastest: more contend for the interpreter lock); a delay fault holds one
of them for its delay. On the loop's thread, admin API calls run on a thread of
their own, so that one that takes long (the dashboard's audit of a busy second)
never holds up the providers' requests.

granian does not hand the app the client's socket, so under `--workers` a `drop`
fault sends the status line and headers and then closes the connection (the
client sees a broken answer rather than none); `truncate`, `malformed` and
`slow_body` behave as in one process.
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from flask import Flask
from granian._granian import RSGIHTTPProtocol as HTTPProtocol
from granian._granian import RSGIProtocolClosed as ProtocolClosed
from granian._granian import RSGIProtocolError as ProtocolError
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.rsgi import Scope
from granian.server import MPServer

from .admin import PREFIX
from .server import MAX_HEAD_BYTES, MAX_HEADERS, MAX_LINE_BYTES, Limits, body_to_read

T = TypeVar("T")

#: The WSGI names of the headers that are not HTTP_ variables.
_CGI_HEADERS = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}
_PROTOCOLS = {"1": "HTTP/1.0", "1.1": "HTTP/1.1", "2": "HTTP/2"}


class RSGIApp:
    """The WSGI app behind granian's RSGI interface: a request reaches it only once its body is whole.

    granian's WSGI interface hands the app a body that the app's thread reads as it arrives,
    with no timeout: a client that stalls mid-body holds the thread, and a worker has one
    (more contend for the interpreter lock), so one stalled upload froze a worker. Here
    the body is awaited on the event loop under the body timeout, where slow clients cost
    nothing but their connection; a body that misses it is answered 408 and its connection
    closed (granian closes a connection whose body went unread). The environ is the one
    granian's WSGI interface builds.
    """

    def __init__(self, app: Flask, limits: Limits, threads: int = 1) -> None:
        self.app = app
        self.limits = limits
        self.threads = threads
        self._pool: ThreadPoolExecutor | None = None
        #: Where admin API calls run when the app runs on the loop's thread.
        self._admin: ThreadPoolExecutor | None = None

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """In the worker, once granian has set its signal handlers: the stop signals the parent
        blocked while it forked (see _Server), and the app's threads if it runs on more than one."""
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        if self.threads > 1:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="app")
        else:
            self._admin = ThreadPoolExecutor(1, thread_name_prefix="admin")

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        for pool in (self._pool, self._admin):
            if pool is not None:
                pool.shutdown(wait=False)

    async def _run(self, work: Callable[..., T], *args: Any, admin: bool = False) -> T:
        """`work(*args)` on the app's thread: the loop's own, or one of the pool's; an `admin`
        call off the loop's thread."""
        pool = self._pool or (self._admin if admin else None)
        if pool is None:
            return work(*args)
        return await asyncio.get_running_loop().run_in_executor(pool, work, *args)

    async def __rsgi__(self, scope: Scope, proto: HTTPProtocol) -> None:
        headers = scope.headers.items()
        refused = _refusal(scope, headers)
        if refused:
            proto.response_empty(refused, [])
            return
        environ = _environ(scope, headers)
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        wanted = body_to_read(environ.get("CONTENT_LENGTH"), chunked, self.limits.max_body_bytes)
        if wanted:
            try:
                environ["wsgi.input"] = io.BytesIO(
                    await asyncio.wait_for(_read(proto, wanted), self.limits.body_timeout)
                )
            except TimeoutError:
                proto.response_empty(408, [])
                return
            except ProtocolError:  # the client left, or broke the chunked framing
                proto.response_empty(400, [])
                return
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer.update(status=int(status[:3]), headers=headers)
            return None

        body: Iterable[bytes] = await self._run(
            self.app, environ, start_response, admin=scope.path.startswith(PREFIX)
        )
        try:
            if isinstance(body, list):  # the app's answer in one piece, as Flask gives it
                proto.response_bytes(answer["status"], answer["headers"], b"".join(body))
                return
            await self._stream(proto.response_stream(answer["status"], answer["headers"]), iter(body))
        finally:
            if hasattr(body, "close"):
                body.close()

    async def _stream(self, transport: Any, parts: Any) -> None:
        """Send the parts as the app makes them (a slow_body fault).

        A fault that cuts an answer raises ConnectionDropped (a ConnectionError) instead of a
        part: the answer then falls short of its Content-Length, and granian closes the
        connection. An empty part is sent before it ends: granian could take a stream that ends
        before its first part for an empty answer, and send that whole.
        """
        try:
            while (part := await self._run(next, parts, None)) is not None:
                await transport.send_bytes(part)
        except ConnectionError:
            await transport.send_bytes(b"")
        except ProtocolClosed:  # the client left
            return


def _environ(scope: Scope, headers: list[tuple[str, str]]) -> dict[str, Any]:
    """The WSGI environ of an RSGI request, as granian's WSGI interface builds it."""
    server, _, port = scope.server.rpartition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": _wsgi(scope.path),
        "QUERY_STRING": _wsgi(scope.query_string),
        "SERVER_NAME": server.strip("[]"),
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": _PROTOCOLS.get(scope.http_version, "HTTP/1.1"),
        "SERVER_SOFTWARE": "Granian",
        "REMOTE_ADDR": scope.client.rpartition(":")[0].strip("[]"),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": io.BytesIO(),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,  # the admin API's thread, or the pool's
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers:
        key = _CGI_HEADERS.get(name) or "HTTP_" + name.upper().replace("-", "_")
        environ[key] = f"{environ[key]},{value}" if key in environ and key != "CONTENT_LENGTH" else value
    if "HTTP_HOST" not in environ and scope.authority:
        environ["HTTP_HOST"] = scope.authority
    return environ


def _refusal(scope: Scope, headers: list[tuple[str, str]]) -> int | None:
    """The status of a head over the limits (server.py), as werkzeug's server answers it; None.

    Sizes are counted from the head's parts, as sent: granian's read buffer (MAX_HEAD_BYTES)
    refuses a longer head only once it is full, and may take in up to twice that at once.
    A percent-encoded path counts as decoded, a byte or two short per escape.
    """
    target = len(scope.path.encode()) + (len(scope.query_string.encode()) + 1 if scope.query_string else 0)
    line = len(scope.method) + 1 + target + len(" HTTP/1.1\r\n")
    if line > MAX_LINE_BYTES:
        return 414
    fields = [len(name) + len(value) + len(": \r\n") for name, value in headers]
    if len(fields) > MAX_HEADERS or max(fields, default=0) > MAX_LINE_BYTES:
        return 431
    return 431 if line + sum(fields) + len("\r\n") > MAX_HEAD_BYTES else None


def _wsgi(text: str) -> str:
    """granian's text of a URL part (UTF-8, the path percent-decoded) as WSGI gives it: bytes as Latin-1."""
    return text.encode().decode("latin-1")


async def _read(proto: HTTPProtocol, count: int) -> bytes:
    """The body's first `count` bytes (all of it when shorter), as they arrive."""
    parts: list[bytes] = []
    async for part in proto:
        parts.append(part)
        count -= len(part)
        if count <= 0:
            break
    return b"".join(parts)


def pick_port(host: str, port: int) -> int:
    """Check that `host:port` can be bound (an OSError says why not); port 0: a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        found: int = probe.getsockname()[1]
        return found


def url_for(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


#: What stops a worker: granian's workers handle these, and only these.
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class _Server(MPServer):
    """granian's server, that loses no stop signal while it forks, and says when it listens.

    A forked worker runs with the parent's signal handlers until granian sets its own: a
    stop that came in that moment (a test stopping the server it just started) was taken
    by the copy of the parent's handler and lost, and the parent then waited forever on a
    worker that never stopped. The parent now blocks the stop signals while it starts: each
    worker takes them again once its own handlers are set (RSGIApp.__rsgi_init__), the
    parent once its workers are forked; one that came meanwhile waits, and is then handled.
    granian's threads that watch the workers keep them blocked, so a signal always reaches
    the parent's main thread, the one that acts on it.
    """

    def __init__(self, *args: Any, ready: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ready = ready

    def startup(self, spawn_target: Any, target_loader: Any) -> None:
        held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            super().startup(spawn_target, target_loader)  # type: ignore[no-untyped-call]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        if _listening(self.bind_addr, self.bind_port, until=self.main_loop_interrupt):
            self.ready()


def _listening(host: str, port: int, until: threading.Event, seconds: float = 60) -> bool:
    """Wait until `host:port` accepts a connection (False: `until` was set, or time ran out).

    granian's workers bind the port themselves (SO_REUSEPORT) once forked; the parent waits
    for them here, on its main thread, before its serve loop: no thread or process of its own.
    """
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not until.is_set():
        try:
            with socket.create_connection((target, port), timeout=0.5) as probe:
                if probe.getsockname() != probe.getpeername():  # not a connection to itself
                    return True
        except OSError:
            pass
        time.sleep(0.005)
    return False


def serve_workers(
    app: Flask,
    host: str,
    port: int,
    workers: int,
    *,
    limits: Limits | None = None,
    threads: int = 1,
    quiet: bool = False,
    ready: Callable[[], None] = lambda: None,
) -> None:
    """Serve `app` from `workers` forked processes until stopped; `ready` runs once the port listens.

    HTTP/1 only, as on werkzeug's server: one set of limits (server.py) on every stack.
    """
    limits = limits or Limits.of(app)
    multiprocessing.set_start_method("fork", force=True)  # the workers inherit the app built here
    server = _Server(
        "provider-mocks",
        address=host,
        port=port,
        interface=Interfaces.RSGI,
        workers=workers,
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(
            header_read_timeout=max(1, round(limits.header_timeout * 1000)), max_buffer_size=MAX_HEAD_BYTES
        ),
        backlog=2048,
        log_level=LogLevels.warning,
        log_access=not quiet,
        respawn_failed_workers=True,
        ready=ready,
    )
    served = RSGIApp(app, limits, threads)

    def load(target: str, *args: Any, **kwargs: Any) -> Any:  # an RSGI app: its __rsgi__ is called
        return served

    server.serve(target_loader=load)
