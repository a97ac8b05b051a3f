"""`provider-mocks record` in front of our mock: each provider's demo flow answered as the
upstream sent it, the cassette written as it goes and safe to share, signals, failures, and the
command's errors."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests

from provider_mocks.drift.cassette import Cassette, Recorded
from tests.drift.conftest import Upstream
from tests.drift.helpers import COMMAND, FLOWS, Got, Sent, Story, call, recording

#: Header fields the recorder's server writes of its own: the connection's.
CONNECTION = {"connection", "transfer-encoding"}
#: Header fields the upstream's server adds to what its app sent.
SERVER = {"server", "date", "connection"}
ITRIGGER_TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"


@dataclass(frozen=True)
class Flown:
    """A provider's demo flow, recorded: what the client got, what the upstream sent, the cassette."""

    story: Story
    sent: list[Sent]
    out: Path
    cassette: Cassette
    text: str
    printed: str


@pytest.fixture(scope="module", params=list(FLOWS))
def flown(
    request: pytest.FixtureRequest, tapped: Upstream, tmp_path_factory: pytest.TempPathFactory
) -> Flown:
    slug: str = request.param
    upstream = tapped.reset()
    out = tmp_path_factory.mktemp(slug) / "cassette.jsonl"
    with recording(upstream.url, out) as recorder:
        story = Story(recorder.url)
        FLOWS[slug](story, upstream.credentials(slug))
        code, printed = recorder.stop()
    assert code == 0, printed
    return Flown(story, list(upstream.tap.sent), out, Cassette.read(out), out.read_text("utf-8"), printed)


def test_a_demo_flow_answers_what_the_upstream_sent(flown: Flown) -> None:
    assert len(flown.story.answers) == len(flown.sent) > 2
    for got, sent in zip(flown.story.answers, flown.sent, strict=True):
        assert sent.host == urlsplit(flown.cassette.upstream).netloc
        assert (got.status, got.body) == (sent.status, sent.answer)
        assert [(k, v) for k, v in got.headers if k.lower() not in SERVER | CONNECTION] == sent.headers
        assert len(got.header("Server")) == len(got.header("Date")) == 1  # the upstream's, none added


def test_the_cassette_holds_each_exchange_as_the_upstream_saw_it(
    flown: Flown, request: pytest.FixtureRequest
) -> None:
    slug = request.node.callspec.params["flown"]
    assert (flown.cassette.provider, flown.cassette.truncated) == (slug, False)
    assert [e.n for e in flown.cassette] == list(range(1, len(flown.sent) + 1))
    for exchange, sent in zip(flown.cassette, flown.sent, strict=True):
        assert (exchange.method, exchange.status, exchange.error) == (sent.method, sent.status, None)
        assert exchange.time.utcoffset() is not None
        assert exchange.time <= flown.cassette.exchanges[-1].time
        assert exchange.header("Host") == sent.host
        if exchange.header("Content-Type", answer=True) != "text/html; charset=utf-8":
            assert isinstance(exchange.json(), dict), exchange.response  # readable, gzip undone
    assert flown.printed == f"provider-mocks record: {len(flown.sent)} exchanges written to {flown.out}\n"


def spellings(value: str) -> set[str]:
    """A value as a cassette could leak it: raw, URL-encoded, and a JWT's payload and signature."""
    found = {value, quote(value, safe=""), quote(value)}
    if value.count(".") == 2:
        found |= set(value.split(".")[1:])
    return found


def test_no_secret_or_token_is_in_the_cassette(flown: Flown) -> None:
    assert flown.story.secrets
    assert flown.story.tokens
    for value in flown.story.secrets | set(flown.story.tokens):
        for spelled in spellings(value):
            assert spelled not in flown.text, value
    assert "<token:1>" in flown.text


def shown(exchange: Recorded, part: str) -> str:
    """One part of a recorded exchange as text: header fields as `name: value` lines."""
    value = getattr(exchange, part)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, tuple):
        return "\n".join(f"{name}: {text}" for name, text in value)
    return str(value)


