"""Drift on the contract tests' deviating servers: each provider's probe recorded through the
recorder from each deviant, then replayed on the mock. Each deviation shows as a difference of
the aspect it breaks, on the exchange where it happens; the one no recording can show is listed
with the reason.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import requests

from tests.contracts.deviants import Deviant, serving
from tests.drift.helpers import drift, recording
from tests.drift.probes import PROBES, Probe, moved

SLUGS = ("atrip", "itrigger", "appauth", "sugon", "credential")
#: The contract tests' deviants of each provider, by name.
DEVIANTS: dict[str, dict[str, Deviant]] = {
    slug: {d.name: d for d in importlib.import_module(f"tests.contracts.deviations.{slug}").DEVIANTS}
    for slug in SLUGS
}
ESCAPED = "escaping: upstream \\u-escapes non-ASCII text, mock sends non-ASCII text as UTF-8"
NO_CHARSET = "content-type: upstream 'application/json', mock 'application/json;charset=UTF-8'"
CRASHED = "status: upstream HTTP 500, mock HTTP 200"

#: (provider, deviant, where: the drifted exchange's number or path, what drift says of it).
SHOWN: list[tuple[str, str, str, str]] = [
    ("atrip", "url missing on an error", "#3 ", "fields at url: upstream does not send it, mock does"),
    ("atrip", "status as a string", "#1 ", "code at status: upstream '0', mock 0"),
    ("atrip", "msg on success not null", "#1 ", "message at msg: upstream 'success', mock none"),
    (
        "atrip",
        "sorted keys",
        "#1 ",
        "key-order: upstream ['msg', 'status', 'url'], mock ['url', 'status', 'msg']",
    ),
    (
        "atrip",
        "wrong message text",
        "#3 ",
        "message at msg: upstream 'unauthorized access', mock 'Unauthorized access'",
    ),
    ("atrip", "Content-Type without charset", "#1 ", NO_CHARSET),
    ("atrip", "500 on malformed input", "#4 ", CRASHED),
    ("atrip", "gzip ignored", "#1 ", "content-encoding: upstream None, mock 'gzip'"),
    ("atrip", "\\u-escaped operator name on the portal", "/atrip-portal/login", ESCAPED),
    ("atrip", "legacy roles refused", "#5 ", "code at status: upstream 2, mock 0"),
    ("atrip", "Accept other than */* refused", "#6 ", "status: upstream HTTP 406, mock HTTP 200"),
    ("atrip", "portal token lives 10 minutes", "#7 ", "status: upstream HTTP 401, mock HTTP 200"),
    ("atrip", "portal token lives 1 hour", "#8 ", "status: upstream HTTP 200, mock HTTP 401"),
    (
        "itrigger",
        "sorted keys",
        "#1 ",
        "key-order: upstream ['code', 'data', 'message'], mock ['code', 'message', 'data']",
    ),
    ("itrigger", "message renamed msg", "#1 ", "fields at msg: upstream sends it, mock does not"),
    ("itrigger", "\\u-escaped Chinese", "#1 ", ESCAPED),
    ("itrigger", "wrong message text", "#1 ", "message at message: upstream '成功', mock '操作成功'"),
    ("itrigger", "code as a string", "#1 ", "code at code: upstream '200', mock 200"),
    ("itrigger", "Content-Type without charset", "#1 ", NO_CHARSET),
    ("itrigger", "500 on malformed input", "#6 ", CRASHED),
    ("itrigger", "token not overwritten", "#4 ", "code at code: upstream 200, mock 401"),
    ("itrigger", "token lives 1 hour", "#7 ", "code at code: upstream 401, mock 200"),
    (
        "appauth",
        "success and message first",
        "#1 ",
        "key-order: upstream ['success', 'message', 'code', 'result'], "
        "mock ['code', 'message', 'result', 'success']",
    ),
    ("appauth", "result renamed data", "#1 ", "fields at data: upstream sends it, mock does not"),
    ("appauth", "\\u-escaped Chinese", "#1 ", ESCAPED),
    ("appauth", "success as a string", "#1 ", "type at success: upstream string, mock boolean"),
    ("appauth", "expiresIn as a string", "#1 ", "type at result.expiresIn: upstream string, mock integer"),
    ("appauth", "expiresIn not counting down", "#3 ", "value at result.expiresIn: upstream 7200, mock 6200"),
    (
        "appauth",
        "a new token on every fetch",
        "#3 ",
        "token: upstream a new token (<token:2>), mock gave the same token again (<token:1>)",
    ),
    (
        "appauth",
        "wrong 429 message",
        "#23 ",
        "message at message: upstream '访问过于频繁', mock '请求过于频繁'",
    ),
    ("appauth", "Content-Type without charset", "#1 ", NO_CHARSET),
    ("appauth", "500 on missing credentials", "#25 ", CRASHED),
    ("appauth", "token lives 1 hour", "#1 ", "value at result.expiresIn: upstream 3600, mock 7200"),
    ("appauth", "fetch limit never enforced", "#23 ", "code at code: upstream 200, mock 429"),
    ("appauth", "limit window never closes", "#24 ", "code at code: upstream 429, mock 200"),
    ("sugon", "code as a number", "#1 ", "code at code: upstream 0, mock '0'"),
    (
        "sugon",
        "sorted keys",
        "#1 ",
        "key-order: upstream ['code', 'data', 'msg'], mock ['code', 'msg', 'data']",
    ),
    (
        "sugon",
        "renewal keys code-first",
        "/ac/openapi/v2/tokens/next",
        "key-order: upstream ['code', 'msg', 'data'], mock ['msg', 'code', 'data']",
    ),
    ("sugon", "msg renamed message", "#1 ", "fields at message: upstream sends it, mock does not"),
    ("sugon", "\\u-escaped Chinese", "#1 ", ESCAPED),
    ("sugon", "wrong message text", "#3 ", "message at msg: upstream '无效参数', mock '参数无效'"),
    ("sugon", "Content-Type without charset", "#1 ", NO_CHARSET),
    ("sugon", "500 on a malformed token", "#3 ", CRASHED),
    # A token's claims are inside its alias: what shows is the deviant refusing its own rewritten
    # token (a real provider whose tokens lacked a claim would accept them).
    ("sugon", "claims without invoker", "#2 ", "code at code: upstream '10004', mock '0'"),
    ("sugon", "expireTime in seconds", "#2 ", "code at code: upstream '10004', mock '0'"),
    ("sugon", "suspended region with a token", "#1 ", "type at data[2].token: upstream string, mock null"),
    ("sugon", "renewal allowed 25 h after expiry", "#12 ", "code at code: upstream '0', mock '10008'"),
    ("sugon", "token lives 1 hour", "#11 ", "code at code: upstream '10008', mock '0'"),
    ("sugon", "timestamps 10 min off accepted", "#9 ", "code at code: upstream '0', mock '10004'"),
    (
        "sugon",
        "platform token first",
        "#1 ",
        "item-order at data by clusterId: upstream ['0', '11250', '11112', '11126'], "
        "mock ['11250', '11112', '11126', '0']",
    ),
    (
        "sugon",
        "AK/SK keys code-first",
        "/api/user/v3/tokens",
        "key-order: upstream ['code', 'msg', 'data'], mock ['msg', 'code', 'data']",
    ),
    (
        "sugon",
        "AK/SK 10009 with the center's text",
        "#10 ",
        "message at msg: upstream '没有权限访问接口', mock '校验失败'",
    ),
    ("sugon", "bad signature answers 10004", "#10 ", "code at code: upstream '10004', mock '10009'"),
    ("sugon", "10007 without 被", "#6 ", "message at msg: upstream '用户已冻结', mock '用户已被冻结'"),
    (
        "sugon",
        "center without clusterUserInfo",
        "#4 ",
        "fields at data.clusterUserInfo: upstream does not send it, mock does",
    ),
    ("sugon", "center id as a string", "#4 ", "type at data.id: upstream string, mock integer"),
    (
        "sugon",
        "center enable as a boolean",
        "#4 ",
        "type at data.hpcUrls[0].enable: upstream boolean, mock string",
    ),
    ("sugon", "hpc URL ending in /hpc", "#4 ", "link-path at data.hpcUrls[0].url: upstream '/hpc', mock ''"),
    ("sugon", "no /user", "#5 ", "status: upstream HTTP 404, mock HTTP 200"),
    ("sugon", "/user fields sorted", "#5 ", "key-order at data: upstream ['accountBalance', 'accountName'"),
    ("credential", "ok as a string", "#1 ", "type at ok: upstream string, mock boolean"),
    ("credential", "timestamp in seconds", "#1 ", "scale at timestamp: upstream 10 digits, mock 13 digits"),
    ("credential", "trackId spelled trackID", "#1 ", "fields at trackID: upstream sends it, mock does not"),
    ("credential", "_status missing", "#1 ", "fields at _status: upstream does not send it, mock does"),
    (
        "credential",
        "10131 message changed",
        "#7 ",
        "message at message: upstream '缺少必要参数', mock '缺少必要请求参数！'",
    ),
    ("credential", "JSON body read", "#6 ", "code at code: upstream 200, mock 10131"),
    ("credential", "token lives 1 hour", "#8 ", "code at code: upstream 10134, mock 200"),
    ("credential", "token lives 3 hours", "#9 ", "code at code: upstream 200, mock 10134"),
    ("credential", "a new token overwrites the old", "#5 ", "code at code: upstream 10134, mock 200"),
    ("credential", "Request-Id required", "#3 ", "code at code: upstream 10131, mock 200"),
    ("credential", "\\u-escaped Chinese", "#2 ", ESCAPED),
    (
        "credential",
        "sorted keys",
        "#1 ",
        "key-order: upstream ['_status', '_trackId', 'code', 'data', 'extr', 'message', 'ok', 'timestamp']",
    ),
    ("credential", "Content-Type without charset", "#1 ", NO_CHARSET),
    ("credential", "500 on malformed input", "#7 ", CRASHED),
]

#: What drift tells, besides, of the token a drifted call sent: its age and whether a newer one
#: had come (provider, deviant) → the note.
TOLD: dict[tuple[str, str], str] = {
    (
        "itrigger",
        "token not overwritten",
    ): "the token sent: <token:1>, given at #1 0 s before, then a newer one at #3",
    ("itrigger", "token lives 1 hour"): "the token sent: <token:2>, given at #3 1 h 30 min before",
    ("credential", "token lives 3 hours"): "the token sent: <token:2>, given at #4 2 h 30 min before",
    (
        "credential",
        "a new token overwrites the old",
    ): "<token:1>, given at #1 0 s before, then a newer one at #4",
    (
        "sugon",
        "renewal allowed 25 h after expiry",
    ): "the token sent: <token:1>, given at #1 48 h 1 min before",
    ("atrip", "portal token lives 10 minutes"): "the token sent: <token:1>, given at #1 29 min before",
}

#: (provider, deviant, why no recording shows it).
UNSEEN: list[tuple[str, str, str]] = [
    (
        "sugon",
        "frozen user's tokens still work",
        "the user is frozen on the upstream between two requests, through its admin: nothing in "
        "the traffic says so, and the replay's stand-in is not frozen then",
    ),
]


def record_probe(slug: str, deviant: Deviant, out: Path) -> None:
    """The provider's probe, through the recorder, from the deviating server; the cassette's
    times moved as its clock was."""
    with serving(slug, deviant) as url:
        listed = requests.get(f"{url}/__admin/providers", timeout=30).json()["providers"]
        with recording(url, out, "--provider", slug) as recorder:
            probe = Probe(recorder.url, upstream=url)
            PROBES[slug](probe, listed[0]["credentials"])
            assert recorder.stop()[0] == 0
    moved(out, probe.shifts)


def drifted(out: str) -> dict[str, str]:
    """Each drifted exchange's line (`DRIFT  #3  GET /path`) with what drift said of it."""
    return dict(re.findall(r"^DRIFT +(#\d+ +\S+ \S+)\n +(.+)$", out, re.MULTILINE))


