"""The audit: rule registry, spec checks of requests, /__admin/violations, and `provider-mocks audit`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

import pytest
import requests

from provider_mocks import create_app, get_mocks
from provider_mocks.cli import main
from provider_mocks.core.audit import RULES, AuditSettings, Finding, rule
from provider_mocks.core.journal import Entry
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


def test_registry_refuses_a_rule_without_explanation_or_with_a_bad_severity() -> None:
    def silent(entries: Sequence[Entry], settings: AuditSettings) -> Iterator[Finding]:
        yield from ()

    with pytest.raises(ValueError, match="docstring"):
        rule("test-silent", severity="error", source="x")(silent)
    with pytest.raises(ValueError, match="severity"):
        rule("test-bad", severity="fatal", source="x")
    with pytest.raises(ValueError, match="documentation"):
        rule("test-nosource", severity="error", source="")
    assert "test-silent" not in RULES


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
    from provider_mocks.core import audit
    from provider_mocks.providers import load

    provider = load("itrigger")
    auditor = audit.Auditor({"itrigger": provider}, audit.AuditSettings())
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
