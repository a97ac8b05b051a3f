"""Drift: a cassette recorded through the real recorder, replayed on the mock in-process.

Recording our own mock gives no drift, whoever's credentials it was recorded with: the stand-ins
answer as the recorded credentials did (tests/drift/test_deviants.py: what a deviating server's
recording shows).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from provider_mocks import create_app
from provider_mocks.cli import main
from provider_mocks.core.server import LiveServer
from tests.drift.conftest import Upstream
from tests.drift.helpers import COMMAND, FLOWS, Credentials, Story, drift, recording
from tests.sugon.helpers import AKSK, key_headers


def record_flow(upstream: str, slug: str, out: Path, credentials: Credentials) -> None:
    with recording(upstream, out, "--provider", slug) as recorder:
        FLOWS[slug](Story(recorder.url), credentials)
        code, _ = recorder.stop()
    assert code == 0


@pytest.mark.parametrize("slug", ["atrip", "itrigger", "appauth", "sugon", "credential"])
def test_recording_our_own_mock_gives_no_drift(
    slug: str, upstream: Upstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassette = tmp_path / f"{slug}.jsonl"
    record_flow(upstream.url, slug, cassette, upstream.credentials(slug))
    code, out = drift(cassette, capsys, "--junit-xml", str(tmp_path / "drift.xml"))
    assert code == 0, out
    assert "DRIFT" not in out
    assert " 0 drifted" in out
    assert 'failures="0"' in (tmp_path / "drift.xml").read_text(encoding="utf-8")


def test_a_frozen_credential_and_a_wrong_secret_get_stand_ins_that_answer_alike(
    upstream: Upstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roles = upstream.credentials("itrigger")
    token = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
    cassette = tmp_path / "roles.jsonl"
    with recording(upstream.url, cassette) as recorder:
        for params in (
            {"appId": roles["frozen"]["appId"], "appSecret": roles["frozen"]["appSecret"]},
            {"appId": roles["demo"]["appId"], "appSecret": "not-the-secret-at-all"},
            {"appId": roles["demo"]["appId"], "appSecret": roles["demo"]["appSecret"]},
        ):
            requests.get(recorder.url + token, params=params, timeout=30)
        assert recorder.stop()[0] == 0
    codes = [json.loads(r.response)["code"] for r in recorder.cassette()]
    assert codes == [40003, 40002, 200]
    code, out = drift(cassette, capsys)
    assert code == 0, out
    assert f"stand-in for {roles['frozen']['appId']}: frozen" in out
    assert (
        f"stand-in for {roles['demo']['appId']}: demo\n"
        "  appsecret=<secret:2>: as recorded (refused like a wrong secret)\n"
        "  appsecret=<secret:3>: its own\n"
    ) in out


#: A Sugon user of its own, not a demo one, on an upstream with its own signing key: its password,
#: access key and signatures are nobody's the mock knows.
ACME = {
    "settings": {"jwt_secret": "another platform's own HS256 token signing key"},
    "users": [
        {
            "user": "acme01",
            "password": "acme-password",
            "org_id": "803fe0e83398f361ef41c38fd15bfefd",
            "user_id": "11655048541",
            "regions": ["11250", "11112", "11126"],
            "suspended": ["11126"],
        }
    ],
    "access_keys": [{"access_key": "acme-ak", "secret_key": "acme-sk", "user": "acme01"}],
}
ACME_CREDENTIALS: Credentials = {
    "demo": {"user": "acme01", "password": "acme-password", "orgId": "803fe0e83398f361ef41c38fd15bfefd"},
    "aksk": {"user": "acme01", "accessKey": "acme-ak", "secretKey": "acme-sk"},
}


@contextlib.contextmanager
def acme() -> Iterator[str]:
    """A Sugon upstream serving ACME's user: its base URL."""
    with LiveServer(create_app({"sugon": ACME}, providers=["sugon"])) as server:
        yield server.url


