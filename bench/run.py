"""`make bench`: how fast the mocks answer, next to WireMock serving static stubs of the same endpoints.

Measured in one run, on this machine, at 32 connections (wrk, 2 threads):

- requests per second, p50 and p99 latency on the hottest endpoints (iTrigger
  token, iTrigger business call, Sugon token state), journal and audit facts on,
  for `serve` (one process on werkzeug's server), `serve --workers 1` (one
  granian worker, state in memory), `serve --workers 2` (its default LMDB store,
  and with `--store sqlite://`) and, when a redis-server is at hand, `serve
  --workers 2 --store redis://`; and the same
  load against WireMock (npm package `wiremock`, on the machine's Java) serving
  a static stub of each endpoint, twice: with its request journal off (its
  fastest configuration) and capped at 5,000 entries (like ours). Every server
  runs at once and is warmed up (WireMock's JIT for 7 s an endpoint); then
  BENCH_ROUNDS rounds (3) load each endpoint under each server in turn, so that
  the machine's drift hits all alike, and the table gives the median, each
  round's figure and the ratio to each WireMock;
- the time from start to the first answer;
- in-process interception calls per second (`requests` and httpx), and the
  same interception answering at once, which is what the client libraries
  themselves cost;
- the server's memory after 100,000 and 1,000,000 requests;
- the memory of one `serve --workers 1` process after 100,000 and 1,000,000
  iTrigger token fetches, each replacing the app's token (token churn);
- one client's latency while 300 stalled uploads and 300 slow heads hold each stack;
- where the time of one token request goes, by layer (cProfile).

It prints tables and asserts nothing. Settings from the environment:
BENCH_DURATION (seconds per run, 10), BENCH_CONNECTIONS (32), BENCH_WORKERS (2),
BENCH_MEMORY_REQUESTS (1000000; 0 skips the memory run), BENCH_CHURN_REQUESTS
(1000000 token fetches; 0 skips the token churn run), BENCH_CALLS (3000
interception calls per client), BENCH_STACKS=1 to compare serving stacks for
`--workers` too (granian, gunicorn gthread and sync, waitress, werkzeug; the
ones missing are installed into the virtualenv with pip).

It installs what it lacks: wrk with apt-get, WireMock with
`npm install --prefix bench/.wiremock wiremock` (an ignored folder), and it
compiles the project's bytecode first, as Python's first run would.
"""

from __future__ import annotations

import contextlib
import cProfile
import json
import os
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WIREMOCK_DIR = ROOT / "bench" / ".wiremock"
WIREMOCK = WIREMOCK_DIR / "node_modules" / ".bin" / "wiremock"

DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
MEMORY_REQUESTS = int(os.environ.get("BENCH_MEMORY_REQUESTS", "1000000"))
CHURN_REQUESTS = int(os.environ.get("BENCH_CHURN_REQUESTS", "1000000"))
CALLS = int(os.environ.get("BENCH_CALLS", "3000"))

TOKEN_APP = ("qjybench0token00001", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0")
CALL_APP = ("qjybench0call000001", "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0")
SUGON = {"user": "acvk4wj1w1", "password": "sPDQ62ys6ciW", "orgId": "803fe0e83398f361ef41c38fd15bfefd"}

TOKEN_PATH = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
CALL_PATH = "/itrigger-tenant/v1/basic/openAPItest/test/get"
STATE_PATH = "/ac/openapi/v2/tokens/state"

CONFIG = f"""
[server]
journal_size = 5000

[[itrigger.tenants]]
id = "bench"
daily_limit = 1000000000

[[itrigger.apps]]
app_id = "{TOKEN_APP[0]}"
app_secret = "{TOKEN_APP[1]}"
tenant = "bench"

[[itrigger.apps]]
app_id = "{CALL_APP[0]}"
app_secret = "{CALL_APP[1]}"
tenant = "bench"
"""


# -- setting up ------------------------------------------------------------------------------


def _apt_get(*packages: str) -> None:
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *packages], env=env, check=False)
    if done.returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *packages], env=env, check=True)


