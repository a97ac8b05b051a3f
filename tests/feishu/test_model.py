"""Feishu's rules through its real paths: the token per app and its 30-minute renewal on the
virtual clock, the app token as the tenant token, the token endpoints' and the gateway's refusals,
the frequency limits (exact under concurrency, across instances on one store), by its hosts and
under its prefix."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from provider_mocks import create_app, get_mocks
from provider_mocks.core.server import LiveServer
from tests.redis_server import RedisServer

TENANT = "/open-apis/auth/v3/tenant_access_token/internal"
APP = "/open-apis/auth/v3/app_access_token/internal"
BOT = "/open-apis/bot/v3/info"
CONTENT_TYPE = "application/json; charset=utf-8"
LOG_ID = re.compile(r"^\d{14}[0-9A-F]{20}$")
INVALID = "Invalid access token for authorization. Please make a request with token attached."
MISSING = "Missing access token for authorization. Please make a request with token attached."

Roles = dict[str, dict[str, str]]


@pytest.fixture
def made() -> Any:
    """An app serving Feishu alone with `settings`, its clock frozen, and the demo apps' credentials."""

    def make(**settings: Any) -> tuple[FlaskClient, Roles]:
        app = create_app({"feishu": {"settings": settings}} if settings else None, providers=["feishu"])
        mocks = get_mocks(app)
        mocks.clock.freeze()
        demo = mocks.model("feishu").demo_credentials()
        roles = {role: {k: shown[k] for k in ("app_id", "app_secret")} for role, shown in demo.items()}
        return app.test_client(), roles

    return make


def fetch(client: FlaskClient, creds: dict[str, Any], path: str = TENANT) -> dict[str, Any]:
    answer = client.post(path, json=creds)
    assert (answer.status_code, answer.headers["Content-Type"]) == (200, CONTENT_TYPE)
    found: dict[str, Any] = answer.get_json()
    return found


def bot(client: FlaskClient, token: str) -> TestResponse:
    return client.get(BOT, headers={"Authorization": f"Bearer {token}"})


def advance(client: FlaskClient, seconds: float) -> None:
    get_mocks(client.application).clock.advance(seconds)


# -- the lifecycle -------------------------------------------------------------------------


def test_with_30_minutes_or_more_left_a_fetch_answers_the_same_token_counting_down(made: Any) -> None:
    client, roles = made()
    first = fetch(client, roles["demo"])
    assert list(first) == ["code", "expire", "msg", "tenant_access_token"]
    assert (first["code"], first["msg"], first["expire"]) == (0, "ok", 7200)
    assert re.fullmatch(r"t-[0-9a-f]{40}", first["tenant_access_token"])
    advance(client, 5400)  # exactly 30 minutes left: still the same
    again = fetch(client, roles["demo"])
    assert (again["tenant_access_token"], again["expire"]) == (first["tenant_access_token"], 1800)
    # another app has a token of its own
    assert fetch(client, roles["second_app"])["tenant_access_token"] != first["tenant_access_token"]


def test_below_30_minutes_a_new_token_and_both_live_until_their_own_expiry(made: Any) -> None:
    client, roles = made()
    old = fetch(client, roles["demo"])["tenant_access_token"]
    advance(client, 5400.5)  # 1799.5 s left
    new = fetch(client, roles["demo"])
    assert (new["expire"], new["tenant_access_token"] != old) == (7200, True)
    assert fetch(client, roles["demo"])["tenant_access_token"] == new["tenant_access_token"]
    assert bot(client, old).status_code == bot(client, new["tenant_access_token"]).status_code == 200
    advance(client, 1799.5)  # the old one's own expiry
    refused = bot(client, old)
    assert (refused.status_code, refused.get_json()["code"]) == (400, 99991663)
    assert bot(client, new["tenant_access_token"]).get_json()["code"] == 0
    assert fetch(client, roles["demo"])["expire"] == 5400


