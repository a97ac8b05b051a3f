"""`provider-mocks verify --cassette`: the contract's checks on recorded traffic, offline.

The cassettes are real traffic: each provider's demo flow sent with requests to our mock (or
to a deliberately deviating one) on a loopback port, each exchange written as the recorder
writes it, its tokens replaced by aliases.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from provider_mocks.cli import main
from provider_mocks.contracts.cassette import SpecPath, run
from provider_mocks.drift.cassette import Cassette, Recorded, Writer
from provider_mocks.providers.sugon.signing import signature
from tests.contracts.deviants import (
    CHARSET_DROPPED,
    ESCAPED_CHINESE,
    Deviant,
    crashing,
    keys_sorted,
    renamed,
    serving,
)
from tests.support import provider as listing

#: A provider's demo flow: its requests, sent to the base URL with the credentials by role;
#: the tokens it was given, for the cassette to alias.
Flow = Callable[[requests.Session, str, dict[str, dict[str, Any]]], list[str]]
AS_DOCUMENTED = Deviant("our mock", "")
ITRIGGER_TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"


def atrip(http: requests.Session, base: str, creds: dict[str, dict[str, Any]]) -> list[str]:
    client = {k: v for k, v in creds["demo"].items() if k.startswith("x-atlas-")}
    url = f"{base}/getAtripToken.do"
    body = {"orderNo": "TK4058960725", "userName": "Li Wei", "role": "Customer service"}
    legacy = {**body, "role": "TICKETING", "cid": client["x-atlas-client-id"]}  # the older docs' body
    portals = [
        http.post(url, json=b, headers={"Accept": "*/*", **client}).json()["url"] for b in (body, legacy)
    ]
    http.post(url, json=body, headers={"Accept": "*/*", **client, "x-atlas-client-secret": "wrong"})
    return [token for portal in portals for token in parse_qs(urlsplit(portal).query)["token"]]


def itrigger(http: requests.Session, base: str, creds: dict[str, dict[str, Any]]) -> list[str]:
    def app(role: str) -> dict[str, str]:
        return {"appId": creds[role]["appId"], "appSecret": creds[role]["appSecret"]}

    token: str = http.get(base + ITRIGGER_TOKEN, params=app("demo")).json()["data"]["accessToken"]
    demo = f"{base}/itrigger-tenant/v1/basic/openAPItest/test"
    http.get(f"{demo}/get", params={"accessToken": token, "name": "张三"})
    http.post(f"{demo}/post", params={"accessToken": token}, json={"orderNo": "A1"})
    http.get(base + ITRIGGER_TOKEN, params=app("frozen"))  # 40003 应用appId已被冻结
    return [token]


def appauth(http: requests.Session, base: str, creds: dict[str, dict[str, Any]]) -> list[str]:
    app = {"appId": creds["demo"]["appId"], "appSecret": creds["demo"]["appSecret"]}
    token: str = http.get(f"{base}/auth/getAccessToken", params=app).json()["result"]["accessToken"]
    http.get(f"{base}/auth/hello", params={"accessToken": token})
    http.get(f"{base}/auth/getAccessToken")  # 401 appId或appSecret不能为空
    return [token]


def sugon(http: requests.Session, base: str, creds: dict[str, dict[str, Any]]) -> list[str]:
    user = creds["demo"]
    login = {"user": user["user"], "password": user["password"], "orgId": user["orgId"]}
    listed = http.post(f"{base}/ac/openapi/v2/tokens", headers=login).json()["data"]
    token = listed[0]["token"]  # 11250, a region that may call everything
    for path in ("tokens/state", "center", "user"):
        http.get(f"{base}/ac/openapi/v2/{path}", headers={"token": token})
    renewed = http.post(f"{base}/ac/openapi/v2/tokens/next", headers={"token": token}).json()["data"]
    key, stamp = creds["aksk"], str(int(time.time()))
    signed = signature(key["accessKey"], stamp, key["user"], key["secretKey"])
    headers = {"user": key["user"], "accessKey": key["accessKey"], "timestamp": stamp, "signature": signed}
    keyed = http.post(f"{base}/api/user/v3/tokens", headers=headers).json()["data"]
    return [t["token"] for t in [*listed, *keyed] if t["token"]] + [renewed]


def credential(http: requests.Session, base: str, creds: dict[str, dict[str, Any]]) -> list[str]:
    app = {"clientId": creds["demo"]["clientId"], "secret": creds["demo"]["secret"], "userType": "2"}
    token: str = http.post(f"{base}/openapi/auth/credential", params=app).json()["data"]
    http.post(f"{base}/openapi/demo/echo", headers={"Access-Token": token, "Request-Id": "1"}, json={"a": 1})
    http.post(f"{base}/openapi/auth/credential", json=app)  # a JSON body is not read: 10131
    return [token]


FLOWS: dict[str, Flow] = {
    "atrip": atrip,
    "itrigger": itrigger,
    "appauth": appauth,
    "sugon": sugon,
    "credential": credential,
}


class Recorder:
    """A requests session that keeps each of its exchanges as a cassette keeps it."""

    def __init__(self) -> None:
        self.http = requests.Session()
        self.http.hooks["response"].append(self._keep)
        self.exchanges: list[Recorded] = []
        self.started = datetime.now(UTC)

    def _keep(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        sent = response.request
        url = urlsplit(str(sent.url))
        body = sent.body or b""
        self.exchanges.append(
            Recorded(
                n=len(self.exchanges) + 1,
                time=datetime.now(UTC),
                method=str(sent.method),
                path=url.path,
                query=url.query,
                headers=tuple(sent.headers.items()),
                body=body.encode() if isinstance(body, str) else body,
                status=response.status_code,
                response_headers=tuple(response.raw.headers.items()),
                response=response.content,
                ms=response.elapsed.total_seconds() * 1000,
            )
        )

    def write(self, path: Path, provider: str | None, upstream: str, tokens: Iterable[str] = ()) -> Path:
        """The cassette, each of `tokens` written as its alias `<token:N>` wherever it appears."""
        aliases = {token: f"<token:{n}>" for n, token in enumerate(dict.fromkeys(tokens), 1)}

        def hide(text: str) -> str:
            for token, alias in aliases.items():
                text = text.replace(token, alias)
            return text

        def fields(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
            return tuple((name, hide(value)) for name, value in pairs)

        with path.open("w", encoding="utf-8") as stream:
            writer = Writer(stream, provider, upstream, self.started)
            for x in self.exchanges:
                writer.append(
                    replace(
                        x,
                        path=hide(x.path),
                        query=hide(x.query),
                        headers=fields(x.headers),
                        body=hide(x.body.decode()).encode(),
                        response_headers=fields(x.response_headers),
                        response=hide(x.response.decode()).encode(),
                    )
                )
        return path


def record(tmp_path: Path, provider: str, deviant: Deviant = AS_DOCUMENTED) -> Path:
    """The provider's demo flow against `deviant` (our mock as documented unless told), as a cassette."""
    recorder = Recorder()
    with serving(provider, deviant) as url, requests.Session() as admin:
        tokens = FLOWS[provider](recorder.http, url, listing(provider, admin, url)["credentials"])
    assert tokens, "the flow was given no token"
    assert all(tokens), tokens
    return recorder.write(tmp_path / f"{provider}.cassette", provider, url, tokens)