def ensure_tools() -> None:
    if shutil.which("wrk") is None:
        print("installing wrk (apt-get) ...", flush=True)
        _apt_get("wrk")
    if shutil.which("java") is None:
        print("installing Java (apt-get) ...", flush=True)
        _apt_get("default-jre-headless")
    if not WIREMOCK.exists():
        if shutil.which("npm") is None:
            _apt_get("npm")
        print("installing WireMock (npm) ...", flush=True)
        subprocess.run(["npm", "install", "--silent", "--prefix", str(WIREMOCK_DIR), "wiremock"], check=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# -- servers -----------------------------------------------------------------------------------


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None, timeout: float = 10) -> Any:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read())


@dataclass(eq=False)  # a server is itself, whatever its fields: a key of its endpoints
class Server:
    name: str
    command: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    started_in: float = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        """Start it and time it until the token endpoint answers."""
        probe = f"{self.base}{TOKEN_PATH}?appId={TOKEN_APP[0]}&appSecret={TOKEN_APP[1]}"
        begun = time.perf_counter()
        self.process = subprocess.Popen(
            self.command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, **self.env},
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                fetch(probe)
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not start: {' '.join(self.command)}") from None
                time.sleep(0.002)
        self.started_in = time.perf_counter() - begun
        return self

    def rss_mib(self) -> float:
        """Resident memory of the server's processes (the process and its children), MiB."""
        assert self.process is not None
        total = 0
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            pid = int(status.parent.name)
            ppid = int(re.search(r"^PPid:\s+(\d+)", text, re.M).group(1))  # type: ignore[union-attr]
            if self.process.pid in (pid, ppid):
                found = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
                total += int(found.group(1)) if found else 0
        return total / 1024

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


def ours(name: str, config: Path, *extra: str) -> Server:
    port = free_port()
    command = [str(BIN / "provider-mocks"), "serve", "--port", str(port), "--quiet", "--config", str(config)]
    return Server(name, [*command, *extra], port)


#: WireMock's two configurations: the journal off (its fastest, what a user picks for load) and
#: capped like ours (the same feature: every request kept for inspection, up to 5,000).
WIREMOCKS: dict[str, list[str]] = {
    "WireMock, journal off": ["--no-request-journal"],
    "WireMock, journal capped at 5,000": ["--max-request-journal-entries", "5000"],
}


def wiremock(name: str, folder: Path, bodies: dict[str, str]) -> Server:
    """WireMock with one static stub per endpoint, answering the bytes the mock answers."""
    mappings = folder / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    for i, (path, body) in enumerate(bodies.items()):
        stub = {
            "request": {"method": "ANY", "urlPath": path},
            "response": {
                "status": 200,
                "headers": {"Content-Type": "application/json;charset=UTF-8"},
                "body": body,
            },
        }
        (mappings / f"stub{i}.json").write_text(json.dumps(stub, ensure_ascii=False), encoding="utf-8")
    port = free_port()
    command = [str(WIREMOCK), "--port", str(port), "--root-dir", str(folder), "--disable-banner"]
    return Server(name, [*command, *WIREMOCKS[name]], port)


# -- load --------------------------------------------------------------------------------------


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    url: str, headers: dict[str, str] | None = None, duration: int = DURATION, script: str | None = None
) -> Load:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        errors += int(found.group(1))
    if found := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(n) for n in found.groups())
    return Load(rps, p50, p99, errors)


@dataclass
class Endpoint:
    title: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, base: str) -> str:
        return f"{base}{self.path}" + (f"?{self.query}" if self.query else "")


def endpoints(base: str) -> list[Endpoint]:
    """The three hot endpoints, with a live token for the two that need one."""
    call_token = fetch(f"{base}{TOKEN_PATH}?appId={CALL_APP[0]}&appSecret={CALL_APP[1]}")["data"][
        "accessToken"
    ]
    login = fetch(f"{base}/ac/openapi/v2/tokens", method="POST", headers=SUGON)
    sugon_token = login["data"][0]["token"]
    return [
        Endpoint("iTrigger token (stateful)", TOKEN_PATH, f"appId={TOKEN_APP[0]}&appSecret={TOKEN_APP[1]}"),
        Endpoint("iTrigger business call", CALL_PATH, f"accessToken={call_token}&name=bench"),
        Endpoint("Sugon token state", STATE_PATH, "", {"token": sugon_token}),
    ]


def check(base: str, endpoint: Endpoint) -> str:
    """One answer, to be sure the load hits a working endpoint (and what WireMock should answer)."""
    answer = fetch(endpoint.url(base), headers=endpoint.headers)
    if str(answer.get("code")) not in ("200", "0"):
        raise RuntimeError(f"{endpoint.title} answers {answer}")
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":"))