def test_the_app_token_is_the_tenant_token_under_both_names(made: Any) -> None:
    client, roles = made()
    tenant = fetch(client, roles["demo"])["tenant_access_token"]
    advance(client, 60)
    answer = fetch(client, roles["demo"], APP)
    assert list(answer) == ["app_access_token", "code", "expire", "msg", "tenant_access_token"]
    assert answer == {
        "app_access_token": tenant,
        "code": 0,
        "expire": 7140,
        "msg": "ok",
        "tenant_access_token": tenant,
    }
    assert fetch(client, roles["demo"], APP + "/")["app_access_token"] == tenant  # a trailing slash


def test_a_lifetime_and_renewal_window_of_ones_own(made: Any) -> None:
    client, roles = made(token_lifetime=600, renew_below=60)
    first = fetch(client, roles["demo"])
    assert first["expire"] == 600
    advance(client, 540)
    assert fetch(client, roles["demo"])["tenant_access_token"] == first["tenant_access_token"]
    advance(client, 1)
    assert fetch(client, roles["demo"])["tenant_access_token"] != first["tenant_access_token"]


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "text"),
    [
        (None, 10003, "invalid param"),
        (b"{app_id", 10003, "invalid param"),
        (b"[]", 10003, "invalid param"),
        ({"app_id": "cli_ba7b073417c462b7"}, 10003, "invalid param"),
        ({"app_id": "", "app_secret": "x"}, 10003, "invalid param"),
        ({"app_id": 1, "app_secret": "x"}, 10003, "invalid param"),
        ({"app_id": "cli_ba7b073417c462b7", "app_secret": None}, 10003, "invalid param"),
        ({"app_id": "test", "app_secret": "test"}, 10003, "invalid param"),
        ({"app_id": "cli_test", "app_secret": "test"}, 10003, "invalid param"),
        ({"app_id": "飞书", "app_secret": "密钥"}, 10003, "invalid param"),
        ({"app_id": "cli_0000000000000000", "app_secret": "x"}, 10014, "app id not exists"),
        ({"app_id": "cli_ba7b073417c462b7", "app_secret": "x"}, 10014, "app secret invalid"),
    ],
)
@pytest.mark.parametrize("path", [TENANT, APP])
def test_a_refused_fetch_answers_its_code_and_text_in_an_http_200(
    made: Any, path: str, body: Any, code: int, text: str
) -> None:
    client, _ = made()
    sent = {"data": body} if isinstance(body, bytes | None) else {"json": body}
    answer = client.post(path, **sent)
    assert (answer.status_code, answer.headers["Content-Type"]) == (200, CONTENT_TYPE)
    assert answer.data.decode() == f'{{"code":{code},"data":{{}},"msg":"{text}"}}'


@pytest.mark.parametrize(
    ("authorization", "code", "text"),
    [
        (None, 99991661, MISSING),
        ("", 99991661, MISSING),
        ("Bearer", 99991661, MISSING),
        ("Bearer    ", 99991661, MISSING),
        ("t-fakefakefakefake", 99991661, MISSING),
        ("Basic dXNlcjpwYXNz", 99991661, MISSING),
        ("Bearer t-fakefakefakefake", 99991663, INVALID),
        ("Bearer 飞书", 99991663, INVALID),
        ("Bearer u-fakefakefakefake", 99991668, INVALID),
        ("Bearer eyJhbGciOiJFUzI1NiIs.x.y", 99991668, INVALID),
    ],
)
def test_the_gateway_refuses_a_token_with_http_400_and_a_log_id(
    made: Any, authorization: str | None, code: int, text: str
) -> None:
    client, _ = made()
    answer = client.get(BOT, headers={} if authorization is None else {"Authorization": authorization})
    assert (answer.status_code, answer.headers["Content-Type"]) == (400, CONTENT_TYPE)
    body = answer.get_json()
    assert list(body) == ["code", "msg", "error"]
    assert (body["code"], body["msg"]) == (code, text)
    log_id = body["error"]["log_id"]
    assert LOG_ID.match(log_id)
    assert body["error"]["troubleshooter"].endswith(f"log_id={log_id}&code={code}")