# -- traffic as documented ---------------------------------------------------------------------


@pytest.mark.parametrize("provider", list(FLOWS))
def test_the_traffic_of_our_mock_verifies_with_tokens_aliased(tmp_path: Path, provider: str) -> None:
    path = record(tmp_path, provider)
    cassette = Cassette.read(path)
    assert "<token:1>" in path.read_text(encoding="utf-8")
    results = run(cassette, provider)
    assert [r.id for r in results] == [f"cassette#{x.n} {x.method} {x.path}" for x in cassette]
    assert len(results) >= 3
    assert {r.outcome for r in results} == {"pass"}, [(r.id, r.reason) for r in results]


@pytest.mark.parametrize(
    ("data", "outcome"),
    [
        ("<token:1>", "pass"),  # an alias stands for the JWT it hides
        ("not-a-jwt", "fail"),  # a real token of the wrong shape does not
        ("<secret:1>", "fail"),  # nor does a secret's alias
        (7, "fail"),  # an alias satisfies a shape, never a type: 7 is no string
    ],
)
def test_an_alias_stands_for_a_token_of_the_documented_shape(tmp_path: Path, data: Any, outcome: str) -> None:
    """credential's token is documented as a JWT (a pattern): its alias passes, nothing else does."""
    cassette = Cassette.read(record(tmp_path, "credential"))
    fetch = cassette.exchanges[0]
    assert fetch.json()["data"] == "<token:1>"
    body = fetch.response.replace(b'"<token:1>"', json.dumps(data).encode())
    changed = replace(cassette, exchanges=[replace(fetch, response=body)])
    (result,) = run(changed, "credential")
    assert result.outcome == outcome, result.reason
    if outcome == "fail":
        assert "Response violates schema" in result.reason