#: Rounds of the throughput table: every server loads every endpoint once a round, rounds
#: interleaved so that the machine's drift hits every server alike; the table gives the median.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


@dataclass
class Measured:
    """One server on one endpoint over ROUNDS rounds."""

    loads: list[Load] = field(default_factory=list)

    @property
    def median(self) -> Load:
        return Load(
            statistics.median(load.rps for load in self.loads),
            statistics.median(load.p50_ms for load in self.loads),
            statistics.median(load.p99_ms for load in self.loads),
            sum(load.errors for load in self.loads),
        )

    @property
    def spread(self) -> str:
        return " / ".join(f"{load.rps:,.0f}" for load in self.loads)


def interleaved(servers: dict[Server, list[Endpoint]]) -> dict[str, list[Measured]]:
    """ROUNDS rounds; in each, every endpoint under every server in turn (each answer checked after).

    `servers` gives each server its endpoints: the tokens in them are each server's own."""
    results = {server.name: [Measured() for _ in found] for server, found in servers.items()}
    for round_ in range(ROUNDS):
        print(f"round {round_ + 1} of {ROUNDS} ...", flush=True)
        for i in range(len(next(iter(servers.values())))):
            for server, found in servers.items():
                endpoint = found[i]
                results[server.name][i].loads.append(wrk(endpoint.url(server.base), endpoint.headers))
                check(server.base, endpoint)
    return results


# -- in-process ----------------------------------------------------------------------------------


def interception(config: Path) -> dict[str, float]:
    import httpx
    import requests

    from provider_mocks import create_app
    from provider_mocks.testing import intercept
    from provider_mocks.testing.intercept import Interceptor

    class Instant(Interceptor):
        """Interception as `intercept()` sets it up, answering a fixed body without asking the mock."""

        def _answer(
            self, method: str, url: str, headers: dict[str, str], body: bytes
        ) -> tuple[int, list[tuple[str, str]], bytes]:
            return 200, [("Content-Type", "application/json;charset=UTF-8")], b'{"code":200}'

    app = create_app(str(config))
    url = f"https://gateway-dev.itrigger.cn{TOKEN_PATH}"
    params = {"appId": TOKEN_APP[0], "appSecret": TOKEN_APP[1]}
    rates = {}
    with intercept(app) as interceptor:
        with requests.Session() as session:
            rates["requests"] = _rate(lambda: session.get(url, params=params))
        with httpx.Client() as client:
            rates["httpx"] = _rate(lambda: client.get(url, params=params))
        query = f"{url}?appId={TOKEN_APP[0]}&appSecret={TOKEN_APP[1]}"
        rates["the mock's own answer (the WSGI call, no client library)"] = _rate(
            lambda: interceptor._answer("GET", query, {}, b"")
        )
    with Instant(app):  # the same interception answering at once: what the client libraries cost
        with requests.Session() as session:
            rates["requests, interception answering at once (the libraries' ceiling)"] = _rate(
                lambda: session.get(url, params=params)
            )
        with httpx.Client() as client:
            rates["httpx, interception answering at once (the libraries' ceiling)"] = _rate(
                lambda: client.get(url, params=params)
            )
    return rates


def _rate(call: Any) -> float:
    for _ in range(200):
        call()
    begun = time.perf_counter()
    for _ in range(CALLS):
        call()
    return CALLS / (time.perf_counter() - begun)


LAYERS = [
    ("store (and JSON encoding)", ("mocks/core/stores/", "sqlite3", "lmdb", "json/", "jsonio", "orjson")),
    ("provider model and routes", ("mocks/providers/",)),
    ("journal, faults, clock, audit facts (our hooks)", ("mocks/app.py", "mocks/core/")),
    ("Flask and Werkzeug (routing, request, response)", ("flask/", "werkzeug/")),
]