@pytest.mark.parametrize(
    ("flown", "n", "part", "text"),
    [
        # ATRIP: the secret header, the gzip answer kept readable, the portal link's token
        ("atrip", 1, "headers", "x-atlas-client-secret: <secret:1>"),
        ("atrip", 1, "response_headers", "Content-Encoding: gzip"),
        ("atrip", 1, "response", '/atrip-portal/login?token=<token:1>","status":0,"msg":null}'),
        ("atrip", 2, "query", "token=<token:1>"),
        ("atrip", 3, "response", "?token=<token:2>"),
        ("atrip", 3, "headers", "x-atlas-client-secret: <secret:1>"),
        # iTrigger: the old token refused after a new fetch shows as the alias it got
        ("itrigger", 1, "query", "&appSecret=<secret:1>"),
        ("itrigger", 1, "response", '"data":{"accessToken":"<token:1>"}}'),
        ("itrigger", 2, "query", "accessToken=<token:1>&%E5%90%8D%E5%AD%97=%E5%BC%A0%E4%B8%89"),
        ("itrigger", 3, "response", '"data":{"accessToken":"<token:2>"}}'),
        ("itrigger", 4, "query", "accessToken=<token:1>"),
        ("itrigger", 4, "response", '{"code":401,'),
        ("itrigger", 5, "query", "accessToken=<token:2>"),
        # appauth: the same token fetched twice is one alias
        ("appauth", 1, "response", '"accessToken":"<token:1>"'),
        ("appauth", 2, "query", "accessToken=<token:1>"),
        ("appauth", 3, "response", '"accessToken":"<token:1>"'),
        # Sugon: the password and signature headers, tokens in the list, the header, the renewal
        ("sugon", 1, "headers", "password: <password:1>"),
        ("sugon", 1, "response", '"clusterId":"11250","clusterName":"华东一区【昆山】","token":"<token:1>"}'),
        ("sugon", 1, "response", '"token":null'),
        ("sugon", 2, "headers", "token: <token:1>"),
        ("sugon", 3, "response", '"data":"<token:'),
        ("sugon", 5, "headers", "signature: <signature:1>"),
        # credential: the form body's secret, the bare JWT answer, the Access-Token header
        ("credential", 1, "body", "secret=<secret:1>&userType=2"),
        ("credential", 1, "response", '"data":"<token:1>"'),
        ("credential", 2, "headers", "Access-Token: <token:1>"),
        ("credential", 3, "query", "secret=<secret:1>&userType=2"),
        ("credential", 3, "response", '"data":"<token:2>"'),
    ],
    indirect=["flown"],
)
def test_an_alias_stands_where_the_value_was(flown: Flown, n: int, part: str, text: str) -> None:
    assert text in shown(flown.cassette.exchanges[n - 1], part)


@pytest.mark.parametrize(
    ("flown", "kept"),
    [
        ("atrip", "x-atlas-client-id: "),
        ("itrigger", "appId=qjy"),
        ("appauth", "appId=app"),
        ("sugon", "user: ac"),
        ("credential", "clientId="),
    ],
    indirect=["flown"],
)
def test_credential_ids_are_kept(flown: Flown, kept: str) -> None:
    first = flown.cassette.exchanges[0]
    assert kept in "\n".join(shown(first, part) for part in ("query", "body", "headers"))


def fetch(base: str, app_id: str = "x") -> Got:
    """An iTrigger token fetch with a wrong credential: any answer will do."""
    return call(base, "GET", ITRIGGER_TOKEN, params={"appId": app_id, "appSecret": "wrong-secret"})


def test_each_exchange_is_in_the_file_while_the_recorder_runs(upstream: Upstream, tmp_path: Path) -> None:
    with recording(upstream.url, tmp_path / "c.jsonl") as recorder:
        for n in range(1, 4):
            assert fetch(recorder.url).status == 200
            assert [e.n for e in recorder.cassette()] == list(range(1, n + 1))
            assert recorder.process.poll() is None


