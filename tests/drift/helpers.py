"""The recorder as a user runs it (`provider-mocks record`, a real process), in front of our mock
on a real port; a tap on the mock that keeps each answer as it went out; each provider's demo
flow, and what it sent and got."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from provider_mocks.cli import main
from provider_mocks.drift.cassette import Cassette
from tests.sugon.helpers import ACTIVE, AKSK, CENTER, RENEW, STATE, TOKENS, key_headers

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

COMMAND = [sys.executable, "-m", "provider_mocks.cli"]
#: A provider's demo credentials by role, as its model lists them.
Credentials = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Sent:
    """One exchange as the upstream saw it: the request it received, the answer it sent."""

    method: str
    target: str
    host: str
    body: bytes
    status: int
    headers: list[tuple[str, str]]
    answer: bytes


class Tap:
    """The upstream's WSGI app, keeping each answer as it sent it (the server then adds Server,
    Date and Connection only)."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self.sent: list[Sent] = []

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(body)
        started: list[Any] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, list(headers)]
            return start_response(status, headers, exc_info)

        answer = b"".join(self.app(environ, start))
        status, headers = started
        target = environ["RAW_URI"]
        self.sent.append(
            Sent(
                environ["REQUEST_METHOD"],
                target,
                environ["HTTP_HOST"],
                body,
                int(status[:3]),
                headers,
                answer,
            )
        )
        return [answer]


@dataclass(frozen=True)
class Got:
    """An answer as the client received it: status, header fields, the body's bytes as sent."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def json(self) -> Any:
        gzipped = self.header("Content-Encoding") == ["gzip"]
        return json.loads(gzip.decompress(self.body) if gzipped else self.body)


def call(base: str, method: str, target: str, **kwargs: Any) -> Got:
    """One request, its answer read raw: nothing decompressed, no redirect followed."""
    with requests.request(
        method, base + target, stream=True, allow_redirects=False, timeout=30, **kwargs
    ) as got:
        return Got(got.status_code, list(got.raw.headers.items()), got.raw.read(decode_content=False))


@dataclass
class Story:
    """A flow through the recorder: each answer in order, the secrets sent and the tokens got."""

    base: str
    answers: list[Got] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    tokens: list[str] = field(default_factory=list)

    def call(self, method: str, target: str, **kwargs: Any) -> Got:
        got = call(self.base, method, target, **kwargs)
        self.answers.append(got)
        return got

    def got(self, *tokens: str) -> str:
        self.tokens += tokens
        return tokens[0]


def atrip_headers(demo: dict[str, Any]) -> dict[str, str]:
    """ATRIP's token request header fields, as a client accepting gzip sends them."""
    return {
        "Accept": "*/*",
        "Content-Type": "application/json",
        "Accept-Encoding": "gzip",
        "x-atlas-client-id": demo["x-atlas-client-id"],
        "x-atlas-client-secret": demo["x-atlas-client-secret"],
    }


def atrip(story: Story, credentials: Credentials) -> None:
    """A portal link (gzip-compressed, as the client accepts), the portal it opens, another link."""
    demo = credentials["demo"]
    story.secrets.add(demo["x-atlas-client-secret"])
    headers = atrip_headers(demo)
    body = {"orderNo": "TK4058960725", "userName": "王小明", "role": "Admin"}
    for _ in range(2):
        link = urlsplit(story.call("POST", "/getAtripToken.do", headers=headers, json=body).json()["url"])
        story.got(*parse_qs(link.query)["token"])
        assert story.call("GET", f"{link.path}?{link.query}").status == 200


def itrigger(story: Story, credentials: Credentials) -> None:
    """A token, a call with it, a new token, the old one refused, the new one used."""
    demo = {"appId": credentials["demo"]["appId"], "appSecret": credentials["demo"]["appSecret"]}
    story.secrets.add(demo["appSecret"])
    token = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
    old = story.got(story.call("GET", token, params=demo).json()["data"]["accessToken"])
    call = "/itrigger-tenant/v1/basic/openAPItest/test"
    assert story.call("GET", f"{call}/get", params={"accessToken": old, "名字": "张三"}).json()["code"] == 200
    new = story.got(story.call("GET", token, params=demo).json()["data"]["accessToken"])
    assert story.call("GET", f"{call}/get", params={"accessToken": old}).json()["code"] == 401
    assert (
        story.call("POST", f"{call}/post", params={"accessToken": new}, json={"a": 1}).json()["code"] == 200
    )