def where_time_goes(config: Path, store: str | None) -> tuple[float, list[tuple[str, float]]]:
    """Per-request cost of the token endpoint in-process (no HTTP), split by layer with cProfile."""
    from provider_mocks import create_app

    app = create_app(str(config), store=store)
    environ_query = f"appId={TOKEN_APP[0]}&appSecret={TOKEN_APP[1]}"
    from provider_mocks.testing.intercept import Interceptor

    interceptor = Interceptor(app)
    url = f"http://127.0.0.1{TOKEN_PATH}?{environ_query}"
    for _ in range(300):
        interceptor._answer("GET", url, {}, b"")
    count = 3000
    begun = time.perf_counter()
    for _ in range(count):
        interceptor._answer("GET", url, {}, b"")
    per_call = (time.perf_counter() - begun) / count * 1000
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        interceptor._answer("GET", url, {}, b"")
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    shares: dict[str, float] = {name: 0.0 for name, _ in LAYERS}
    shares["other (Python, uuid, datetime, ...)"] = 0.0
    total = 0.0
    for (filename, _, function), (_, _, tottime, _, _) in stats.items():
        total += tottime
        where = filename if filename != "~" else function
        for name, markers in LAYERS:
            if any(marker in where for marker in markers):
                shares[name] += tottime
                break
        else:
            shares["other (Python, uuid, datetime, ...)"] += tottime
    return per_call, [(name, share / total) for name, share in shares.items()]


def memory(config: Path) -> tuple[float, tuple[int, float], tuple[int, float]]:
    """RSS of one `serve` process at start, after about 100k and after MEMORY_REQUESTS business calls.

    The journal's ids count the requests served; wrk runs in slices until the count is reached.
    """
    server = ours("memory", config).start()
    try:
        found = endpoints(server.base)[1]
        url = found.url(server.base)

        def served() -> int:
            last = fetch(f"{server.base}/__admin/requests?limit=1")["requests"]
            return int(last[0]["id"]) if last else 0

        def run_until(target: int) -> tuple[int, float]:
            rate = 500.0
            while (done := served()) < target:
                seconds = max(1, min(60, int((target - done) / rate)))
                rate = max(wrk(url, duration=seconds).rps, 1.0)
            fetch(
                f"{server.base}/__admin/violations?provider=itrigger", timeout=600
            )  # the audit reads the journal
            return served(), server.rss_mib()

        before = server.rss_mib()
        first = run_until(100_000)
        last = run_until(MEMORY_REQUESTS)
        return before, first, last
    finally:
        server.stop()


# -- memory under token churn -------------------------------------------------------------------


@dataclass
class Churn:
    """RSS of one `serve --workers 1` (its process and worker) after each count of token fetches."""

    at_start: float
    after: list[tuple[int, float]]


def token_churn(config: Path) -> Churn:
    """iTrigger token fetches against one `serve --workers 1`, until about 100,000, then CHURN_REQUESTS.

    Each fetch replaces the app's token (the bench tenant's daily limit is lifted), so the
    token records, their trace and the journal all churn: the footprint should level off.
    wrk runs in slices; the journal's ids count the requests served.
    """
    server = ours("token churn", config, "--workers", "1").start()
    url = f"{server.base}{TOKEN_PATH}?appId={TOKEN_APP[0]}&appSecret={TOKEN_APP[1]}"

    def served() -> int:
        last = fetch(f"{server.base}/__admin/requests?limit=1")["requests"]
        return int(last[0]["id"]) if last else 0

    try:
        churn = Churn(server.rss_mib(), [])
        rate = 1000.0
        for target in (100_000, CHURN_REQUESTS):
            while (done := served()) < target:
                seconds = max(1, min(60, int((target - done) / rate)))
                rate = max(wrk(url, duration=seconds).rps, 1.0)
            churn.after.append((served(), server.rss_mib()))
        return churn
    finally:
        server.stop()


def print_churn(churn: Churn) -> None:
    print()
    print("## Memory under token churn (one `serve --workers 1`, iTrigger token fetches)")
    print()
    print("| after | RSS | vs the first figure |")
    print("|---|---:|---:|")
    print(f"| start | {churn.at_start:.1f} MiB | |")
    first = churn.after[0][1]
    for count, rss in churn.after:
        print(f"| {count:,} fetches | {rss:.1f} MiB | {(rss / first - 1) * 100:+.1f}% |")


# -- the admin API polled while the providers are under load --------------------------------------

