"""`provider-mocks verify`: progress, exit status, reports, and targets that are not our mocks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import pytest

from provider_mocks.cli import main
from provider_mocks.contracts.fuzz import fuzz
from provider_mocks.contracts.target import load_credentials, open_target
from provider_mocks.core.server import LiveServer
from provider_mocks.providers.itrigger.models import demo_set

from .deviants import Deviant, replaced_text, serving


def test_verify_our_mock_passes_and_writes_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    md, xml = tmp_path / "report.md", tmp_path / "junit.xml"
    assert main(["verify", "itrigger", "--examples", "3", "--report", str(md), "--junit-xml", str(xml)]) == 0
    out = capsys.readouterr().out
    assert "pass  token.40003.frozen  A frozen app's fetch answers 40003" in out
    assert "0 failed, 0 not applicable" in out
    assert (
        "| pass | `token.overwrite` Fetching a new token makes the previous one stop working |"
        in md.read_text()
    )
    suite = ET.parse(xml).getroot()
    assert suite.get("failures") == "0"
    assert int(suite.get("tests", "0")) >= 20


def test_verify_a_deviating_server_fails_with_the_evidence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deviant = Deviant("frozen message", "", rewrite=replaced_text("应用appId已被冻结", "应用已冻结"))
    html, xml = tmp_path / "report.html", tmp_path / "junit.xml"
    with serving("itrigger", deviant) as url:
        code = main(
            [
                "verify",
                "itrigger",
                "--base-url",
                url,
                "--examples",
                "0",
                "--report",
                str(html),
                "--junit-xml",
                str(xml),
            ]
        )
    assert code == 1
    out = capsys.readouterr().out
    assert "FAIL  token.40003.frozen" in out
    assert 'message is "应用已冻结", documented "应用appId已被冻结"' in out
    page = html.read_text()
    assert "Rule (doc): 返回码 40003: 应用appId已被冻结" in page
    assert "GET " + url + "/itrigger-tenant/v1/basic/accessTokenOpen/token?appId=" in page  # the request
    assert "{&quot;code&quot;:40003,&quot;message&quot;:&quot;应用已冻结&quot;,&quot;data&quot;:null}" in page
    failures = ET.parse(xml).getroot().findall("testcase/failure")
    assert len(failures) == 1
    assert (
        failures[0].get("message", "").startswith('message is "应用已冻结", documented "应用appId已被冻结"')
    )


def test_a_server_without_the_admin_api_gets_not_applicable_with_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A partner's server: credentials from a file, clock-moving cases reported as not applicable."""
    from provider_mocks import create_app

    app = create_app(providers=["itrigger"])
    app.wsgi_app = HideAdmin(app.wsgi_app)  # type: ignore[method-assign]
    demo = demo_set()[1]["demo"][0]
    creds = tmp_path / "creds.toml"
    creds.write_text(f'[itrigger.demo]\nappId = "{demo.app_id}"\nappSecret = "{demo.app_secret}"\n')
    with LiveServer(app) as server:
        code = main(
            ["verify", "itrigger", "--base-url", server.url, "--credentials", str(creds), "--examples", "0"]
        )
    out = capsys.readouterr().out
    assert code == 0
    assert "n/a   token.lifetime.2h" in out
    assert "needs the mock admin API (moving the clock, creating or freezing credentials)" in out
    assert "n/a   token.40003.frozen" in out
    assert "no 'frozen' credential for itrigger was given" in out
    assert "pass  token.overwrite" in out


class HideAdmin:
    """A server that is not one of our mocks: /__admin answers 404."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if str(environ.get("PATH_INFO", "")).startswith("/__admin"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not here"]
        return self.app(environ, start_response)


def test_credentials_from_the_environment() -> None:
    found = load_credentials(
        "itrigger",
        None,
        {
            "PROVIDER_MOCKS_ITRIGGER_GET_ONLY_appId": "a",
            "PROVIDER_MOCKS_ITRIGGER_GET_ONLY_appSecret": "s",
            "PROVIDER_MOCKS_SUGON_DEMO_user": "x",
        },
    )
    assert found == {"get_only": {"appId": "a", "appSecret": "s"}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verify", "itrigger", "--report", "r.txt"], "r.txt: give a .md or .html or .htm file"),
        (["verify", "itrigger", "--junit-xml", "r.json"], "r.json: give a .xml file"),
        (
            ["verify", "itrigger", "--base-url", "http://127.0.0.1:9", "--credentials", "/nonexistent.toml"],
            "cannot read credentials /nonexistent.toml",
        ),
    ],
)
def test_usage_errors_are_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_property_run_catches_an_undocumented_error_code() -> None:
    deviant = Deviant("40001 renumbered", "", rewrite=replaced_text('"code":40001', '"code":40010'))
    with serving("itrigger", deviant) as url, open_target("itrigger", url) as target:
        results = fuzz(target, max_examples=10)
    failed = {r.id: r.reason for r in results if r.outcome == "fail"}
    assert "property.GET /itrigger-tenant/v1/basic/accessTokenOpen/token.negative" in failed
    assert all("Response violates schema" in reason for reason in failed.values()), failed
