"""The timeline's model (GET /__admin/timeline) from real client runs on the session's server,
its bounds with thousands of journal entries, and the audit's HTML report that embeds it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask

from provider_mocks import Mocks, create_app, get_mocks
from provider_mocks.cli import main
from provider_mocks.core import timeline
from provider_mocks.core.journal import Entry, Exchange, Journal
from provider_mocks.testing.pytest_plugin import ProviderMock
from tests.clients import itrigger, sugon
from tests.clients.providers import FEISHU, ITRIGGER, PROVIDERS, SUGON, Provider

MockOf = Callable[[str], ProviderMock]
#: Where the runs begin on the virtual clock.
START = datetime(2026, 3, 2, tzinfo=UTC).timestamp()


def admin(mock: ProviderMock) -> str:
    """The admin API of the mock's server (a prefixed provider's base URL is under `/<slug>`)."""
    parts = urlsplit(mock.base_url)
    return f"{parts.scheme}://{parts.netloc}/__admin"


def model(mock: ProviderMock, **params: Any) -> dict[str, Any]:
    answer = requests.get(f"{admin(mock)}/timeline", params=params, timeout=30)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def row_of(found: dict[str, Any], mock: ProviderMock, key: str) -> int:
    """The row of the mock's credential (its `key` field)."""
    rows = [(r["provider"], r["credential"]) for r in found["rows"]]
    return rows.index((mock.slug, mock.credentials[key]))


def ids(mock: ProviderMock, **facts: Any) -> list[int]:
    """The journal ids of the mock's requests whose facts include `facts`."""
    return [e["id"] for e in mock.journal() if facts.items() <= e["facts"].items()]


def naive_overwrite(mock: ProviderMock) -> tuple[str, int, int]:
    """A client keeping its token while a second server fetches one for the same app: the old
    token, the fetch that overwrote it, and the call that used it after."""
    mock.clock.freeze()
    mock.clock.set(START)
    first = ITRIGGER.client(mock, itrigger.IgnoresExpiry)
    assert first.call("GET", itrigger.GET_API)["code"] == 200
    mock.clock.advance(600)
    second = ITRIGGER.client(mock)
    assert second.call("GET", itrigger.GET_API)["code"] == 200
    mock.clock.advance(600)
    assert first.call("GET", itrigger.GET_API)["code"] == itrigger.TOKEN_INVALID
    old = first.token()
    return old, ids(mock, kind="fetch")[1], ids(mock, token=old, token_state="overwritten")[0]


def test_an_overwritten_token_is_cut_where_the_next_fetch_came(itrigger_mock: ProviderMock) -> None:
    old, overwriting, late_call = naive_overwrite(itrigger_mock)
    found = model(itrigger_mock)
    row = row_of(found, itrigger_mock, "appId")
    cut, new = [b for b in found["bars"] if b["row"] == row]
    assert cut["token"] == old
    assert cut["cut"] == {"at": START + 600, "entry": overwriting, "reason": "overwritten"}
    assert (cut["start"], cut["end"], cut["expires"]) == (START, START + 600, START + 7200)
    assert (new["start"], new["cut"], new["expires"]) == (START + 600, None, START + 7800)
    assert new["lane"] == cut["lane"]  # one after the other
    on_the_call = [m for m in found["markers"] if m["entry"] == late_call]
    assert {m["kind"] for m in on_the_call} == {"violation", "refusal"}
    violation = next(m for m in on_the_call if m["kind"] == "violation")
    assert violation["at"] == START + 1200
    assert (violation["severity"], violation["lane"]) == ("error", cut["lane"])
    assert any(f.startswith("[error] overwritten-token-used: ") for f in violation["findings"])
    assert f"accessToken={old}" in violation["request"]
    assert violation["answer"].startswith('200 {"code":401,')


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.slug)
def test_every_providers_token_is_a_bar_to_its_expiry(provider: Provider[Any], provider_mock: MockOf) -> None:
    """Each provider's model notes when the token it answers expires, and the call is on its bar."""
    mock = provider_mock(provider.slug)
    mock.clock.freeze()
    mock.clock.set(START)
    assert provider.answered(provider.client(mock), 0) == provider.expected(0)
    found = model(mock, provider=provider.slug)
    [bar] = found["bars"]
    expires = START + provider.lifetime
    assert (bar["start"], bar["expires"], bar["end"], bar["cut"]) == (START, expires, expires, None)
    assert [(m["kind"], m["lane"]) for m in found["markers"]] == [
        ("fetch", bar["lane"]),
        ("call", bar["lane"]),
    ]