def test_a_killed_recorder_loses_no_answered_exchange(upstream: Upstream, tmp_path: Path) -> None:
    with recording(upstream.url, tmp_path / "c.jsonl") as recorder:
        answers = [fetch(recorder.url, f"app{n}") for n in range(5)]
        recorder.process.kill()
        recorder.process.wait(timeout=10)
        cassette = recorder.cassette()
    assert not cassette.truncated
    assert [e.query.split("&")[0] for e in cassette] == [f"appId=app{n}" for n in range(5)]
    assert [e.response for e in cassette] == [got.body for got in answers]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_ends_the_recording_whole(upstream: Upstream, tmp_path: Path, sig: int) -> None:
    out = tmp_path / "c.jsonl"
    with recording(upstream.url, out) as recorder:
        for _ in range(3):
            fetch(recorder.url)
        code, printed = recorder.stop(sig)
    assert (code, printed) == (0, f"provider-mocks record: 3 exchanges written to {out}\n")
    text = out.read_text("utf-8")
    assert text.endswith("\n")
    assert len(text.splitlines()) == 4
    assert [e.n for e in Cassette.read(out)] == [1, 2, 3]


def test_a_signal_lets_the_exchange_in_flight_end(upstream: Upstream, tmp_path: Path) -> None:
    rule = {"provider": "itrigger", "action": {"type": "delay", "seconds": 3}, "times": 1}
    assert requests.post(f"{upstream.url}/__admin/faults", json=rule, timeout=10).status_code == 201
    out = tmp_path / "c.jsonl"
    with recording(upstream.url, out) as recorder:
        answered: list[Got] = []
        slow = threading.Thread(target=lambda: answered.append(fetch(recorder.url)))
        slow.start()
        time.sleep(0.5)  # the upstream holds it
        recorder.process.send_signal(signal.SIGTERM)
        time.sleep(1.5)
        with pytest.raises(requests.ConnectionError):  # no longer accepting
            requests.get(recorder.url, timeout=5)
        assert recorder.process.poll() is None  # still waiting for the one in flight
        slow.join(timeout=10)
        code, printed = recorder.ended()
    assert answered[0].json()["code"] == 40002
    assert (code, printed) == (0, f"provider-mocks record: 1 exchange written to {out}\n")
    (exchange,) = Cassette.read(out)
    assert exchange.ms > 2500
    assert exchange.response == answered[0].body