def test_a_live_token_gets_the_apps_bot(made: Any) -> None:
    client, roles = made()
    token = fetch(client, roles["demo"])["tenant_access_token"]
    for scheme in ("Bearer", "bearer"):  # the scheme's case does not matter [decided]
        answer = client.get(BOT, headers={"Authorization": f"{scheme} {token}"}).get_json()
        assert list(answer) == ["code", "msg", "bot"]
        assert list(answer["bot"]) == [
            "activate_status",
            "app_name",
            "avatar_url",
            "ip_white_list",
            "open_id",
        ]
        assert (answer["bot"]["activate_status"], answer["bot"]["app_name"]) == (2, "考勤助手")
        assert answer["bot"]["open_id"].startswith("ou_")


def test_feishu_is_served_at_its_paths_by_any_host_and_under_its_prefix(made: Any) -> None:
    client, roles = made()
    for host in ("open.feishu.cn", "open.larksuite.com", "localhost"):
        assert client.post(TENANT, json=roles["demo"], headers={"Host": host}).get_json()["code"] == 0
    assert client.post(f"/feishu{TENANT}", json=roles["demo"]).get_json()["code"] == 0
    journal = get_mocks(client.application).journal.entries("feishu")
    assert {entry["path"] for entry in journal} == {TENANT}  # the real path, the provider named


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", TENANT, 405, {"code": 405, "msg": "method not allowed"}),
        ("POST", BOT, 405, {"code": 405, "msg": "method not allowed"}),
        ("GET", "/open-apis/nonexistent/v1/foo", 404, {"code": 404, "msg": "not found"}),
    ],
)
def test_http_level_failures_keep_their_status_as_the_code(
    made: Any, method: str, path: str, status: int, body: dict[str, Any]
) -> None:
    client, _ = made()
    answer = client.open(path, method=method)
    assert (answer.status_code, answer.get_json()) == (status, body)


