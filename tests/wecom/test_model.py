"""WeCom's rules through its real paths: the token per app secret and its life, the business call,
the errcode answers with the platform's hinted errmsg, by its host and under its prefix."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from provider_mocks import create_app, get_mocks

HOST = {"Host": "qyapi.weixin.qq.com"}
TOKEN, DOMAIN_IP = "/cgi-bin/gettoken", "/cgi-bin/get_api_domain_ip"
HINTED = re.compile(
    r"^(?P<text>[^,]+), hint: \[\d+_\d+_[0-9a-f]{32}\], from ip: 127\.0\.0\.1, "
    r"more info at https://open\.work\.weixin\.qq\.com/devtool/query\?e=(?P<code>-?\d+)$"
)


@pytest.fixture
def made() -> Any:
    def make(**settings: Any) -> tuple[FlaskClient, dict[str, dict[str, str]]]:
        app = create_app({"wecom": {"settings": settings}} if settings else None, providers=["wecom"])
        demo = get_mocks(app).model("wecom").demo_credentials()
        roles = {role: {k: shown[k] for k in ("corpid", "corpsecret")} for role, shown in demo.items()}
        return app.test_client(), roles

    return make


def fetch(client: FlaskClient, creds: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = client.get(TOKEN, query_string=creds, headers=HOST).get_json()
    return found


def test_a_fetch_within_validity_answers_the_same_token_with_less_time(made: Any) -> None:
    client, roles = made()
    first = fetch(client, roles["demo"])
    assert list(first) == ["errcode", "errmsg", "access_token", "expires_in"]
    assert (first["errcode"], first["errmsg"], first["expires_in"]) == (0, "ok", 7200)
    get_mocks(client.application).clock.advance(100)
    again = fetch(client, roles["demo"])
    assert (again["access_token"], again["expires_in"]) == (first["access_token"], 7100)
    # another app of the same corp has a token of its own
    assert fetch(client, roles["second_app"])["access_token"] != first["access_token"]


def test_an_expired_token_is_refused_and_the_next_fetch_is_new(made: Any) -> None:
    client, roles = made()
    first = fetch(client, roles["demo"])["access_token"]
    get_mocks(client.application).clock.advance(7200)
    answer = client.get(DOMAIN_IP, query_string={"access_token": first}, headers=HOST).get_json()
    assert list(answer) == ["ip_list", "errcode", "errmsg"]
    assert (answer["ip_list"], answer["errcode"]) == ([], 42001)
    found = HINTED.match(answer["errmsg"])
    assert found is not None
    assert (found["text"], found["code"]) == ("access_token expired", "42001")
    assert fetch(client, roles["demo"])["access_token"] != first


def test_without_reuse_each_fetch_is_new_and_the_old_one_still_works(made: Any) -> None:
    client, roles = made(reuse_token=False, errmsg_hint=False)
    first, second = fetch(client, roles["demo"])["access_token"], fetch(client, roles["demo"])["access_token"]
    assert first != second
    ok = client.get(DOMAIN_IP, query_string={"access_token": first}, headers=HOST).get_json()
    assert ok["errcode"] == 0
    assert ok["ip_list"]
    refused = client.get(DOMAIN_IP, query_string={"access_token": "nope"}, headers=HOST).get_json()
    assert refused == {"ip_list": [], "errcode": 40014, "errmsg": "invalid access_token"}


@pytest.mark.parametrize(
    ("query", "code", "text"),
    [
        ({}, 41004, "corpsecret missing"),
        ({"corpid": "wwdd755e9b0abd3c42"}, 41004, "corpsecret missing"),
        ({"corpsecret": "x"}, 41002, "corpid missing"),
        ({"corpid": "ww0000000000000000", "corpsecret": "x"}, 40013, "invalid corpid"),
        ({"corpid": "wwdd755e9b0abd3c42", "corpsecret": "x"}, 40001, "invalid credential"),
    ],
)
def test_a_refused_fetch_answers_its_code_and_text(
    made: Any, query: dict[str, str], code: int, text: str
) -> None:
    client, _ = made()
    answer = client.get(TOKEN, query_string=query, headers=HOST)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    body = answer.get_json()
    assert list(body) == ["errcode", "errmsg"]
    assert body["errcode"] == code
    found = HINTED.match(body["errmsg"])
    assert found is not None
    assert (found["text"], found["code"]) == (text, str(code))


def test_a_token_ended_early_is_refused_and_replaced(made: Any) -> None:
    client, roles = made()
    first = fetch(client, roles["demo"])["access_token"]
    ended = client.post(f"/__admin/wecom/tokens/{first}/end")
    assert ended.get_json() == {"ended": first}
    answer = client.get(DOMAIN_IP, query_string={"access_token": first}, headers=HOST).get_json()
    assert answer["errcode"] == 42001
    assert fetch(client, roles["demo"])["access_token"] != first
    assert client.post(f"/__admin/wecom/tokens/{first}/end").status_code == 404


def test_wecom_is_served_by_its_host_and_under_its_prefix_only(made: Any) -> None:
    client, roles = made()
    assert client.get(TOKEN, query_string=roles["demo"]).status_code == 404  # /cgi-bin/ is WeChat's too
    assert client.get(f"/wecom{TOKEN}", query_string=roles["demo"]).get_json()["errcode"] == 0
    journal = get_mocks(client.application).journal.entries("wecom")
    assert [entry["path"] for entry in journal] == [TOKEN]  # the real path, the provider named


def test_an_api_over_its_minute_is_refused_for_60_seconds(made: Any) -> None:
    client, roles = made(api_per_minute=3)
    access = fetch(client, roles["demo"])["access_token"]
    clock = get_mocks(client.application).clock

    def code() -> int:
        answer = client.get(DOMAIN_IP, query_string={"access_token": access}, headers=HOST).get_json()
        return int(answer["errcode"])

    assert [code() for _ in range(4)] == [0, 0, 0, 45009]
    clock.advance(59.5)  # a new minute window has begun, but the block lasts 60 s
    assert code() == 45009
    clock.advance(0.5)
    assert code() == 0
    # another app of the corp is the same corp: its calls count too, not its own
    assert fetch(client, roles["second_app"])["errcode"] == 0


def test_an_address_refused_too_often_is_refused_gettoken_for_an_hour(made: Any) -> None:
    client, roles = made(failed_fetches_per_hour=2)
    wrong = {**roles["demo"], "corpsecret": "wrong"}
    assert [fetch(client, wrong)["errcode"] for _ in range(3)] == [40001, 40001, 40001]
    assert fetch(client, roles["demo"])["errcode"] == 45009  # even with the right secret
    get_mocks(client.application).clock.advance(3600)
    assert fetch(client, roles["demo"])["errcode"] == 0


def test_the_minute_limit_is_exact_under_concurrency() -> None:
    import threading

    import requests

    from provider_mocks.core.server import LiveServer

    app = create_app({"wecom": {"settings": {"api_per_minute": 25}}}, providers=["wecom"])
    demo = get_mocks(app).model("wecom").demo_credentials()["demo"]
    codes: list[int] = []
    with LiveServer(app) as server:
        base = f"{server.url}/wecom"
        params = {"corpid": demo["corpid"], "corpsecret": demo["corpsecret"]}
        access = requests.get(base + TOKEN, params=params, timeout=10).json()["access_token"]
        get_mocks(app).clock.freeze()

        def call() -> None:
            for _ in range(10):
                got = requests.get(base + DOMAIN_IP, params={"access_token": access}, timeout=10).json()
                codes.append(got["errcode"])

        threads = [threading.Thread(target=call) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(codes).count(0) == 25
    assert codes.count(45009) == 25


def test_the_audit_judges_a_wecom_client(made: Any) -> None:
    """A client that fetches before every call is warned; one that stops at an expired token is an error."""
    client, roles = made()
    mocks = get_mocks(client.application)
    for _ in range(2):
        access = fetch(client, roles["demo"])["access_token"]
        client.get(DOMAIN_IP, query_string={"access_token": access}, headers=HOST)
    mocks.clock.advance(7200)
    client.get(DOMAIN_IP, query_string={"access_token": access}, headers=HOST)
    found = {(v.rule, v.severity) for v in mocks.violations("wecom")}
    assert found == {("refetch-while-valid", "warning"), ("no-refresh-after-invalid", "error")}


def test_two_apps_of_one_corp_are_two_clients_to_the_audit(made: Any) -> None:
    """They share the corpid: one app's refused call followed by the other's is no fault of either."""
    client, roles = made()
    mocks = get_mocks(client.application)
    tokens = {role: fetch(client, roles[role])["access_token"] for role in ("demo", "second_app")}
    mocks.clock.advance(7200)
    for role in ("demo", "second_app"):  # each refused, then refreshed and retried
        client.get(DOMAIN_IP, query_string={"access_token": tokens[role]}, headers=HOST)
    for role in ("demo", "second_app"):
        access = fetch(client, roles[role])["access_token"]
        assert client.get(DOMAIN_IP, query_string={"access_token": access}, headers=HOST).json["errcode"] == 0
    assert mocks.violations("wecom") == []
    credentials = {e["facts"].get("credential") for e in mocks.journal.entries()}
    assert credentials == {f"{roles['demo']['corpid']}/{agentid}" for agentid in (1000002, 1000003)}


def test_an_error_body_is_written_outside_a_request_too(made: Any) -> None:
    """The admin API and faults may render an error with no request to read an address from."""
    from provider_mocks.core.errors import ProviderError
    from provider_mocks.providers.wecom import errors
    from provider_mocks.providers.wecom.models import WeComModel

    client, _ = made(errmsg_hint=False)
    model = get_mocks(client.application).model("wecom")
    assert isinstance(model, WeComModel)
    assert errors.error_body(model, ProviderError(errors.TOKEN_EXPIRED)) == {
        "errcode": 42001,
        "errmsg": "access_token expired",
    }