def test_a_client_that_leaves_early_does_not_hold_the_stop(upstream: Upstream, tmp_path: Path) -> None:
    with recording(upstream.url, tmp_path / "c.jsonl") as recorder:
        for _ in range(3):
            address = urlsplit(recorder.url)
            with socket.create_connection((address.hostname, address.port or 80)) as client:
                client.sendall(f"GET {ITRIGGER_TOKEN} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                client.recv(1)  # the answer has begun; closing with the rest unread resets the connection
        time.sleep(0.2)
        began = time.monotonic()
        code, _ = recorder.stop()
    assert code == 0
    assert time.monotonic() - began < 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unreachable_upstream_gets_a_502_that_is_recorded(tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    with recording(nowhere, tmp_path / "c.jsonl") as recorder:
        got = fetch(recorder.url)
        (exchange,) = recorder.cassette()
    said = {"error": "the upstream could not be reached", "upstream": nowhere, "reason": "Connection refused"}
    assert (got.status, got.header("Content-Type"), got.json()) == (502, ["application/json"], said)
    assert (exchange.status, exchange.error, exchange.json()) == (502, "Connection refused", said)


@pytest.mark.parametrize(
    ("args", "path", "provider"),
    [
        ([], "/auth/hello", "appauth"),
        ([], "/ac/openapi/v2/tokens/state", "sugon"),
        ([], "/getAtripToken.do", "atrip"),
        (["--provider", "sugon"], "/auth/hello", "sugon"),
        ([], "/nobody/owns/this", None),
    ],
)
def test_the_cassette_names_the_provider(
    upstream: Upstream, tmp_path: Path, args: list[str], path: str, provider: str | None
) -> None:
    out = tmp_path / "c.jsonl"
    with recording(upstream.url, out, *args) as recorder:
        call(recorder.url, "GET", path)
        call(recorder.url, "GET", "/openapi/demo/echo")  # the first request's path decides
        recorder.stop()
    assert Cassette.read(out).provider == provider


def test_a_recording_with_no_exchange_is_a_cassette(upstream: Upstream, tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    with recording(upstream.url, out, "--provider", "atrip") as recorder:
        assert recorder.stop() == (0, f"provider-mocks record: 0 exchanges written to {out}\n")
    cassette = Cassette.read(out)
    assert (cassette.provider, cassette.upstream, cassette.exchanges) == ("atrip", upstream.url, [])


def test_force_overwrites_a_cassette(upstream: Upstream, tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    out.write_text("an old recording\n")
    with recording(upstream.url, out, "--force") as recorder:
        fetch(recorder.url)
        recorder.stop()
    assert len(Cassette.read(out).exchanges) == 1


def refused(*args: str) -> str:
    """What `record ARGS` wrote to stderr, which it must exit with 2 and no traceback."""
    done = subprocess.run([*COMMAND, "record", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr


@pytest.mark.parametrize(
    ("upstream", "out", "more", "message"),
    [
        ("http://127.0.0.1:9", "old.jsonl", [], "old.jsonl exists, and a recording cannot go on with it"),
        ("http://127.0.0.1:9", "missing/c.jsonl", [], "missing/c.jsonl: No such file or directory"),
        ("http://127.0.0.1:9", "old.jsonl/c.jsonl", [], "old.jsonl/c.jsonl: Not a directory"),
        ("http://127.0.0.1:9", ".", ["--force"], ": Is a directory"),
        (
            "ftp://example.com",
            "c.jsonl",
            [],
            "--upstream: 'ftp://example.com': give an http:// or https:// URL",
        ),
        ("example.com", "c.jsonl", [], "--upstream: 'example.com': give an http:// or https:// URL"),
        ("http://", "c.jsonl", [], "--upstream: 'http://': give an http:// or https:// URL"),
        ("http://u:p@example.com", "c.jsonl", [], "without credentials, query or fragment"),
        ("http://example.com/?a=1", "c.jsonl", [], "without credentials, query or fragment"),
        (
            "http://example.com:99999",
            "c.jsonl",
            [],
            "'http://example.com:99999' is not a URL: Port out of range",
        ),
        (
            "http://127.0.0.1:9",
            "c.jsonl",
            ["--port", "70000"],
            "--port: 70000 is no port: give 0 (any free port)",
        ),
        ("http://127.0.0.1:9", "c.jsonl", ["--provider", "nope"], "invalid choice: 'nope'"),
        (
            "http://127.0.0.1:9",
            "c.jsonl",
            ["--host", "no.such.host.invalid"],
            "cannot listen on no.such.host",
        ),
    ],
)
def test_a_bad_command_is_a_clear_error(
    tmp_path: Path, upstream: str, out: str, more: list[str], message: str
) -> None:
    (tmp_path / "old.jsonl").write_text("an old recording\n")
    written = tmp_path / out
    stderr = refused("--upstream", upstream, "--port", "0", "--out", str(written), *more)
    assert message in stderr
    assert (tmp_path / "old.jsonl").read_text() == "an old recording\n"
    assert not (tmp_path / "c.jsonl").exists()


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        stderr = refused(
            "--upstream", "http://127.0.0.1:9", "--port", str(port), "--out", str(tmp_path / "c")
        )
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in stderr
    assert not (tmp_path / "c").exists()


def test_the_options_are_required() -> None:
    assert "the following arguments are required: --upstream, --port, --out" in refused()


def test_a_cassette_line_is_one_json_object(flown: Flown) -> None:
    header, *lines = flown.text.splitlines()
    assert json.loads(header)["cassette"] == 1
    assert all(isinstance(json.loads(line), dict) for line in lines)