def test_a_signed_request_is_signed_again_with_its_stand_ins_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassette = tmp_path / "acme.jsonl"
    with acme() as url:
        record_flow(url, "sugon", cassette, ACME_CREDENTIALS)
    assert "acme-sk" not in cassette.read_text(encoding="utf-8")
    code, out = drift(cassette, capsys)
    assert code == 0, out
    assert "stand-in for acme01: demo + aksk\n" in out
    assert "  accesskey=acme-ak, signature=<signature:1>: its own, the request signed again\n" in out
    assert "  orgid=803fe0e83398f361ef41c38fd15bfefd, password=<password:1>: its own\n" in out


@pytest.mark.parametrize("slug", ["atrip", "itrigger", "appauth", "sugon", "credential"])
def test_a_cassette_recorded_on_one_machine_replays_on_another(
    slug: str, upstream: Upstream, tmp_path: Path
) -> None:
    """Recorded in one time zone by a recorder of its own, replayed from a copy in another
    directory, time zone and locale by a fresh `provider-mocks drift`; Sugon's user, keys and
    token signing key are another platform's own."""
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    cassette = here / "recorded.jsonl"
    with contextlib.ExitStack() as stack:
        url, credentials = upstream.url, upstream.credentials(slug)
        if slug == "sugon":
            url, credentials = stack.enter_context(acme()), ACME_CREDENTIALS
        recorder = stack.enter_context(
            recording(
                url, cassette, "--provider", slug, env={"TZ": "America/Los_Angeles", "LC_ALL": "C.UTF-8"}
            )
        )
        FLOWS[slug](Story(recorder.url), credentials)
        assert recorder.stop()[0] == 0
    shutil.copy(cassette, there / "copied.jsonl")
    elsewhere = {**os.environ, "TZ": "Asia/Shanghai", "LC_ALL": "C", "LANG": "C", "HOME": str(there)}
    done = subprocess.run(
        [*COMMAND, "drift", "copied.jsonl"],
        cwd=there,
        env=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 drifted" in done.stdout


def test_a_signature_the_upstream_refused_stays_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassette = tmp_path / "refused.jsonl"
    key = ACME_CREDENTIALS["aksk"]
    with acme() as url, recording(url, cassette) as recorder:
        signed = key_headers({**key, "secretKey": "not-the-secret-key"}, int(time.time()))
        answer = requests.post(recorder.url + AKSK, headers=signed, timeout=30).json()
        assert recorder.stop()[0] == 0
    assert answer["code"] == "10009"
    code, out = drift(cassette, capsys)
    assert code == 0, out
    # the access key is the stand-in's, and the signature stays the recorded one: wrong
    assert "stand-in for acme01: demo + aksk\n  accesskey=acme-ak, signature=<signature:1>: its own\n" in out


def test_a_cassette_that_is_not_one_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["drift", str(bad)]) == 2
    assert "provider-mocks: error:" in capsys.readouterr().err


def test_drift_replays_on_a_running_mock_and_writes_an_html_report(
    upstream: Upstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--base-url` replays on a provider-mocks server that runs (here our upstream itself, once
    reset); a server without the admin API is refused, since drift moves its clock."""
    cassette = tmp_path / "itrigger.jsonl"
    record_flow(upstream.url, "itrigger", cassette, upstream.credentials("itrigger"))
    upstream.reset()
    report = tmp_path / "drift.html"
    code, out = drift(cassette, capsys, "--base-url", upstream.url, "--report", str(report))
    assert code == 0, out
    assert f"on {upstream.url}" in out
    assert len(upstream.tap.sent) > 5  # the replay went to the running server
    written = report.read_text(encoding="utf-8")
    assert written.startswith("<!doctype html>")
    assert "<h1>Drift from the recording: itrigger</h1>" in written
    assert "<td>same</td>" in written
    with LiveServer(create_app(providers=["itrigger"])) as other:
        plain = f"{other.url}/itrigger"  # the admin API is not under a provider's prefix
        capsys.readouterr()
        assert main(["drift", str(cassette), "--base-url", plain]) == 2
    assert "drift moves its clock" in capsys.readouterr().err