# -- deviating servers -------------------------------------------------------------------------


DEVIATIONS = [
    ("itrigger", keys_sorted("documented order is ['code', 'message', 'data']"), "`envelope_key_order`"),
    (
        "itrigger",
        renamed("message", "msg", "envelope keys are ['code', 'msg', 'data']"),
        "`envelope_key_order`",
    ),
    ("appauth", ESCAPED_CHINESE, "`utf8_not_escaped`"),
    ("sugon", CHARSET_DROPPED, "`exact_json_content_type`"),
    ("credential", keys_sorted("envelope keys are ['_status', '_trackId', 'code'"), "`envelope_key_order`"),
]


@pytest.mark.parametrize(
    ("provider", "deviant", "check"), DEVIATIONS, ids=[f"{p}-{d.name}" for p, d, _ in DEVIATIONS]
)
def test_traffic_of_a_deviating_server_fails_naming_the_check(
    tmp_path: Path, provider: str, deviant: Deviant, check: str
) -> None:
    results = run(Cassette.read(record(tmp_path, provider, deviant)), provider)
    failed = [r for r in results if r.outcome == "fail"]
    assert failed, [(r.id, r.outcome) for r in results]
    for result in failed:
        assert check in result.reason, result.reason
        assert deviant.named in result.reason, result.reason
        (exchange,) = result.exchanges  # the recorded exchange, for the report
        assert result.id.endswith(f"{exchange.method} {urlsplit(exchange.url).path}")


def test_only_the_exchange_that_deviates_fails(tmp_path: Path) -> None:
    """atrip answers a 500 where it would answer "Unauthorized access" (the wrong secret): that one fails."""
    results = run(Cassette.read(record(tmp_path, "atrip", crashing("Unauthorized access"))), "atrip")
    assert [r.outcome for r in results] == ["pass", "pass", "fail"]
    assert "Server error" in results[2].reason
    assert "Undocumented status code: Received: 500" in results[2].reason


# -- what does not apply ---------------------------------------------------------------------