#: What polls the admin API every second while wrk loads the token endpoint: nothing, a client
#: asking for every violation, the dashboard (each of its refresh's requests), and its timeline,
#: which the page polls on a loop of its own.
POLLERS: dict[str, list[str]] = {
    "nobody": [],
    "a client: GET /__admin/violations": ["/__admin/violations"],
    "the dashboard": [
        "/__admin/clock",
        "/__admin/tokens?limit=20",
        "/__admin/requests?limit=100",
        "/__admin/violations?since={since}",
        "/__admin/faults",
    ],
    "the dashboard's timeline": ["/__admin/timeline"],
}


#: Rounds of each polling in `polled_while_loaded`, interleaved so drift hits every one alike.
POLL_ROUNDS = 3
#: The loads the polling is measured under: wrk as fast as it can, and paced like a test
#: suite (each connection waits PACE_MS between requests: about a third of `serve`'s rate).
PACE_MS = 100
LOADS = {
    "saturating": None,
    f"paced ({PACE_MS} ms between requests)": f"function delay() return {PACE_MS} end",
}


@dataclass
class Polled:
    server: str
    polling: str
    load: str
    measured: Load
    #: The mean time of one poll.
    poll: float


def polled_while_loaded(server: Server, folder: Path) -> list[Polled]:
    """The token endpoint's latency with a full journal (5,000 refetches: every one a finding)
    under each of LOADS while the admin API is polled every second, and the mean time of one
    poll: the median of POLL_ROUNDS interleaved rounds of each polling and load."""
    url = f"{server.base}{TOKEN_PATH}?appId={TOKEN_APP[0]}&appSecret={TOKEN_APP[1]}"
    while fetch(f"{server.base}/__admin/requests?limit=1")["requests"][0]["id"] < 5000:
        wrk(url, duration=2)
    scripts: dict[str, str | None] = {}
    for i, (load_name, lua) in enumerate(LOADS.items()):
        script = folder / f"load-{i}.lua"
        if lua is not None:
            script.write_text(lua)
        scripts[load_name] = None if lua is None else str(script)
    rounds: dict[tuple[str, str], list[tuple[Load, float]]] = {
        (name, load_name): [] for name in POLLERS for load_name in LOADS
    }
    for _ in range(POLL_ROUNDS):
        for (name, load_name), measured in rounds.items():
            stop, took = threading.Event(), list[float]()

            def poll(
                paths: list[str] = POLLERS[name], stop: threading.Event = stop, took: list[float] = took
            ) -> None:
                """As the dashboard does: one refresh a second after the last; `since`: its oldest row."""
                while True:
                    begun, rows = time.perf_counter(), [{"id": 0}]
                    for path in paths:
                        answer = fetch(f"{server.base}{path.format(since=rows[0]['id'])}", timeout=600)
                        rows = answer.get("requests") or rows
                    took.append(time.perf_counter() - begun)
                    if stop.wait(1.0):
                        return

            poller = threading.Thread(target=poll)
            poller.start()  # its first poll audits the whole journal: before the load starts
            while not took:
                time.sleep(0.05)
            load = wrk(url, script=scripts[load_name])
            stop.set()
            poller.join()
            measured.append((load, sum(took[1:]) / max(len(took) - 1, 1)))
    return [
        Polled(
            server.name,
            name,
            load_name,
            Measured([load for load, _ in measured]).median,
            statistics.median(poll for _, poll in measured),
        )
        for (name, load_name), measured in rounds.items()
    ]


#: Where the polling is measured: the one-process server and the one for load.
POLLED_SERVERS = {"`serve`": (), "`serve --workers 1`": ("--workers", "1")}


def print_polled(rows: list[Polled]) -> None:
    print()
    print(
        "## The admin API polled every second, journal full (5,000 token refetches), "
        f"iTrigger token endpoint under load ({CONNECTIONS} connections; "
        f"median of {POLL_ROUNDS} interleaved rounds)"
    )
    print()
    print("| server | load | polling | req/s | p50 ms | p99 ms | one poll, ms |")
    print("|---|---|---|---:|---:|---:|---:|")
    for row in sorted(
        rows, key=lambda row: (list(POLLED_SERVERS).index(row.server), list(LOADS).index(row.load))
    ):
        load = row.measured
        print(
            f"| {row.server} | {row.load} | {row.polling} | {load.rps:,.0f} | {load.p50_ms:.1f} "
            f"| {load.p99_ms:.1f} | {row.poll * 1000:.1f} |"
        )


# -- serving stacks -------------------------------------------------------------------------------