def appauth(story: Story, credentials: Credentials) -> None:
    """A token, the greeting it gets, the same token fetched again."""
    demo = {"appId": credentials["demo"]["appId"], "appSecret": credentials["demo"]["appSecret"]}
    story.secrets.add(demo["appSecret"])
    token = story.got(story.call("GET", "/auth/getAccessToken", params=demo).json()["result"]["accessToken"])
    assert story.call("GET", "/auth/hello", params={"accessToken": token}).json()["code"] == 200
    again = story.got(story.call("GET", "/auth/getAccessToken", params=demo).json()["result"]["accessToken"])
    assert again == token


def sugon(story: Story, credentials: Credentials) -> None:
    """The token list by password, a region token's state, its renewal, the center by the new
    token, then the list again by a signed access key."""
    demo, key = credentials["demo"], credentials["aksk"]
    story.secrets.add(demo["password"])
    listed = story.call("POST", TOKENS, headers={k: demo[k] for k in ("user", "password", "orgId")}).json()
    story.got(*[entry["token"] for entry in listed["data"] if entry["token"]])
    region = next(entry["token"] for entry in listed["data"] if entry["clusterId"] == ACTIVE)
    assert story.call("GET", STATE, headers={"token": region}).json()["code"] == "0"
    renewed = story.got(story.call("POST", RENEW, headers={"token": region}).json()["data"])
    assert story.call("GET", CENTER, headers={"token": renewed}).json()["code"] == "0"
    signed = key_headers(key, int(time.time()))
    story.secrets.add(signed["signature"])
    story.got(
        *[
            entry["token"]
            for entry in story.call("POST", AKSK, headers=signed).json()["data"]
            if entry["token"]
        ]
    )


def credential(story: Story, credentials: Credentials) -> None:
    """A token by a form body, the echo called with it, a token by the query string."""
    demo = {
        "clientId": credentials["demo"]["clientId"],
        "secret": credentials["demo"]["secret"],
        "userType": "2",
    }
    story.secrets.add(demo["secret"])
    token = story.got(story.call("POST", "/openapi/auth/credential", data=demo).json()["data"])
    echo = story.call(
        "POST", "/openapi/demo/echo", headers={"Access-Token": token, "Request-Id": "r-1"}, json={}
    )
    assert echo.json()["ok"] is True
    story.got(story.call("POST", "/openapi/auth/credential", params=demo).json()["data"])


FLOWS: dict[str, Callable[[Story, Credentials], None]] = {
    "atrip": atrip,
    "itrigger": itrigger,
    "appauth": appauth,
    "sugon": sugon,
    "credential": credential,
}


@dataclass
class Recording:
    """A running `provider-mocks record` and the cassette it writes."""

    process: subprocess.Popen[str]
    url: str
    out: Path

    def cassette(self) -> Cassette:
        return Cassette.read(self.out)

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        """Send `sig`; see `ended`."""
        self.process.send_signal(sig)
        return self.ended()

    def ended(self) -> tuple[int, str]:
        """Once the process has ended: its exit code and what it printed after its start line."""
        printed, _ = self.process.communicate(timeout=90)
        return self.process.returncode, printed


@contextmanager
def recording(
    upstream: str, out: Path, *args: str, env: Mapping[str, str] | None = None
) -> Iterator[Recording]:
    """Start `record --port 0` in front of `upstream` (with `env` added to its environment), wait
    for its start line; kill it afterwards if it still runs."""
    command = [*COMMAND, "record", "--upstream", upstream, "--port", "0", "--out", str(out), *args]
    environ = {**os.environ, **(env or {})}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ
    )
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        line = process.stdout.readline()
        found = re.search(r"listening on (http://\S+), forwarding to (\S+), writing (.+)$", line)
        assert found, line + process.stderr.read()
        assert (found.group(2), found.group(3)) == (upstream, str(out))
        yield Recording(process, found.group(1), out)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def drift(cassette: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """`provider-mocks drift CASSETTE ARGS...` in-process: its exit code and what it printed."""
    capsys.readouterr()
    code = main(["drift", str(cassette), *args])
    return code, capsys.readouterr().out
