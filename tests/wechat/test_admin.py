"""WeChat's admin routes: accounts made, read and changed (a null quota is the settings' again),
and the tokens of both kinds with whether they still work."""

from __future__ import annotations

import requests

from provider_mocks import Mocks
from tests.support import created_twice, send

from .helpers import MOUNT, credentials

ADMIN = "/__admin/wechat"


def test_an_account_is_made_read_and_changed(http: requests.Session, base_url: str) -> None:
    made = created_twice(http, base_url + ADMIN + "/apps", "appid", "secret")
    assert made["appid"].startswith("wx")
    assert (made["token_daily"], made["ip_whitelist"], made["secret_frozen"]) == (None, [], False)
    url = f"{base_url}{ADMIN}/apps/{made['appid']}"
    changed = send(
        http, "PATCH", url, 200, json={"token_daily": 1, "ip_whitelist": ["::ffff:10.0.0.1", "10.1.0.0/16"]}
    )
    assert changed["ip_whitelist"] == ["10.0.0.1", "10.1.0.0/16"]
    fetch = base_url + MOUNT + "/cgi-bin/token"
    assert http.get(fetch, params=credentials(made)).json()["errcode"] == 40164  # loopback is off the list
    send(http, "PATCH", url, 200, json={"ip_whitelist": []})
    assert "access_token" in http.get(fetch, params=credentials(made)).json()
    assert http.get(fetch, params=credentials(made)).json()["errcode"] == 45009
    assert send(http, "PATCH", url, 200, json={"token_daily": None})["token_daily"] is None  # the settings'
    assert "access_token" in http.get(fetch, params=credentials(made)).json()
    assert send(http, "GET", url, 200) == {**changed, "ip_whitelist": [], "token_daily": None}
    refused = http.post(base_url + ADMIN + "/apps", json={"appid": made["appid"]})
    assert refused.status_code == 409
    assert http.patch(url, json={"name": None}).status_code == 400
    assert http.get(f"{base_url}{ADMIN}/apps/wx-nobody").status_code == 404


def test_the_tokens_listed_say_which_still_work(http: requests.Session, base_url: str, mocks: Mocks) -> None:
    mocks.clock.freeze()
    demo = mocks.model("wechat").demo_credentials()["demo"]
    fetch = base_url + MOUNT + "/cgi-bin/token"
    first = http.get(fetch, params=credentials(demo)).json()["access_token"]
    second = http.get(fetch, params=credentials(demo)).json()["access_token"]
    stable = http.post(base_url + MOUNT + "/cgi-bin/stable_token", json=credentials(demo)).json()[
        "access_token"
    ]
    mocks.clock.advance(300)
    listed = {t["access_token"]: t for t in send(http, "GET", base_url + ADMIN + "/tokens", 200)["tokens"]}
    assert set(listed) == {first, second, stable}
    assert (listed[first]["valid"], listed[first]["seconds_left"], listed[first]["stable"]) == (
        False,
        0.0,
        False,
    )
    assert (listed[second]["valid"], listed[second]["seconds_left"]) == (True, 6900.0)
    assert (listed[stable]["stable"], listed[stable]["replaced_at"]) == (True, None)
    live = {
        t["token"]
        for t in send(http, "GET", base_url + "/__admin/tokens", 200)["tokens"]
        if t["provider"] == "wechat"
    }
    assert {second, stable} <= live