STACKS: list[tuple[str, list[str], bool]] = [
    # (name, command after the port is known, uses worker processes)
    ("granian, 2 workers x 1 thread (serve --workers 2)", ["granian", "--blocking-threads", "1"], True),
    ("granian, 2 workers x 2 threads", ["granian", "--blocking-threads", "2"], True),
    (
        "gunicorn gthread, 2 workers x 1 thread",
        ["gunicorn", "-w", "2", "-k", "gthread", "--threads", "1"],
        True,
    ),
    (
        "gunicorn gthread, 2 workers x 2 threads",
        ["gunicorn", "-w", "2", "-k", "gthread", "--threads", "2"],
        True,
    ),
    ("gunicorn sync, 2 workers", ["gunicorn", "-w", "2", "-k", "sync"], True),
    ("waitress, 1 process x 4 threads", ["waitress-serve", "--threads=4"], False),
    ("werkzeug threaded, 1 process (serve)", ["werkzeug"], False),
]


def stacks(config: Path, folder: Path) -> list[tuple[str, Load]]:
    """The iTrigger token endpoint behind each candidate server (SQLite store for the multi-process ones)."""
    missing = [pkg for pkg in ("gunicorn", "granian", "waitress") if not (BIN / pkg).exists()]
    if missing:
        subprocess.run([str(BIN / "python"), "-m", "pip", "install", "--quiet", *missing], check=True)
    found = []
    for name, command, multi in STACKS:
        port = free_port()
        if command[0] == "gunicorn":
            argv = [str(BIN / "gunicorn"), *command[1:], "--preload", "-b", f"127.0.0.1:{port}"]
        elif command[0] == "granian":
            argv = [str(BIN / "granian"), "--interface", "wsgi", "--workers", "2", *command[1:]]
            argv += ["--host", "127.0.0.1", "--port", str(port)]
        elif command[0] == "waitress-serve":
            argv = [str(BIN / "waitress-serve"), *command[1:], f"--listen=127.0.0.1:{port}"]
        else:
            script = "from werkzeug.serving import run_simple; from bench.stack_app import app; "
            script += f"run_simple('127.0.0.1', {port}, app, threaded=True)"
            argv = [str(BIN / "python"), "-c", script]
        if command[0] != "werkzeug":
            argv.append("bench.stack_app:app")
        store = f"sqlite://{folder}/stack-{port}.db" if multi else "memory"
        server = Server(
            name, argv, port, env={"BENCH_CONFIG": str(config), "BENCH_STORE": store, "PYTHONPATH": str(ROOT)}
        )
        print(f"measuring {name} ...", flush=True)
        server.start()
        try:
            url = f"{server.base}{TOKEN_PATH}?appId={TOKEN_APP[0]}&appSecret={TOKEN_APP[1]}"
            wrk(url, duration=3)
            found.append((name, wrk(url)))
        finally:
            server.stop()
    return found


# -- under siege ----------------------------------------------------------------------------------

SIEGE = {"uploads": 300, "heads": 300}

#: The normal client under siege, in a process of its own: one call after another, each on a new
#: connection (werkzeug's server closes each; granian's workers share them out), each timed.
#: wrk is not used here: with one connection that the server closes, its latencies do not add up.
CLIENT = """
import http.client, json, sys, time
host, port, path, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
times, failed = [], 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    begun = time.perf_counter()
    try:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", path)
        answer = conn.getresponse()
        answer.read()
        conn.close()
        failed += answer.status != 200
    except OSError:
        failed += 1
    times.append(time.perf_counter() - begun)
print(json.dumps({"times": times, "failed": failed}))
"""