def test_a_crash_is_the_internal_error_in_an_http_200(made: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client, roles = made()

    def crash(*args: object) -> None:
        raise RuntimeError("a crash the test provoked")

    monkeypatch.setattr(get_mocks(client.application).model("feishu"), "token", crash)
    answer = client.post(TENANT, json=roles["demo"])
    assert (answer.status_code, answer.get_json()) == (200, {"code": 1500, "msg": "internal error"})


# -- frequency limits ----------------------------------------------------------------------


def test_an_api_over_its_second_is_refused_until_the_window_ends(made: Any) -> None:
    client, roles = made(per_second=2)
    get_mocks(client.application).clock.set(1_800_000_000.25)  # a quarter into a second
    answers = [client.post(TENANT, json=roles["demo"]) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[-1]
    assert refused.get_json() == {"code": 99991400, "msg": "request trigger frequency limit"}
    assert (refused.headers["x-ogw-ratelimit-limit"], refused.headers["x-ogw-ratelimit-reset"]) == ("2", "1")
    # the app token endpoint is another API; another app is another app
    assert fetch(client, roles["demo"], APP)["code"] == 0
    assert fetch(client, roles["second_app"])["code"] == 0
    advance(client, 0.75)
    assert fetch(client, roles["demo"])["code"] == 0


def test_an_api_over_its_minute_says_when_the_minute_ends(made: Any) -> None:
    client, roles = made(per_minute=3, frequency_status=400)
    get_mocks(client.application).clock.set(1_800_000_020)  # 20 s into a minute
    token = fetch(client, roles["demo"])["tenant_access_token"]
    answers = [bot(client, token) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 400]
    assert answers[-1].get_json()["code"] == 99991400
    assert answers[-1].headers["x-ogw-ratelimit-reset"] == "40"
    advance(client, 40)
    assert bot(client, token).status_code == 200


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    if request.param == "memory":
        return None
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/state.db"
    server: RedisServer = request.getfixturevalue("redis_server")
    server.flush()
    return server.url(6)


def test_the_minute_limit_is_exact_under_concurrency_across_instances(store: str | None) -> None:
    """Two instances on one store (two workers), five threads each: 25 calls pass, no more."""
    config = {"feishu": {"settings": {"per_second": 1000, "per_minute": 25}}}
    apps = [create_app(config, providers=["feishu"], store=store) for _ in range(2 if store else 1)]
    demo = get_mocks(apps[0]).model("feishu").demo_credentials()["demo"]
    creds = {"app_id": demo["app_id"], "app_secret": demo["app_secret"]}
    get_mocks(apps[0]).clock.freeze()
    codes: list[int] = []
    with LiveServer(apps[0]) as first, LiveServer(apps[-1]) as second:
        token = requests.post(first.url + TENANT, json=creds, timeout=10).json()["tenant_access_token"]

        def call(url: str) -> None:
            for _ in range(10):
                got = requests.get(url + BOT, headers={"Authorization": f"Bearer {token}"}, timeout=10)
                codes.append(got.json()["code"])

        threads = [threading.Thread(target=call, args=(server.url,)) for server in (first, second) * 3]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert (codes.count(0), codes.count(99991400), len(codes)) == (25, 35, 60)


# -- the audit -----------------------------------------------------------------------------


def test_the_audit_judges_a_feishu_client(made: Any) -> None:
    """A fetch before every call is warned; a planned refresh below 30 minutes is not; a stop at
    an expired token is an error."""
    client, roles = made()
    mocks = get_mocks(client.application)
    for _ in range(2):
        token = fetch(client, roles["demo"])["tenant_access_token"]
        bot(client, token)
    advance(client, 7200 - 600)  # 10 minutes left: the Python SDK's margin
    token = fetch(client, roles["demo"])["tenant_access_token"]
    advance(client, 7200)
    bot(client, token)
    found = [(v.rule, v.severity) for v in mocks.violations("feishu")]
    assert sorted(found) == [("no-refresh-after-invalid", "error"), ("refetch-while-valid", "warning")]


def test_a_retry_right_after_a_frequency_refusal_is_an_error(made: Any) -> None:
    client, roles = made(per_second=1)
    mocks = get_mocks(client.application)
    mocks.clock.freeze()  # all three in one second
    for _ in range(3):
        client.post(TENANT, json=roles["second_app"])
    found = {(v.rule, v.severity) for v in mocks.violations("feishu")}
    assert ("retry-without-backoff", "error") in found


def test_an_error_body_is_written_outside_a_request_too(made: Any) -> None:
    """The admin API and faults may render an error with no request in flight."""
    from provider_mocks.core.errors import ProviderError
    from provider_mocks.providers.feishu import errors
    from provider_mocks.providers.feishu.models import FeishuModel

    client, _ = made()
    model = get_mocks(client.application).model("feishu")
    assert isinstance(model, FeishuModel)
    body = errors.error_body(model, errors.gateway(errors.TOKEN_INVALID))
    assert (body["code"], body["msg"], list(body["error"])) == (
        99991663,
        INVALID,
        ["log_id", "troubleshooter"],
    )
    assert errors.error_body(model, ProviderError(errors.SECRET_INVALID)) == {
        "code": 10014,
        "data": {},
        "msg": "app secret invalid",
    }


def test_the_admin_api_lists_both_live_tokens_of_a_renewal(made: Any) -> None:
    client, roles = made()
    old = fetch(client, roles["demo"])["tenant_access_token"]
    advance(client, 5401)
    new = fetch(client, roles["demo"])["tenant_access_token"]
    listed = {t["token"]: t["expire"] for t in client.get("/__admin/feishu/tokens").get_json()["tokens"]}
    assert listed == {old: 1799, new: 7200}
    shown = client.get("/__admin/feishu/apps").get_json()["apps"]
    assert {app["app_id"] for app in shown} == {roles["demo"]["app_id"], roles["second_app"]["app_id"]}
