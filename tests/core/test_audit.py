"""The audit: rule registry, spec checks of requests, /__admin/violations, and `provider-mocks audit`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from provider_mocks import create_app, get_mocks
from provider_mocks.cli import main
from provider_mocks.core import audit
from provider_mocks.core.checks import AuditSettings, Check, Violation, rule, ruleset
from provider_mocks.core.journal import Entry, Exchange, Journal
from provider_mocks.core.plugins import load
from provider_mocks.core.rules import RULES
from provider_mocks.core.server import LiveServer
from tests import support

TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
POST_API = "/itrigger-tenant/v1/basic/openAPItest/test/post"
GET_API = "/itrigger-tenant/v1/basic/openAPItest/test/get"


demo = partial(support.demo, "itrigger")


def token(http: requests.Session, base_url: str) -> str:
    creds = demo(http, base_url)
    answer = http.get(f"{base_url}{TOKEN}", params={"appId": creds["appId"], "appSecret": creds["appSecret"]})
    value: str = answer.json()["data"]["accessToken"]
    return value


def violations(http: requests.Session, base_url: str, **params: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = http.get(f"{base_url}/__admin/violations", params=params).json()[
        "violations"
    ]
    return found


def test_a_rule_without_explanation_or_with_a_bad_severity_is_refused() -> None:
    class silent(Check):
        def see(self, entry: Entry) -> None:
            pass

    with pytest.raises(ValueError, match="docstring"):
        rule("test-silent", severity="error", source="x")(silent)
    with pytest.raises(ValueError, match="severity"):
        rule("test-bad", severity="fatal", source="x")
    with pytest.raises(ValueError, match="documentation"):
        rule("test-nosource", severity="error", source="")
    assert "test-silent" not in RULES


def test_a_rule_id_is_taken_once() -> None:
    with pytest.raises(ValueError, match="audit rule 'refetch-while-valid' is registered twice"):
        RULES.merged(ruleset(*(r.check for r in RULES)))


def test_a_conformant_client_has_no_violations(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    http.get(f"{base_url}{GET_API}", params={"accessToken": access, "any": "thing"})  # GET takes any params
    http.post(f"{base_url}{POST_API}", params={"accessToken": access}, json={"k": 1})
    assert violations(http, base_url) == []


def test_spec_violations_name_the_request(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    http.get(f"{base_url}{TOKEN}", params={"appId": "x"})  # appSecret is required
    http.post(f"{base_url}{POST_API}", params={"accessToken": access, "orderNo": "A1"}, json={})
    found = violations(http, base_url, provider="itrigger")
    first = http.get(f"{base_url}/__admin/requests").json()["requests"][0][
        "id"
    ]  # ids keep rising across resets
    assert [(v["rule"], v["requests"]) for v in found] == [
        ("request-spec", [first + 1]),
        ("request-spec", [first + 2]),
    ]
    assert "appSecret" in str(found[0]["message"])
    assert "orderNo" in str(found[1]["message"])
    assert found[1]["source"] == "specs/itrigger.yaml"


def test_paths_the_spec_lacks_are_not_judged(http: requests.Session, base_url: str) -> None:
    http.get(f"{base_url}/itrigger-bff/v2/open/api/anything", params={"accessToken": "x", "y": "z"})
    assert [v["rule"] for v in violations(http, base_url)] == []


def test_violations_filter_by_credential_and_provider(http: requests.Session, base_url: str) -> None:
    token(http, base_url)
    token(http, base_url)
    creds = demo(http, base_url)
    assert [v["rule"] for v in violations(http, base_url, credential=creds["appId"])] == [
        "refetch-while-valid"
    ]
    assert violations(http, base_url, credential="someone-else") == []
    assert http.get(f"{base_url}/__admin/violations", params={"provider": "nope"}).status_code == 404


def test_rules_are_listed(http: requests.Session, base_url: str) -> None:
    listed = {r["id"]: r for r in http.get(f"{base_url}/__admin/rules").json()["rules"]}
    assert {
        "refetch-while-valid",
        "overwritten-token-used",
        "no-refresh-after-invalid",
        "retry-without-backoff",
        "request-id-reused",
        "request-id-missing",
        "renewal-after-window",
        "accept-not-any",
    } <= set(listed)
    assert listed["request-id-reused"]["providers"] == ["credential"]
    assert (listed["request-id-missing"]["providers"], listed["request-id-missing"]["severity"]) == (
        ["credential"],
        "warning",
    )
    assert (listed["accept-not-any"]["providers"], listed["accept-not-any"]["severity"]) == (
        ["atrip"],
        "warning",
    )
    assert all(r["explanation"] and r["source"] for r in listed.values())


def credential_call(headers: dict[str, str]) -> list[tuple[str, str]]:
    """The violations of one credential business call with a live token and `headers`."""
    app = create_app(providers=["credential"])
    client, creds = app.test_client(), get_mocks(app).model("credential").demo_credentials()["demo"]
    fetched = client.post(
        "/openapi/auth/credential",
        query_string={"clientId": creds["clientId"], "secret": creds["secret"], "userType": "2"},
    )
    answer = client.post(
        "/openapi/demo/echo", headers={"Access-Token": fetched.get_json()["data"], **headers}
    )
    assert answer.get_json()["code"] == 200, answer.text
    return [(v.rule, v.severity) for v in get_mocks(app).violations()]


def atrip_request(accept: str | None) -> list[tuple[str, str]]:
    """The violations of one ATRIP token request with `accept` (None: no Accept header)."""
    app = create_app(providers=["atrip"])
    creds = get_mocks(app).model("atrip").demo_credentials()["demo"]
    headers = {key: creds[key] for key in ("x-atlas-client-id", "x-atlas-client-secret")}
    headers |= {"Accept-Encoding": "identity"} | ({} if accept is None else {"Accept": accept})
    answer = app.test_client().post(
        "/getAtripToken.do",
        json={"orderNo": "TK1", "userName": "Li Wei", "role": "Admin"},
        headers=headers,
    )
    assert answer.get_json()["status"] == 0, answer.text
    return [(v.rule, v.severity) for v in get_mocks(app).violations()]


@pytest.mark.parametrize(
    ("send", "found"),
    [
        (partial(credential_call, {"Request-Id": "r-1"}), []),
        (partial(credential_call, {}), [("request-id-missing", "warning")]),
        (partial(credential_call, {"Request-Id": ""}), [("request-id-missing", "warning")]),
        (partial(atrip_request, "*/*"), []),
        (partial(atrip_request, "application/json"), [("accept-not-any", "warning")]),
        (partial(atrip_request, "application/json, text/plain, */*"), [("accept-not-any", "warning")]),
        (partial(atrip_request, None), [("request-spec", "error")]),  # the spec's required header only
    ],
    ids=[
        "credential Request-Id sent",
        "credential no Request-Id",
        "credential empty Request-Id",
        "atrip Accept */*",
        "atrip Accept JSON",
        "atrip Accept list",
        "atrip no Accept",
    ],
)
def test_expected_headers_are_warned_once(
    send: Callable[[], list[tuple[str, str]]], found: list[tuple[str, str]]
) -> None:
    """An expected header left out, or an Accept clients say Atlas refuses: one warning, no spec error."""
    assert send() == found


def test_min_backoff_is_configurable() -> None:
    app = create_app({"server": {"audit": {"min_backoff": 0}}}, providers=["itrigger"])
    client, model = app.test_client(), get_mocks(app).model("itrigger")
    creds = model.fresh_credentials()
    client.patch(f"/__admin/itrigger/tenants/{creds['tenant']}", json={"daily_limit": 0})
    for _ in range(2):
        client.get(TOKEN, query_string={"appId": creds["appId"], "appSecret": creds["appSecret"]})
    assert get_mocks(app).violations() == []
    strict = create_app(providers=["itrigger"])
    client, model = strict.test_client(), get_mocks(strict).model("itrigger")
    creds = model.fresh_credentials()
    client.patch(f"/__admin/itrigger/tenants/{creds['tenant']}", json={"daily_limit": 0})
    for _ in range(2):
        client.get(TOKEN, query_string={"appId": creds["appId"], "appSecret": creds["appSecret"]})
    assert [v.rule for v in get_mocks(strict).violations()] == ["retry-without-backoff"]


def test_audit_command_reports_and_fails_on_errors(
    http: requests.Session, base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--base-url", base_url]) == 0
    assert capsys.readouterr().out.strip() == "no violations"
    access = token(http, base_url)
    http.post(f"{base_url}{POST_API}", params={"accessToken": access, "orderNo": "A1"}, json={})
    assert main(["audit", "--base-url", base_url, "--provider", "itrigger"]) == 1
    out = capsys.readouterr().out
    assert "1 violation(s):" in out
    assert "[error] request-spec (itrigger): POST /itrigger-tenant/v1/basic/openAPItest/test/post" in out
    assert f"POST {POST_API}?accessToken={access}&orderNo=A1 -> 200" in out
    assert "documentation: specs/itrigger.yaml" in out


def test_audit_command_needs_a_mock(capsys: pytest.CaptureFixture[str]) -> None:
    from flask import Flask

    with LiveServer(Flask("not-a-mock")) as server:
        assert main(["audit", "--base-url", server.url]) == 2
    err = capsys.readouterr().err
    assert "is not a provider-mocks server with an admin API" in err
    assert "Traceback" not in err


def test_identical_requests_are_judged_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client repeating one call: the spec check runs once for all of them, with the same findings."""
    provider = load("itrigger")
    auditor = audit.Auditor({"itrigger": provider}, AuditSettings())
    calls: list[int] = []
    real = audit.spec_problems

    def counting(found: Any, entry: dict[str, Any]) -> list[str]:
        calls.append(entry["id"])
        return real(found, entry)

    monkeypatch.setattr(audit, "spec_problems", counting)
    entry = {
        "provider": "itrigger",
        "method": "GET",
        "path": "/itrigger-tenant/v1/basic/accessTokenOpen/token",
        "query": {"appId": ["a"]},
        "headers": {"Host": "x"},
        "body": "",
        "facts": {},
    }
    entries = [{"id": i, **entry} for i in range(1, 51)]
    found = [v for v in auditor.violations(entries) if v.rule == "request-spec"]
    assert calls == [1]
    assert len(found) == 50
    assert {v.message for v in found} == {found[0].message}