def timed_calls(port: int, path: str, seconds: int) -> Load:
    done = subprocess.run(
        [sys.executable, "-c", CLIENT, "127.0.0.1", str(port), path, str(seconds)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(done.stdout)
    times = sorted(found["times"])
    p50, p99 = times[len(times) // 2], times[len(times) * 99 // 100]
    return Load(len(times) / seconds, p50 * 1000, p99 * 1000, found["failed"])


def under_siege(config: Path) -> list[tuple[str, Load, int]]:
    """One normal client's latency while stalled clients hold each serving stack.

    300 uploads that announce a 200-byte body and send a byte, and 300 heads sent a byte every
    half second, never ended: the siege of tests/scale (Siege), which reopens each connection
    the server closes at its timeout, so that it lasts the whole run. The client calls the
    iTrigger token endpoint (CLIENT); the goal is a p99 under 50 ms. Also how many siege
    connections the server closed (and the siege reopened) meanwhile.
    """
    sys.path.insert(0, str(ROOT))
    from tests.scale.helpers import Siege, raise_file_limit

    if not raise_file_limit(4096):  # 600 connections on each side; the servers inherit the limit
        raise RuntimeError("the siege needs 4096 open files")
    path = f"{TOKEN_PATH}?appId={TOKEN_APP[0]}&appSecret={TOKEN_APP[1]}"
    found = []
    for name, extra in (
        ("serve", ()),
        ("serve --workers 1", ("--workers", "1")),
        (f"serve --workers {WORKERS}", ("--workers", str(WORKERS))),
    ):
        print(f"measuring {name} under siege ...", flush=True)
        server = ours(name, config, *extra).start()
        try:
            timed_calls(server.port, path, 2)  # warm-up
            with Siege(server.base, SIEGE["uploads"], SIEGE["heads"], reopen=True) as siege:
                found.append((name, timed_calls(server.port, path, DURATION), siege.replaced))
        finally:
            server.stop()
    return found


# -- the report ----------------------------------------------------------------------------------


def main() -> int:
    ensure_tools()
    # Python caches compiled modules on a first run; where PYTHONDONTWRITEBYTECODE is set it
    # would recompile the project at every start, which is not what a start costs a user
    subprocess.run([str(BIN / "python"), "-m", "compileall", "-q", str(ROOT / "mocks")], check=True)
    starts: list[tuple[str, float]] = []
    audits: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="provider-mocks-bench-") as scratch:
        folder = Path(scratch)
        config = folder / "bench.toml"
        config.write_text(CONFIG)
        candidates = [
            ours("provider-mocks serve (1 process, werkzeug, memory store)", config),
            ours("provider-mocks serve --workers 1 (granian, memory store)", config, "--workers", "1"),
            ours(f"provider-mocks serve --workers {WORKERS} (LMDB store)", config, "--workers", str(WORKERS)),
            ours(
                f"provider-mocks serve --workers {WORKERS} --store sqlite://",
                config,
                "--workers",
                str(WORKERS),
                "--store",
                f"sqlite://{folder}/bench.db",
            ),
        ]
        redis_server = shutil.which("redis-server")
        redis_process = None
        if redis_server:
            redis_port = free_port()
            redis_process = subprocess.Popen(
                [
                    redis_server,
                    "--port",
                    str(redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.3)
            candidates.append(
                ours(
                    f"provider-mocks serve --workers {WORKERS} --store redis://",
                    config,
                    "--workers",
                    str(WORKERS),
                    "--store",
                    f"redis://127.0.0.1:{redis_port}/0",
                )
            )
        bodies: dict[str, str] = {}
        found: list[Endpoint] = []
        running: dict[Server, list[Endpoint]] = {}
        try:
            for server in candidates:  # one after another, so that each start is timed alone
                print(f"starting {server.name} ...", flush=True)
                server.start()
                found = running[server] = endpoints(server.base)
                starts.append((server.name, server.started_in))
                for endpoint in found:
                    bodies.setdefault(endpoint.path, check(server.base, endpoint))
                    wrk(endpoint.url(server.base), endpoint.headers, duration=3)  # warm-up
            for name in WIREMOCKS:
                print(f"starting {name} and warming up its JIT ...", flush=True)
                stub = wiremock(name, folder / "wiremock", bodies)
                stub.start()
                running[stub] = found  # a static stub answers any token
                starts.append((stub.name, stub.started_in))
                for endpoint in found:  # the JIT compiles the hot path
                    wrk(endpoint.url(stub.base), endpoint.headers, duration=7)
            results = interleaved(running)
            for server in candidates:
                begun = time.perf_counter()
                fetch(f"{server.base}/__admin/violations", timeout=600)
                audits.append((server.name, time.perf_counter() - begun))
        finally:
            for server in running:
                server.stop()
            if redis_process is not None:
                redis_process.kill()
                redis_process.wait()

        print("measuring in-process interception ...", flush=True)
        rates = interception(config)
        print("profiling the token endpoint in-process ...", flush=True)
        memory_cost, memory_layers = where_time_goes(config, None)
        shared_cost, shared_layers = where_time_goes(config, f"lmdb://{folder}/profile")
        compared = stacks(config, folder) if os.environ.get("BENCH_STACKS") == "1" else []
        print("measuring the token endpoint while the admin API is polled ...", flush=True)
        polled: list[Polled] = []
        for name, extra in POLLED_SERVERS.items():
            polling = ours(name, config, *extra).start()
            try:
                polled += polled_while_loaded(polling, folder)
            finally:
                polling.stop()
        sieged = under_siege(config)
        mem = None
        if MEMORY_REQUESTS:
            print(f"memory: {MEMORY_REQUESTS:,} business calls against one serve process ...", flush=True)
            mem = memory(config)
        churn = None
        if CHURN_REQUESTS:
            print(f"memory: {CHURN_REQUESTS:,} token fetches against one serve --workers 1 ...", flush=True)
            churn = token_churn(config)

    fastest, capped = (results[name] for name in WIREMOCKS)
    print()
    print(
        f"## Throughput and latency ({CONNECTIONS} connections, wrk -t2, {DURATION} s per run, "
        f"{os.cpu_count()} cores; median of {ROUNDS} interleaved rounds)"
    )
    print()
    print(
        "| endpoint | server | req/s | req/s each round | p50 ms | p99 ms "
        "| vs WireMock journal off | vs WireMock journal capped |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for i, endpoint in enumerate(found):
        for name, measured in results.items():
            load = measured[i].median
            errors = f" ({load.errors} errors)" if load.errors else ""
            print(
                f"| {endpoint.title} | {name}{errors} | {load.rps:,.0f} | {measured[i].spread} "
                f"| {load.p50_ms:.1f} | {load.p99_ms:.1f} | {load.rps / fastest[i].median.rps:.2f}× "
                f"| {load.rps / capped[i].median.rps:.2f}× |"
            )
    print()
    print("| measure | value |")
    print("|---|---:|")
    for name, seconds in starts:
        print(f"| start to first answer: {name} | {seconds:.2f} s |")
    for name, seconds in audits:
        print(f"| the audit of a full journal (5,000 entries): {name} | {seconds:.1f} s |")
    for client, rate in rates.items():
        print(f"| in-process interception, token endpoint: {client} | {rate:,.0f} calls/s |")
    if mem is not None:
        before, (count_a, at_a), (count_b, at_b) = mem
        print(f"| memory (RSS) of one serve process at start | {before:.1f} MiB |")
        print(f"| memory after {count_a:,} requests (iTrigger business call) | {at_a:.1f} MiB |")
        print(
            f"| memory after {count_b:,} requests | {at_b:.1f} MiB ({(at_b / at_a - 1) * 100:+.1f}% of the "
            f"figure at {count_a:,}) |"
        )
    if churn is not None:
        print_churn(churn)
    print()
    print(
        f"## One client under siege ({SIEGE['uploads']} stalled uploads and {SIEGE['heads']} slow heads, "
        f"reopened as the server closes them; one call at a time, {DURATION} s; goal: p99 under 50 ms)"
    )
    print()
    print("| server | req/s | p50 ms | p99 ms | siege connections closed by the server |")
    print("|---|---:|---:|---:|---:|")
    for name, load, closed in sieged:
        errors = f" ({load.errors} errors)" if load.errors else ""
        print(f"| {name}{errors} | {load.rps:,.0f} | {load.p50_ms:.1f} | {load.p99_ms:.1f} | {closed} |")
    if compared:
        print()
        print(
            "## Serving stacks for --workers: the iTrigger token endpoint (SQLite store when multi-process)"
        )
        print()
        print("| server | req/s | p50 ms | p99 ms |")
        print("|---|---:|---:|---:|")
        for name, load in compared:
            print(f"| {name} | {load.rps:,.0f} | {load.p50_ms:.1f} | {load.p99_ms:.1f} |")
    print_polled(polled)
    print()
    print("## Where the time of one token request goes (in-process, no HTTP; cProfile's own time by layer)")
    print()
    print("| layer | memory store | LMDB store |")
    print("|---|---:|---:|")
    print(f"| per request, unprofiled | {memory_cost:.3f} ms | {shared_cost:.3f} ms |")
    for (name, share), (_, other) in zip(memory_layers, shared_layers, strict=True):
        print(f"| {name} | {share:.0%} | {other:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