def test_every_deviant_is_shown_or_said_why_not() -> None:
    listed = [(slug, name) for slug, name, *_ in SHOWN] + [(slug, name) for slug, name, _ in UNSEEN]
    assert sorted(listed) == sorted((slug, name) for slug in SLUGS for name in DEVIANTS[slug])


@pytest.mark.parametrize("slug", SLUGS)
def test_the_probe_on_our_own_mock_gives_no_drift(
    slug: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassette = tmp_path / "probe.jsonl"
    record_probe(slug, Deviant("none", ""), cassette)
    code, out = drift(cassette, capsys)
    assert code == 0, out


@pytest.mark.parametrize(
    ("slug", "name", "where", "shown"), SHOWN, ids=[f"{slug}: {name}" for slug, name, *_ in SHOWN]
)
def test_a_deviating_server_shows_its_deviation(
    slug: str, name: str, where: str, shown: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassette = tmp_path / "deviant.jsonl"
    record_probe(slug, DEVIANTS[slug][name], cassette)
    report = tmp_path / "drift.md"
    code, out = drift(cassette, capsys, "--report", str(report))
    assert code == 1, out
    said = [text for exchange, text in drifted(out).items() if where in f"{exchange} "]
    assert any(shown in text and TOLD.get((slug, name), "") in text for text in said), out
    written = report.read_text(encoding="utf-8")
    assert written.startswith(f"# Drift from the recording: {slug}")
    assert re.search(r"^Result: \d+ the same, [1-9]\d* drifted, 0 not applicable$", written, re.M), written
    assert f"Difference: {shown}" in written or f"; {shown}" in written
    # each difference names the spec's rule it touches, and where the rule comes from: the
    # envelope's for its media type, escaping and key order, the answer's for the rest
    assert re.search(r"Rule \((doc|public|decided)(/(doc|public|decided))?\): \S", written), written
    reasons = "\n".join(drifted(out).values())
    envelope = re.search(r"(^|; )(content-type|content-encoding|escaping|key-order): ", reasons, re.M)
    if "no documented operation" not in written:  # the ATRIP portal page is no API the spec has
        assert ("The envelope: " in written) == bool(envelope), written
    # a difference on a [decided] rule, and only there, proposes to change the decision
    for row in re.findall(r"^\| DRIFT \|.*$", written, re.M):
        source, reason = [cell.strip() for cell in row.split(" | ")[3:5]]
        proposed = "[decided]: this proposes to change the decision" in reason
        assert proposed == ("decided" in source.split("/")), row