# -- the audit is incremental ------------------------------------------------------------------

PROVIDERS = {slug: load(slug) for slug in ("itrigger", "credential", "sugon", "atrip")}
TOKENS = st.sampled_from(["t1", "t2", "t3", "t4"])

#: What models note, drawn from small pools so that the rules meet again the same credential,
#: token and Request-Id; every fact any rule reads.
FACTS = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["fetch", "renew", "call", "call"]),
        "credential": st.sampled_from(["c1", "c2", None]),
        "token": TOKENS,
        "token_state": st.sampled_from(["valid", "expired", "overwritten", "overwritten"]),
        "request_id": st.sampled_from(["", "r1", "r2"]),
    },
    optional={
        "replaced": TOKENS,
        "replaced_left": st.sampled_from([0, 100, 7000]),
        "replaced_lifetime": st.just(7200),
        "backoff": st.just(True),
        "renewal_window_passed": st.just(True),
        "legacy_role": st.just("admin"),
        "accept_not_any": st.just("application/json"),
    },
)
#: A request recorded, the journal cleared (a reset), or the audit asked for (a dashboard poll).
STEP = st.one_of(
    st.tuples(
        st.just("request"),
        st.sampled_from(["itrigger", "itrigger", "credential", "credential", "sugon", "atrip", None]),
        st.sampled_from(["token", "call"]),
        st.sampled_from([0.0, 0.2, 3.0]),
        FACTS,
    ),
    st.tuples(st.sampled_from(["clear", "audit"])),
)