def test_a_sugon_renewal_is_joined_to_the_token_it_renewed(sugon_mock: ProviderMock) -> None:
    sugon_mock.clock.freeze()
    sugon_mock.clock.set(START)
    client = SUGON.client(sugon_mock)
    assert client.call("GET", sugon.STATE)["code"] == "0"
    sugon_mock.clock.advance(23.5 * 3600)  # inside the client's margin: it renews first
    assert client.call("GET", sugon.STATE)["code"] == "0"
    assert client.renewals == 1
    found = model(sugon_mock)
    first, renewed = found["bars"]
    assert (first["start"], first["expires"], first["cut"]) == (START, START + 86400, None)
    assert renewed["renews"] == 0
    assert renewed["start"] == START + 23.5 * 3600
    assert renewed["lane"] != first["lane"]  # both live for a while
    assert found["windows"][0] == {
        "bar": 0,
        "start": START + 86400,
        "end": START + 2 * 86400,
        "label": "renewable for 24 h after expiry",
    }
    assert sorted(m["kind"] for m in found["markers"]) == ["call", "call", "fetch", "renew"]


def test_feishus_renewal_window_is_its_last_30_minutes(feishu_mock: ProviderMock) -> None:
    feishu_mock.clock.freeze()
    feishu_mock.clock.set(START)
    client = FEISHU.client(feishu_mock)
    client.call()
    feishu_mock.clock.advance(7200 - 600)  # the client's margin: a new token comes back
    client.call()
    found = model(feishu_mock)
    first, renewed = found["bars"]
    assert renewed["renews"] == 0
    assert first["cut"] is None  # the old one lives on
    assert first["end"] == START + 7200
    label = "renewal: a fetch in the last 30 min gets a new token"
    assert {"bar": 0, "start": START + 5400, "end": START + 7200, "label": label} in found["windows"]


def test_a_suspended_region_cuts_its_token(sugon_mock: ProviderMock) -> None:
    """A login's region token is drawn once a call presents it; suspending the region cuts it."""
    sugon_mock.clock.freeze()
    sugon_mock.clock.set(START)
    client = SUGON.client(sugon_mock)
    region = client.regions()[0]
    assert client.call("GET", sugon.CENTER, region)["code"] == "0"
    token = client.token(region)
    sugon_mock.clock.advance(3600)
    base, user = sugon_mock.base_url, sugon_mock.credentials["user"]
    changed = requests.patch(f"{base}/__admin/sugon/users/{user}", json={"suspended": [region]}, timeout=10)
    assert changed.status_code == 200, changed.text
    assert client.request("GET", sugon.CENTER, token)["code"] == sugon.EXPIRED  # 权限不足
    found = model(sugon_mock)
    platform, bar = found["bars"]  # the login's other region tokens, which no call presented, are not
    assert platform["token"] == client.token(sugon.PLATFORM)
    assert (bar["token"], bar["start"], bar["expires"]) == (token, START, START + 86400)
    assert bar["cut"] == {"at": START + 3600, "entry": ids(sugon_mock)[-1], "reason": "suspended"}
    assert [m["kind"] for m in found["markers"]] == ["fetch", "call", "limit"]


OVERLAPS = [
    pytest.param(
        "itrigger",
        {"overwrite_grace": 300},
        "/itrigger-tenant/v1/basic/accessTokenOpen/token",
        lambda demo: {"appId": demo["appId"], "appSecret": demo["appSecret"]},
        "overwritten, still working",
        id="itrigger's overwrite_grace",
    ),
    pytest.param(
        "wechat",
        {},
        "/wechat/cgi-bin/token",
        lambda demo: {"grant_type": "client_credential", "appid": demo["appid"], "secret": demo["secret"]},
        "replaced, still working",
        id="wechat's 5 minutes",
    ),
]