def test_exchanges_no_documented_operation_covers_are_not_applicable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorder = Recorder()
    with serving("itrigger", AS_DOCUMENTED) as url, requests.Session() as admin:
        app = listing("itrigger", admin, url)["credentials"]["demo"]
        query = {"appId": app["appId"], "appSecret": app["appSecret"]}
        recorder.http.get(f"{url}/itrigger-tenant/v1/nothing/here")
        recorder.http.get(f"{url}/elsewhere")
        recorder.http.put(url + ITRIGGER_TOKEN)  # 405, Allow: GET: judged by the documented GET
        recorder.http.get(f"{url}/{ITRIGGER_TOKEN}", params=query)  # a run of slashes reads as one
    path = recorder.write(tmp_path / "itrigger.cassette", "itrigger", url)
    assert main(["verify", "--cassette", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "n/a   cassette#1 GET /itrigger-tenant/v1/nothing/here  HTTP 200 answer\n" in out
    )  # 401 in its body
    assert "      no documented operation at /itrigger-tenant/v1/nothing/here\n" in out
    assert "n/a   cassette#2 GET /elsewhere" in out
    assert "      /elsewhere is not one of itrigger's paths (under /itrigger-tenant, /itrigger-bff)\n" in out
    assert f"pass  cassette#3 PUT {ITRIGGER_TOKEN}  HTTP 405 answer to 获取令牌" in out
    assert f"pass  cassette#4 GET /{ITRIGGER_TOKEN}  HTTP 200 answer to 获取令牌" in out
    assert "2 passed, 0 failed, 2 not applicable" in out


def test_a_path_template_reads_its_parameters() -> None:
    documented = SpecPath.of("/orders/{orderNo}/items/{item-id}", {"GET": None})
    assert documented.parameters("/orders/TK%2F1/items/7") == {"orderNo": "TK/1", "item-id": "7"}
    assert documented.parameters("/orders/TK1/items/7/more") is None
    assert documented.parameters("/orders//items/7") is None


# -- the command -----------------------------------------------------------------------------


def test_a_cassette_cut_short_verifies_its_whole_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = record(tmp_path, "itrigger")
    whole = path.read_text(encoding="utf-8")
    last = whole.rstrip("\n").rsplit("\n", 1)[1]
    path.write_text(whole[: len(whole) - 1 - len(last) // 2], encoding="utf-8")  # half the last line
    kept = len(whole.splitlines()) - 2  # the header, and the line cut short
    assert main(["verify", "--cassette", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"Verifying itrigger as recorded in {path}: {kept} exchanges with http://127.0.0.1:" in out
    assert "; its last line was cut short and is left out" in out
    assert f"{kept} passed, 0 failed, 0 not applicable" in out


def test_reports_name_the_failed_check_with_the_recorded_exchange(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = record(tmp_path, "itrigger", CHARSET_DROPPED)
    md, html, xml = tmp_path / "report.md", tmp_path / "report.html", tmp_path / "junit.xml"
    reports = ["--report", str(md), "--junit-xml", str(xml)]
    assert main(["verify", "itrigger", "--cassette", str(path), *reports]) == 1
    assert main(["verify", "--cassette", str(path), "--report", str(html)]) == 1
    out = capsys.readouterr().out
    assert f"FAIL  cassette#1 GET {ITRIGGER_TOKEN}  HTTP 200 answer to 获取令牌" in out
    assert "0 passed, 4 failed, 0 not applicable" in out
    text = md.read_text(encoding="utf-8")
    assert f"Target: {path}: 4 exchanges with http://127.0.0.1:" in text
    assert f"| FAIL | `cassette#1 GET {ITRIGGER_TOKEN}` HTTP 200 answer to 获取令牌" in text
    assert "Custom check failed: `exact_json_content_type`: Content-Type is ['application/json']" in text
    assert f"GET {Cassette.read(path).upstream}{ITRIGGER_TOKEN}?appId=" in text  # the recorded request
    assert "accessToken=<token:1>" in text
    assert f"<code>cassette#1 GET {ITRIGGER_TOKEN}</code>" in html.read_text(encoding="utf-8")
    suite = ET.parse(xml).getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("4", "4")
    names = [case.get("name") for case in suite.findall("testcase")]
    assert names[0] == f"cassette#1 GET {ITRIGGER_TOKEN}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, ": No such file or directory"),
        ("just some text\n", ", line 1: not a cassette line"),
        ('{"recorded": "something else"}\n', 'is not a cassette: its first line has no "cassette" version'),
        ("", " is empty: no cassette header"),
    ],
    ids=["missing", "not JSON", "not a cassette", "empty"],
)
def test_an_unreadable_cassette_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "traffic.cassette"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["verify", "--cassette", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"provider-mocks: error: {'cannot read ' if content is None else ''}{path}")
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("provider", "args", "message"),
    [
        (None, ["verify"], "verify: give PROVIDER (only --cassette may leave it out)"),
        (None, ["verify", "--cassette", "{path}"], "the cassette does not say which provider it recorded"),
        (
            "sugon",
            ["verify", "itrigger", "--cassette", "{path}"],
            "the cassette recorded sugon, not itrigger",
        ),
        ("nope", ["verify", "--cassette", "{path}"], "unknown provider 'nope'; known: atrip, itrigger,"),
        (
            "itrigger",
            ["verify", "--cassette", "{path}", "--base-url", "http://127.0.0.1:9", "--examples", "3"],
            "--cassette: --base-url and --examples cannot go with it",
        ),
        ("itrigger", ["verify", "--cassette", "{path}", "--report", "r.txt"], "r.txt: give a .md or .html"),
    ],
)
def test_usage_errors_of_verify_cassette_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], provider: str | None, args: list[str], message: str
) -> None:
    path = tmp_path / "traffic.cassette"
    with path.open("w", encoding="utf-8") as stream:
        Writer(stream, provider, "https://gateway.example.com", datetime.now(UTC))
    assert main([arg.format(path=path) for arg in args]) == 2
    err = capsys.readouterr().err
    assert f"provider-mocks: error: {message}" in err
    assert "Traceback" not in err


def test_a_cassette_that_names_no_provider_is_checked_as_the_one_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = record(tmp_path, "itrigger")
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    header = header.replace('"provider": "itrigger"', '"provider": null')
    path.write_text(f"{header}\n{rest}", encoding="utf-8")
    assert Cassette.read(path).provider is None
    assert main(["verify", "itrigger", "--cassette", str(path)]) == 0
    assert "4 passed, 0 failed, 0 not applicable" in capsys.readouterr().out