def behaviour(found: list[Violation]) -> list[Violation]:
    return [v for v in found if v.rule != "request-spec"]


@settings(max_examples=300, deadline=None)
@given(
    size=st.integers(min_value=2, max_value=30),
    min_backoff=st.sampled_from([0.0, 1.0]),
    steps=st.lists(STEP, max_size=120),
)
def test_an_incremental_audit_finds_what_a_fresh_one_finds(
    size: int, min_backoff: float, steps: list[tuple[Any, ...]]
) -> None:
    """The audit a dashboard asks for every second, while the journal fills, drops its oldest
    entries and is cleared, finds at each poll what an audit of the journal from scratch finds;
    after its first poll it judges each entry as it is recorded, one in three handed over late
    (after the next, as another thread may), and some never (as another process's)."""
    journal = Journal(size)
    options = AuditSettings(min_backoff=min_backoff)
    polled = audit.Auditor(PROVIDERS, options)
    received, late = 0.0, list[tuple[int, Exchange]]()
    for step in [*steps, ("audit",)]:
        if step[0] == "request":
            _, provider, operation, later, facts = step
            received += later
            exchange = Exchange(
                time=datetime.fromtimestamp(received, UTC),
                received=received,
                provider=provider,
                operation=operation,
                environ={"REQUEST_METHOD": "GET", "PATH_INFO": "/nowhere"},
                body=b"",
                status=200,
                response=b"",
                facts=facts,
                fault=None,
            )
            entry_id = journal.keep(exchange)
            if entry_id % 3 == 0:
                late.append((entry_id, exchange))
            elif entry_id % 7:  # every seventh: another process's
                polled.recorded(entry_id, exchange)
                for held in late:
                    polled.recorded(*held)
                late.clear()
        elif step[0] == "clear":
            journal.clear()
        else:
            entries = journal.entries()
            found = behaviour(polled.violations(entries))
            assert found == behaviour(audit.Auditor(PROVIDERS, options).violations(entries))
            if entries:
                since = entries[len(entries) // 2]["id"]
                assert behaviour(polled.violations(entries, since=since)) == [
                    v for v in found if v.requests[-1] >= since
                ]


def fetches(count: int, first: int = 1) -> list[Entry]:
    """`count` refetches of one credential's token, each replacing the last while it was valid."""
    return [
        {
            "id": i,
            "provider": "itrigger",
            "operation": "token",
            "received": float(i),
            "facts": {"kind": "fetch", "credential": "c", "token": f"t{i}", "replaced": f"t{i - 1}"}
            | {"replaced_left": 7000, "replaced_lifetime": 7200},
            "method": "GET",
            "path": "/nowhere",
            "query": {},
            "headers": {},
            "body": "",
        }
        for i in range(first, first + count)
    ]


def test_each_rule_sees_each_entry_once() -> None:
    """Polled again, the audit looks at the new entries only, and forgets the dropped."""
    seen: list[int] = []

    @rule("test-counting", severity="warning", source="x")
    class Counting(Check):
        """Counts what it is shown."""

        def see(self, entry: Entry) -> None:
            seen.append(entry["id"])

    auditor = audit.Auditor(PROVIDERS, AuditSettings(), rules=RULES.merged(ruleset(Counting)))
    journal = fetches(300)
    auditor.violations(journal[:200])
    auditor.violations(journal[:200])
    found = auditor.violations(journal[100:])  # 100 new entries; the journal dropped 100
    assert seen == list(range(1, 301))
    assert [v.requests for v in found if v.rule == "refetch-while-valid"] == [
        (i - 1, i) for i in range(102, 301)
    ]


def request(id: int, provider: str, **facts: Any) -> Entry:
    return {"id": id, "provider": provider, "operation": "call", "received": float(id), "facts": facts} | {
        "method": "GET",
        "path": "/nowhere",
        "query": {},
        "headers": {},
        "body": "",
    }


def test_findings_name_only_requests_still_in_the_journal() -> None:
    """Once the journal drops a request a finding names, the finding reads as a fresh audit's."""
    journal = [
        request(1, "itrigger", kind="fetch", credential="a", token="t1"),
        request(2, "itrigger", kind="fetch", credential="b", token="t2", replaced="t1"),
        request(3, "credential", kind="call", credential="a", request_id="r1", token="x"),
        request(4, "credential", kind="call", credential="a", request_id="r1", token="x"),
        request(5, "itrigger", kind="call", credential="a", token="t1", token_state="overwritten"),
        request(6, "credential", kind="call", credential="a", request_id="r1", token="x"),
        request(7, "itrigger", kind="fetch", credential="a", token="t3"),
    ]
    auditor = audit.Auditor(PROVIDERS, AuditSettings())

    def found(entries: list[Entry]) -> list[tuple[str, tuple[int, ...], str]]:
        listed = [(v.rule, v.requests, v.message) for v in auditor.violations(entries)]
        fresh = audit.Auditor(PROVIDERS, AuditSettings()).violations(entries)
        assert listed == [(v.rule, v.requests, v.message) for v in fresh]
        return [v for v in listed if v[0] in ("overwritten-token-used", "request-id-reused")]

    assert found(journal) == [
        ("overwritten-token-used", (1, 2, 5), "a called with a token that request #2 had overwritten"),
        ("request-id-reused", (3, 4), "Request-Id 'r1' was already used by request #3"),
        ("request-id-reused", (3, 6), "Request-Id 'r1' was already used by request #3"),
    ]
    assert found(journal[1:]) == [
        ("overwritten-token-used", (2, 5), "a called with a token that request #2 had overwritten"),
        ("request-id-reused", (3, 4), "Request-Id 'r1' was already used by request #3"),
        ("request-id-reused", (3, 6), "Request-Id 'r1' was already used by request #3"),
    ]
    assert found(journal[3:]) == [
        ("request-id-reused", (4, 6), "Request-Id 'r1' was already used by request #4"),
        ("overwritten-token-used", (5,), "a called with a token that request #? had overwritten"),
    ]
    assert found(journal[4:]) == [
        ("overwritten-token-used", (5,), "a called with a token that request #? had overwritten"),
    ]


def test_a_journal_that_started_over_is_judged_afresh() -> None:
    """A shared store that lost its journal numbers it from 1 again: nothing seen before counts."""
    auditor = audit.Auditor(PROVIDERS, AuditSettings())
    assert len(auditor.violations(fetches(50))) == 49
    again = fetches(5)
    for entry in again:
        entry["received"] += 1000
    assert [v.requests for v in auditor.violations(again)] == [(1, 2), (2, 3), (3, 4), (4, 5)]


def test_violations_since_a_request(http: requests.Session, base_url: str) -> None:
    token(http, base_url)
    token(http, base_url)
    http.get(f"{base_url}{TOKEN}", params={"appId": "x"})  # appSecret is required
    first = http.get(f"{base_url}/__admin/requests").json()["requests"][0]["id"]
    assert [v["requests"] for v in violations(http, base_url)] == [[first, first + 1], [first + 2]]
    assert [v["requests"] for v in violations(http, base_url, since=str(first + 1))] == [
        [first, first + 1],
        [first + 2],
    ]
    assert [v["requests"] for v in violations(http, base_url, since=str(first + 2))] == [[first + 2]]
    assert violations(http, base_url, since=str(first + 3)) == []
    answer = http.get(f"{base_url}/__admin/violations", params={"since": "soon"})
    assert answer.status_code == 400
    assert "since" in answer.json()["error"]


def test_the_spec_of_requests_before_since_is_not_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    real = audit.spec_problems

    def counting(provider: Any, entry: Entry) -> list[str]:
        checked.append(entry["query"]["n"][0])
        return real(provider, entry)

    monkeypatch.setattr(audit, "spec_problems", counting)
    app = create_app(providers=["itrigger"])
    for n in range(5):
        app.test_client().get(TOKEN, query_string={"n": str(n)})
    first = get_mocks(app).journal.entries()[0]["id"]
    found = get_mocks(app).violations(since=first + 3)
    assert {v.requests for v in found} == {(first + 3,), (first + 4,)}
    assert checked == ["3", "4"]


@pytest.mark.parametrize(
    ("renew_window", "words"),
    [(86400, "more than 24 h ago"), (3600, "more than 1 h ago"), (90, "more than 90 s ago")],
)
def test_a_late_renewal_is_worded_with_the_configured_window(renew_window: int, words: str) -> None:
    config = load("sugon").model.config_type.model_validate({"settings": {"renew_window": renew_window}})
    auditor = audit.Auditor(PROVIDERS, AuditSettings(), {"sugon": config})
    (found,) = auditor.violations([request(1, "sugon", kind="renew", renewal_window_passed=True)])
    assert (found.rule, words in found.message) == ("renewal-after-window", True)


#: A process that froze what its start built (as `serve` does), audits 2,000 token refetches
#: (a finding each) and counts what the garbage collector still walks.
_COLLECTED = """
import gc, json, sys
from provider_mocks import create_app
app = create_app()
gc.freeze() if sys.argv[1] == "frozen" else None
client = app.test_client()
creds = client.get("/__admin/itrigger/apps").json["apps"][0]
url = "%s?appId=%s&appSecret=%s" % (sys.argv[2], creds["app_id"], creds["app_secret"])
for _ in range(2000):
    client.get(url)
found = len(client.get("/__admin/violations").json["violations"])
for _ in range(3):  # a kept finding nests three tuples deep: untracked one level a collection
    gc.collect()
print(json.dumps({"findings": found, "walked": len(gc.get_objects())}))
"""


def test_a_serve_process_keeps_the_audit_out_of_the_collectors_walks() -> None:
    """The validator's modules and spec are frozen with the rest of the start, and the findings
    kept are plain tuples the collector stops tracking: full collections stay short however
    many requests the audit judged. Without a freeze at start, nothing is frozen."""
    import json
    import subprocess
    import sys

    def run(mode: str) -> dict[str, int]:
        out = subprocess.run(
            [sys.executable, "-c", _COLLECTED, mode, TOKEN], capture_output=True, text=True, check=True
        ).stdout
        counts: dict[str, int] = json.loads(out)
        return counts

    frozen, plain = run("frozen"), run("plain")
    assert frozen["findings"] == plain["findings"] >= 1900
    assert frozen["walked"] < 1000
    assert plain["walked"] > 10_000