@pytest.mark.parametrize(("slug", "settings", "path", "query", "label"), OVERLAPS)
def test_a_replaced_tokens_overlap_is_shaded_and_then_it_is_cut(
    slug: str,
    settings: dict[str, Any],
    path: str,
    query: Callable[[dict[str, Any]], dict[str, str]],
    label: str,
) -> None:
    """The old token works on for its seconds after a newer fetch, shaded, then stops."""
    app = create_app({slug: {"settings": settings}}, providers=[slug])
    mocks = get_mocks(app)
    mocks.clock.freeze()
    mocks.clock.set(START)
    http = app.test_client()
    demo = mocks.model(slug).demo_credentials()["demo"]
    for _ in range(2):
        assert http.get(path, query_string=query(demo)).status_code == 200
        mocks.clock.advance(600)
    found = mocks.timeline()
    old = found["bars"][0]
    assert old["cut"]["at"] == START + 600
    assert old["end"] == START + 900
    assert found["windows"] == [{"bar": 0, "start": START + 600, "end": START + 900, "label": label}]
    assert found["bars"][1]["lane"] != old["lane"]


def test_limits_and_faults_are_marked_on_the_credentials_row(itrigger_mock: ProviderMock) -> None:
    base = itrigger_mock.base_url
    rule = {"provider": "itrigger", "operation": "token", "action": {"type": "error", "code": 40004}}
    assert requests.post(f"{base}/__admin/faults", json=rule, timeout=10).status_code == 201
    client = ITRIGGER.client(itrigger_mock, itrigger.RetriesAtOnce)
    client.token()  # the fault, then a token at once
    tenant = itrigger_mock.credentials["tenant"]
    requests.patch(f"{base}/__admin/itrigger/tenants/{tenant}", json={"daily_limit": 0}, timeout=10)
    with pytest.raises(RuntimeError, match="40004"):
        client.token()
    found = model(itrigger_mock, provider="itrigger")
    row = row_of(found, itrigger_mock, "appId")
    kinds = [m["kind"] for m in found["markers"] if m["row"] == row]
    assert sorted(set(kinds)) == ["fault", "fetch", "limit", "violation"]
    findings = [f for m in found["markers"] if m["kind"] == "violation" for f in m["findings"]]
    assert findings
    assert all("retry-without-backoff" in f for f in findings)


def test_the_axis_follows_the_clock_and_a_span_windows_it(itrigger_mock: ProviderMock) -> None:
    naive_overwrite(itrigger_mock)
    before = model(itrigger_mock)
    assert before["now"] == START + 1200
    assert before["start"] == START
    assert before["end"] == pytest.approx(START + 1200 * (1 + timeline.AHEAD))
    itrigger_mock.clock.advance(7200)
    after = model(itrigger_mock)
    assert after["now"] == START + 8400
    recent = model(itrigger_mock, span=600)
    assert recent["start"] == START + 7800
    assert recent["markers"] == []  # nothing happened in the last 10 minutes...
    assert [b["start"] for b in recent["bars"]] == [START + 600]  # ...but a token still lived


