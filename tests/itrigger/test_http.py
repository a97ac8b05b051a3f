"""iTrigger over real HTTP: every documented code and lifecycle rule, on the virtual clock.

Expected answers are written out from the documentation, byte for byte, not
read back from the mock's own message table.
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.support import JSON_UTF8, clock, missing_app_credentials, sent_envelope

from .helpers import GET_API, POST_API, TOKEN, demo, error, fetch, token


def test_token_answer_is_the_documented_bytes(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    answer = http.get(f"{base_url}{TOKEN}", params={"appId": creds["appId"], "appSecret": creds["appSecret"]})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == JSON_UTF8
    match = re.fullmatch(
        rb'\{"code":200,"message":"(.+)","data":\{"accessToken":"([0-9a-f]{32})"\}\}', answer.content
    )
    assert match, answer.content
    assert match.group(1) == "操作成功".encode()  # UTF-8, not \u escapes


@pytest.mark.parametrize("params", missing_app_credentials())
def test_empty_credentials_answer_40001(
    http: requests.Session, base_url: str, params: dict[str, str]
) -> None:
    assert (
        sent_envelope(http.get(f"{base_url}{TOKEN}", params=params))
        == '{"code":40001,"message":"appId或appSecret为空","data":null}'.encode()
    )


def test_unknown_app_or_wrong_secret_answer_40002(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    for params in (
        {"appId": "qjy-nobody", "appSecret": creds["appSecret"]},
        {"appId": creds["appId"], "appSecret": creds["appSecret"] + "x"},
    ):
        answer = http.get(f"{base_url}{TOKEN}", params=params)
        assert answer.content == '{"code":40002,"message":"appId或appSecret格式不正确","data":null}'.encode()


def test_frozen_app_answers_40003(http: requests.Session, base_url: str) -> None:
    assert fetch(http, base_url, demo(http, base_url, "frozen")) == error(40003, "应用appId已被冻结")


def test_freezing_an_app_through_the_admin_api(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    assert fetch(http, base_url, creds)["code"] == 200
    assert http.patch(f"{base_url}/__admin/itrigger/apps/{creds['appId']}", json={"frozen": True}).ok
    assert fetch(http, base_url, creds) == error(40003, "应用appId已被冻结")
    assert http.patch(f"{base_url}/__admin/itrigger/apps/{creds['appId']}", json={"frozen": False}).ok
    assert fetch(http, base_url, creds)["code"] == 200


def test_tenant_daily_limit_answers_40004(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url, "limited")  # its tenant may fetch 3 a day
    assert [fetch(http, base_url, creds)["code"] for _ in range(4)] == [200, 200, 200, 40004]
    assert fetch(http, base_url, creds) == error(40004, "超过租户调用次数限制")


def test_daily_limit_is_shared_by_a_tenants_apps(http: requests.Session, base_url: str) -> None:
    tenant = http.post(f"{base_url}/__admin/itrigger/tenants", json={"daily_limit": 2}).json()
    apps = [
        http.post(f"{base_url}/__admin/itrigger/apps", json={"tenant": tenant["id"]}).json() for _ in range(2)
    ]
    creds = [{"appId": a["app_id"], "appSecret": a["app_secret"]} for a in apps]
    assert [fetch(http, base_url, c)["code"] for c in (*creds, *creds)] == [200, 200, 40004, 40004]
    assert fetch(http, base_url, demo(http, base_url))["code"] == 200  # other tenants unaffected


def test_null_tenant_name_is_400_and_a_null_limit_the_default(http: requests.Session, base_url: str) -> None:
    tenant = http.post(f"{base_url}/__admin/itrigger/tenants", json={"name": "甲", "daily_limit": 2}).json()
    url = f"{base_url}/__admin/itrigger/tenants/{tenant['id']}"
    refused = http.patch(url, json={"name": None})
    assert refused.status_code == 400
    assert refused.json() == {"error": "name: Input should be a valid string"}
    changed = http.patch(url, json={"daily_limit": None})
    assert changed.status_code == 200
    assert changed.json() == {"id": tenant["id"], "name": "甲", "daily_limit": None}


def test_daily_limit_rolls_over_at_shanghai_midnight(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url, "limited")
    clock(http, base_url, set="2026-03-01T23:59:00+08:00", freeze=True)
    assert [fetch(http, base_url, creds)["code"] for _ in range(4)] == [200, 200, 200, 40004]
    clock(http, base_url, advance=59.9)  # 23:59:59.9 Shanghai: still the same day
    assert fetch(http, base_url, creds)["code"] == 40004
    clock(http, base_url, advance=0.1)  # 00:00 Shanghai, 16:00 UTC
    assert fetch(http, base_url, creds)["code"] == 200


def test_daily_limit_does_not_roll_over_at_utc_midnight(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url, "limited")
    clock(http, base_url, set="2026-03-01T23:59:00Z", freeze=True)  # 07:59 in Shanghai
    assert [fetch(http, base_url, creds)["code"] for _ in range(4)] == [200, 200, 200, 40004]
    clock(http, base_url, advance=120)
    assert fetch(http, base_url, creds)["code"] == 40004


def test_token_expires_at_exactly_two_hours(http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    access = token(http, base_url)
    clock(http, base_url, advance=7200 - 0.001)
    assert http.get(f"{base_url}{GET_API}", params={"accessToken": access}).json()["code"] == 200
    clock(http, base_url, advance=0.001)
    answer = http.get(f"{base_url}{GET_API}", params={"accessToken": access})
    assert answer.content == '{"code":401,"message":"accessToken无效或已过期","data":null}'.encode()


def test_new_token_overwrites_the_previous_one(http: requests.Session, base_url: str) -> None:
    first = token(http, base_url)
    second = token(http, base_url)
    assert first != second
    assert http.get(f"{base_url}{GET_API}", params={"accessToken": first}).json() == error(
        401, "accessToken无效或已过期"
    )
    assert http.get(f"{base_url}{GET_API}", params={"accessToken": second}).json()["code"] == 200


def test_overwrite_only_affects_the_same_app(http: requests.Session, base_url: str) -> None:
    mine = token(http, base_url, "demo")
    token(http, base_url, "get_only")
    assert http.get(f"{base_url}{GET_API}", params={"accessToken": mine}).json()["code"] == 200


@pytest.mark.parametrize("access", [None, "", "0" * 32, "not-a-token"])
def test_missing_or_unknown_token_answers_401(
    http: requests.Session, base_url: str, access: str | None
) -> None:
    params = {} if access is None else {"accessToken": access}
    for answer in (
        http.get(f"{base_url}{GET_API}", params=params),
        http.post(f"{base_url}{POST_API}", params=params, json={}),
    ):
        assert answer.status_code == 200
        assert answer.content == '{"code":401,"message":"accessToken无效或已过期","data":null}'.encode()


def test_api_not_granted_answers_403(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url, "get_only")
    assert http.get(f"{base_url}{GET_API}", params={"accessToken": access}).json()["code"] == 200
    answer = http.post(f"{base_url}{POST_API}", params={"accessToken": access}, json={"a": 1})
    assert answer.content == '{"code":403,"message":"无权限访问","data":null}'.encode()


def test_granting_an_api_through_the_admin_api(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url, "get_only")
    api = "/itrigger-bff/v2/open/api/customer/list"
    access = token(http, base_url, "get_only")
    assert http.get(f"{base_url}{api}", params={"accessToken": access}).json()["code"] == 403
    patched = http.patch(f"{base_url}/__admin/itrigger/apps/{creds['appId']}", json={"grants": [api]})
    assert patched.json()["grants"] == [api]
    answer = http.get(f"{base_url}{api}", params={"accessToken": access, "page": "1"})
    assert answer.json() == {"code": 200, "message": "操作成功", "data": {"page": "1"}}


def test_get_business_call_reads_parameters_from_the_query(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    answer = http.get(f"{base_url}{GET_API}", params={"accessToken": access, "name": "张三", "n": "1"})
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.content == '{"code":200,"message":"操作成功","data":{"name":"张三","n":"1"}}'.encode()


def test_post_business_call_ignores_query_parameters(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    answer = http.post(
        f"{base_url}{POST_API}",
        params={"accessToken": access, "ignored": "1"},
        json={"name": "张三", "items": [1, 2]},
    )
    assert answer.json() == {"code": 200, "message": "操作成功", "data": {"name": "张三", "items": [1, 2]}}


def test_post_reads_the_token_from_the_query_only(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    answer = http.post(f"{base_url}{POST_API}", json={"accessToken": access})
    assert answer.json() == error(401, "accessToken无效或已过期")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
@pytest.mark.parametrize("path", [TOKEN, GET_API, POST_API])
def test_only_get_and_post_are_served(http: requests.Session, base_url: str, method: str, path: str) -> None:
    answer = http.request(method, f"{base_url}{path}", params={"accessToken": token(http, base_url)})
    assert answer.status_code == 405
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert "POST" not in answer.headers["Allow"] if path == TOKEN else answer.headers["Allow"] == "GET, POST"
    if method != "HEAD":
        assert answer.json() == error(405, "请求方法不支持")


def test_token_endpoint_refuses_post(http: requests.Session, base_url: str) -> None:
    creds = demo(http, base_url)
    answer = http.post(
        f"{base_url}{TOKEN}", params={"appId": creds["appId"], "appSecret": creds["appSecret"]}
    )
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET"
    assert answer.json() == error(405, "请求方法不支持")


def test_every_call_is_journaled(http: requests.Session, base_url: str) -> None:
    access = token(http, base_url)
    http.post(
        f"{base_url}{POST_API}",
        params={"accessToken": access},
        data='{"k": "值"}'.encode(),
        headers={"Content-Type": "application/json"},
    )
    entries = http.get(f"{base_url}/__admin/requests", params={"provider": "itrigger"}).json()["requests"]
    assert [(e["operation"], e["method"], e["status"]) for e in entries] == [
        ("token", "GET", 200),
        ("business", "POST", 200),
    ]
    assert entries[1]["body"] == '{"k": "值"}'
    assert entries[1]["response"] == '{"code":200,"message":"操作成功","data":{"k":"值"}}'
    assert entries[1]["query"] == {"accessToken": [access]}
