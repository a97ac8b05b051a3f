"""Fault rules over real HTTP: each action, each firing mode, explanations, validation."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
import requests

from provider_mocks import Mocks, create_app, get_mocks
from provider_mocks.core.faults import DelayAction, FaultRule, delay_seconds
from provider_mocks.testing import Interceptor

TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"


def demo(mocks: Mocks) -> dict[str, str]:
    creds: dict[str, str] = mocks.model("itrigger").demo_credentials()["demo"]
    return creds


def fetch(http: requests.Session, base_url: str, creds: dict[str, str], **kwargs: Any) -> requests.Response:
    return http.get(
        f"{base_url}{TOKEN}", params={"appId": creds["appId"], "appSecret": creds["appSecret"]}, **kwargs
    )


def add(http: requests.Session, base_url: str, **rule: Any) -> dict[str, Any]:
    answer = http.post(f"{base_url}/__admin/faults", json=rule)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def test_a_documented_error_once_then_normal(http: requests.Session, base_url: str, mocks: Mocks) -> None:
    rule = add(
        http, base_url, provider="itrigger", operation="token", action={"type": "error", "code": 40004}
    )
    first, second = fetch(http, base_url, demo(mocks)), fetch(http, base_url, demo(mocks))
    assert first.content == '{"code":40004,"message":"超过租户调用次数限制","data":null}'.encode()
    assert first.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert second.json()["code"] == 200
    entries = http.get(f"{base_url}/__admin/requests").json()["requests"]
    assert [e["fault"] for e in entries] == [
        {"id": rule["id"], "action": {"type": "error", "code": 40004, "http_status": 200}},
        None,
    ]
    status = http.get(f"{base_url}/__admin/faults/{rule['id']}").json()
    assert (status["seen"], status["fired"], status["last_miss"]) == (2, 1, "used up: fired 1 time(s)")


def test_a_raw_http_status(http: requests.Session, base_url: str, mocks: Mocks) -> None:
    add(
        http, base_url, provider="itrigger", action={"type": "status", "status": 503, "body": "upstream down"}
    )
    answer = fetch(http, base_url, demo(mocks))
    assert (answer.status_code, answer.text) == (503, "upstream down")


def test_a_fixed_delay(http: requests.Session, base_url: str, mocks: Mocks) -> None:
    add(http, base_url, provider="itrigger", action={"type": "delay", "seconds": 0.3})
    started = time.monotonic()
    assert fetch(http, base_url, demo(mocks)).json()["code"] == 200
    assert time.monotonic() - started >= 0.3


def test_random_delays_repeat_with_the_seed() -> None:
    rule = FaultRule(action=DelayAction(type="delay", min=0.1, max=2.0), seed=42)
    first = [delay_seconds(rule.action, rule, n) for n in range(1, 6)]  # type: ignore[arg-type]
    again = [delay_seconds(rule.action, rule, n) for n in range(1, 6)]  # type: ignore[arg-type]
    assert first == again
    assert len(set(first)) == 5
    assert all(0.1 <= d <= 2.0 for d in first)


def test_a_dropped_connection(http: requests.Session, base_url: str, mocks: Mocks) -> None:
    add(http, base_url, provider="itrigger", action={"type": "drop"})
    with pytest.raises(requests.ConnectionError):
        fetch(http, base_url, demo(mocks), timeout=5)
    assert fetch(requests.Session(), base_url, demo(mocks)).json()["code"] == 200


def test_a_truncated_body(http: requests.Session, base_url: str, mocks: Mocks) -> None:
    add(http, base_url, provider="itrigger", action={"type": "truncate"})
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        fetch(requests.Session(), base_url, demo(mocks), timeout=5)


def test_a_malformed_body(http: requests.Session, base_url: str, mocks: Mocks) -> None:
    add(http, base_url, provider="itrigger", action={"type": "malformed"})
    answer = fetch(http, base_url, demo(mocks))
    assert answer.status_code == 200
    assert int(answer.headers["Content-Length"]) == len(answer.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.content)
    assert answer.content.startswith(b'{"code":200')


def test_a_slow_body(http: requests.Session, base_url: str, mocks: Mocks) -> None:
    add(http, base_url, provider="itrigger", action={"type": "slow_body", "chunk": 20, "interval": 0.05})
    started = time.monotonic()
    answer = fetch(http, base_url, demo(mocks))
    assert answer.json()["code"] == 200  # whole, only late
    assert time.monotonic() - started >= 0.05 * (len(answer.content) // 20)


def test_times_and_after(http: requests.Session, base_url: str, mocks: Mocks) -> None:
    add(http, base_url, provider="itrigger", times=2, after=1, action={"type": "error", "code": 40002})
    codes = [fetch(http, base_url, demo(mocks)).json()["code"] for _ in range(5)]
    assert codes == [200, 40002, 40002, 200, 200]


def test_unlimited_times(http: requests.Session, base_url: str, mocks: Mocks) -> None:
    add(http, base_url, provider="itrigger", times=None, action={"type": "error", "code": 40002})
    assert {fetch(http, base_url, demo(mocks)).json()["code"] for _ in range(4)} == {40002}


def test_seeded_probability_repeats_run_after_run() -> None:
    def pattern() -> list[int]:
        app = create_app(providers=["itrigger"])
        mocks, client = get_mocks(app), app.test_client()
        mocks.add_fault(
            FaultRule.model_validate(
                {
                    "provider": "itrigger",
                    "times": None,
                    "probability": 0.5,
                    "seed": 7,
                    "action": {"type": "error", "code": 40002},
                }
            )
        )
        creds = demo(mocks)
        return [
            client.get(
                TOKEN, query_string={"appId": creds["appId"], "appSecret": creds["appSecret"]}
            ).get_json()["code"]
            for _ in range(20)
        ]

    first = pattern()
    assert first == pattern()
    assert 200 in first
    assert 40002 in first


def test_a_rule_says_why_it_did_not_fire(http: requests.Session, base_url: str, mocks: Mocks) -> None:
    rule = add(http, base_url, provider="itrigger", method="POST", action={"type": "drop"})
    assert fetch(http, base_url, demo(mocks)).json()["code"] == 200
    status = http.get(f"{base_url}/__admin/faults/{rule['id']}").json()
    assert (status["fired"], status["last_miss"]) == (0, "method differs: 'GET' is not 'POST'")


def test_matching_on_the_credential(http: requests.Session, base_url: str, mocks: Mocks) -> None:
    creds = mocks.model("itrigger").demo_credentials()
    add(
        http,
        base_url,
        provider="itrigger",
        credential=creds["get_only"]["appId"],
        times=None,
        action={"type": "error", "code": 40003},
    )
    assert fetch(http, base_url, creds["demo"]).json()["code"] == 200
    assert fetch(http, base_url, creds["get_only"]).json()["code"] == 40003


def test_faults_of_other_providers(http: requests.Session, base_url: str) -> None:
    add(
        http, base_url, provider="credential", operation="credential", action={"type": "error", "code": 10134}
    )
    answer = http.post(
        f"{base_url}/openapi/auth/credential", params={"clientId": "x", "secret": "y", "userType": "2"}
    )
    assert (answer.json()["code"], answer.json()["message"]) == (
        10134,
        "非法的AccessToken或已失效，请重新获取！",
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"provider": "nope", "action": {"type": "drop"}}, "provider: 'nope' is not mounted"),
        (
            {"provider": "itrigger", "operation": "nope", "action": {"type": "drop"}},
            "one of its operations: business, token",
        ),
        (
            {"provider": "itrigger", "action": {"type": "error", "code": 12345}},
            "12345 is not one of itrigger's codes",
        ),
        ({"action": {"type": "error", "code": 40004}}, "a provider error needs the rule's provider"),
        ({"action": {"type": "explode"}}, "action"),
        ({"action": {"type": "delay", "seconds": -1}}, "action.delay.seconds"),
        ({"probability": 2, "action": {"type": "drop"}}, "probability"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(
    http: requests.Session, base_url: str, rule: dict[str, Any], message: str
) -> None:
    answer = http.post(f"{base_url}/__admin/faults", json=rule)
    assert answer.status_code == 400
    assert message in answer.json()["error"]


def test_list_delete_and_reset(http: requests.Session, base_url: str) -> None:
    first = add(http, base_url, action={"type": "drop"}, provider="itrigger", method="PUT")
    add(http, base_url, action={"type": "drop"}, provider="atrip", method="PUT")
    assert len(http.get(f"{base_url}/__admin/faults").json()["faults"]) == 2
    assert http.delete(f"{base_url}/__admin/faults/{first['id']}").ok
    assert [f["provider"] for f in http.get(f"{base_url}/__admin/faults").json()["faults"]] == ["atrip"]
    assert http.get(f"{base_url}/__admin/faults/{first['id']}").status_code == 404
    http.post(f"{base_url}/__admin/reset")
    assert http.get(f"{base_url}/__admin/faults").json()["faults"] == []


def test_interception_drops_too() -> None:
    with Interceptor(create_app(providers=["itrigger"])) as interceptor:
        interceptor.mocks.add_fault(
            FaultRule.model_validate({"provider": "itrigger", "times": None, "action": {"type": "drop"}})
        )
        url = f"https://gateway-dev.itrigger.cn{TOKEN}"
        with pytest.raises(requests.ConnectionError):
            requests.get(url)
        with pytest.raises(httpx.ConnectError):
            httpx.get(url)