def test_thousands_of_entries_stay_bounded_and_are_digested_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client fetching for every call, 3000 requests: tokens too short to see are runs, what is
    drawn is capped, and each entry is digested once, not at each poll."""
    app = create_app(providers=["itrigger"])
    mocks = get_mocks(app)
    mocks.clock.freeze()
    mocks.clock.set(START)
    run_fetch_per_call(app, mocks, 1500)
    digested: list[int] = []
    real = timeline.digest

    def counted(entry: Entry) -> timeline.Digest | None:
        digested.append(entry["id"])
        return real(entry)

    monkeypatch.setattr(timeline, "digest", counted)
    found = mocks.timeline()
    assert len(digested) == 3000
    size = len(json.dumps(found))
    assert size < 1_000_000, size
    assert len(found["bars"]) <= timeline.MAX_BARS
    assert len(found["markers"]) <= timeline.MAX_MARKERS
    assert sum(b["count"] for b in found["bars"]) == 1500  # every token, most in runs
    assert max(b["count"] for b in found["bars"]) > 1
    mocks.timeline()
    assert len(digested) == 3000  # the second poll digested nothing again


def run_fetch_per_call(app: Flask, mocks: Mocks, calls: int) -> None:
    """`calls` calls of one app, each with a token fetched for it, a second of virtual time apart."""
    http = app.test_client()
    demo = mocks.model("itrigger").demo_credentials()["demo"]
    for _ in range(calls):
        answer = http.get(
            "/itrigger-tenant/v1/basic/accessTokenOpen/token",
            query_string={"appId": demo["appId"], "appSecret": demo["appSecret"]},
        )
        token = json.loads(answer.data)["data"]["accessToken"]
        http.get(itrigger.GET_API, query_string={"accessToken": token})
        mocks.clock.advance(1)


def test_digests_follow_the_journal_as_it_drops_and_starts_over() -> None:
    """Polled as the journal fills, drops its oldest and is cleared, the digests are those of the
    journal as it is; a journal that numbers from 1 again (a store that lost it) is read afresh."""
    journal, polled = Journal(size=5), timeline.Timeline()

    def fresh() -> list[timeline.Digest]:
        return timeline.Timeline().digests(journal.read())

    for i in range(12):
        journal.keep(exchange(i, token=f"t{i}"))
        if i % 3 == 0:
            assert polled.digests(journal.read()) == fresh()
        if i == 7:
            journal.clear()
    assert polled.digests(journal.read()) == fresh()
    assert [d.token for d in fresh()] == ["t8", "t9", "t10", "t11"]
    again = Journal(size=5)  # numbered from 1, received at other times
    for i in range(3):
        again.keep(exchange(100 + i, token=f"u{i}"))
    assert [d.token for d in polled.digests(again.read())] == ["u0", "u1", "u2"]


def exchange(received: float, **facts: Any) -> Exchange:
    return Exchange(
        time=datetime.fromtimestamp(START + received, UTC),
        received=received,
        provider="itrigger",
        operation="token",
        environ={"REQUEST_METHOD": "GET", "PATH_INFO": "/token"},
        body=b"",
        status=200,
        response=b"{}",
        facts={"kind": "fetch", "credential": "a", **facts},
        fault=None,
    )


def test_the_routes_refuse_what_they_cannot_show(base_url: str, http: requests.Session) -> None:
    for params, status, words in (
        ({"span": "0"}, 400, "span: give the seconds"),
        ({"span": "nan"}, 400, "span: give the seconds"),
        ({"provider": "nowhere"}, 404, "'nowhere' is not mounted"),
    ):
        answer = http.get(f"{base_url}/__admin/timeline", params=params)
        assert (answer.status_code, words in answer.json()["error"]) == (status, True), answer.text
    missing = http.get(f"{base_url}/__admin/requests/12345")
    assert missing.status_code == 404
    assert "request #12345 is not in the journal" in missing.json()["error"]


def test_a_journal_entry_is_read_by_its_id(itrigger_mock: ProviderMock) -> None:
    _, overwriting, _ = naive_overwrite(itrigger_mock)
    entry = requests.get(f"{itrigger_mock.base_url}/__admin/requests/{overwriting}", timeout=10).json()
    assert entry["id"] == overwriting
    assert entry["facts"]["overwrites"] == entry["facts"]["replaced"]


def test_the_audit_report_embeds_the_timeline_and_the_entries_it_names(
    itrigger_mock: ProviderMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, overwriting, late_call = naive_overwrite(itrigger_mock)
    report = tmp_path / "audit.html"
    assert main(["audit", "--base-url", itrigger_mock.base_url, "--report", str(report)]) == 1
    assert f"report: {report}" in capsys.readouterr().out
    text = report.read_text(encoding="utf-8")
    embedded = re.search(r'<script type="application/json" id="timeline-model">(.*?)</script>', text, re.S)
    assert embedded is not None
    assert json.loads(embedded.group(1)) == model(itrigger_mock)  # the clock is frozen: the same
    assert f"<script>\n{timeline.script()}</script>" in text  # the dashboard's script, as it is
    for entry in (overwriting, late_call):
        assert f'<details id="entry-{entry}">' in text
    assert "overwritten-token-used" in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)  # nothing loaded from elsewhere


def test_the_audit_report_must_be_html(base_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--base-url", base_url, "--report", "audit.md"]) == 2
    assert "audit.md: give a .html or .htm file" in capsys.readouterr().err
