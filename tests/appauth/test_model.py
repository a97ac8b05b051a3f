"""AppAuthModel's rules, called directly on a frozen virtual clock."""

# ruff: noqa: RUF001, RUF100 (the answers' Chinese punctuation is the expected text)

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from provider_mocks.core.config import ConfigError
from provider_mocks.core.errors import ProviderError
from provider_mocks.providers.appauth import errors
from provider_mocks.providers.appauth.models import App, AppAuthModel, AppChange, demo_set
from tests.support import NOON, FrozenWorld

EXPIRE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00")


class World(FrozenWorld[AppAuthModel]):
    """A model on its own app, with the app's clock frozen at `at`."""

    def __init__(self, config: dict[str, Any] | None = None, at: datetime = NOON) -> None:
        super().__init__(AppAuthModel, config or {}, at)

    def app(self, app_id: str, **extra: Any) -> None:
        self.model.create_app(App(app_id=app_id, app_secret=f"{app_id}-secret", **extra))

    def fetch(self, app_id: str) -> dict[str, Any]:
        return self.model.fetch_token(app_id, f"{app_id}-secret")

    def code(self, app_id: str, secret: str | None = None) -> int | str:
        """The error key of a fetch that must fail."""
        return self.refusal(self.model.fetch_token, app_id, f"{app_id}-secret" if secret is None else secret)

    def codes(self, app_id: str, n: int) -> list[int | str]:
        """The outcome of `n` fetches: 200 or the error key."""
        found: list[int | str] = []
        for _ in range(n):
            try:
                self.fetch(app_id)
                found.append(200)
            except ProviderError as exc:
                found.append(exc.code)
        return found

    def denied(self, token: str | None) -> int | str:
        return self.refusal(self.model.hello, token)

    def used(self, app_id: str) -> int:
        count: int = next(a for a in self.model.apps() if a["app_id"] == app_id)["fetches_in_window"]
        return count


def demo(role: str) -> tuple[str, str]:
    app, _ = demo_set()[role]
    return app.app_id, app.app_secret


@pytest.fixture
def world() -> World:
    return World()


# -- the token answer ---------------------------------------------------------------


def test_demo_app_gets_a_token(world: World) -> None:
    result = world.model.fetch_token(*demo("demo"))
    assert list(result) == ["accessToken", "expireTime", "expiresIn"]
    assert re.fullmatch(r"[0-9a-f]{32}", result["accessToken"])
    assert result["expireTime"] == "2026-03-10T14:00:00+08:00"
    assert result["expiresIn"] == 7200


def test_expire_time_is_in_shanghai_time_whatever_the_clock_was_set_in() -> None:
    world = World(at=datetime(2026, 3, 10, 23, 30, 15, tzinfo=UTC))
    world.app("a")
    result = world.fetch("a")
    assert result["expireTime"] == "2026-03-11T09:30:15+08:00"
    assert datetime.fromisoformat(result["expireTime"]) == datetime(2026, 3, 11, 1, 30, 15, tzinfo=UTC)


def test_expire_time_has_no_fraction_and_expiry_is_a_whole_second() -> None:
    world = World(at=NOON + timedelta(seconds=0.75))
    world.app("a")
    first = world.fetch("a")
    assert first["expireTime"] == "2026-03-10T14:00:00+08:00"
    assert EXPIRE_TIME.fullmatch(first["expireTime"])
    assert first["expiresIn"] == 7200  # 7199.25 s left, rounded up
    world.clock.set(NOON + timedelta(seconds=7199.999))
    assert world.fetch("a") == {**first, "expiresIn": 1}
    world.clock.set(NOON + timedelta(seconds=7200))  # exactly expireTime
    second = world.fetch("a")
    assert second["accessToken"] != first["accessToken"]
    assert second["expireTime"] == "2026-03-10T16:00:00+08:00"
    assert second["expiresIn"] == 7200


def test_tokens_of_different_apps_are_distinct(world: World) -> None:
    for app_id in "abcde":
        world.app(app_id)
    assert len({world.fetch(app_id)["accessToken"] for app_id in "abcde"}) == 5


# -- the lifecycle -------------------------------------------------------------------


def test_same_token_and_expire_time_within_validity_with_expires_in_counting_down(world: World) -> None:
    world.app("a")
    first = world.fetch("a")
    seen = [first["expiresIn"]]
    for step in (1, 0.5, 98.5, 3600, 3499):
        world.clock.advance(step)
        again = world.fetch("a")
        assert again["accessToken"] == first["accessToken"]
        assert again["expireTime"] == first["expireTime"]
        seen.append(again["expiresIn"])
    # 7200 s left, then 7199, 7198.5 (rounded up), 7100, 3500, 1
    assert seen == [7200, 7199, 7199, 7100, 3500, 1]


def test_a_new_token_exactly_at_expiry(world: World) -> None:
    world.app("a")
    first = world.fetch("a")["accessToken"]
    world.clock.advance(7199.999)
    assert world.fetch("a")["accessToken"] == first
    assert world.model.hello(first)
    world.clock.advance(0.001)
    assert world.denied(first) == errors.TOKEN_INVALID
    second = world.fetch("a")
    assert second["accessToken"] != first
    assert second["expiresIn"] == 7200
    assert world.model.hello(second["accessToken"])


def test_expired_token_is_refused_before_anyone_fetches_again(world: World) -> None:
    world.app("a")
    first = world.fetch("a")["accessToken"]
    world.clock.advance(7200)
    assert world.denied(first) == errors.TOKEN_INVALID


def test_configured_lifetime() -> None:
    world = World({"settings": {"token_lifetime": 60}})
    world.app("a")
    first = world.fetch("a")
    assert first["expiresIn"] == 60
    assert first["expireTime"] == "2026-03-10T12:01:00+08:00"
    world.clock.advance(60)
    assert world.fetch("a")["accessToken"] != first["accessToken"]


def test_per_app_lifetime_overrides_the_settings() -> None:
    world = World({"settings": {"token_lifetime": 60}})
    world.app("a", token_lifetime=300)
    world.app("b")
    assert world.fetch("a")["expiresIn"] == 300
    assert world.fetch("b")["expiresIn"] == 60


def test_demo_expiring_app_renews_after_a_minute(world: World) -> None:
    app_id, secret = demo("expiring")
    first = world.model.fetch_token(app_id, secret)
    assert first["expiresIn"] == 60
    world.clock.advance(60)
    assert world.model.fetch_token(app_id, secret)["accessToken"] != first["accessToken"]


def test_changing_the_lifetime_keeps_the_live_token(world: World) -> None:
    world.app("a")
    first = world.fetch("a")
    world.model.update_app("a", AppChange(token_lifetime=60))
    world.clock.advance(120)
    assert world.fetch("a")["accessToken"] == first["accessToken"]
    world.clock.advance(7080)
    assert world.fetch("a")["expiresIn"] == 60


def test_tokens_are_per_app(world: World) -> None:
    world.app("a")
    world.app("b")
    token_a = world.fetch("a")["accessToken"]
    token_b = world.fetch("b")["accessToken"]
    assert token_a != token_b
    assert world.fetch("a")["accessToken"] == token_a


def test_concurrent_fetches_after_expiry_agree_on_one_token(world: World) -> None:
    world.app("a", rate_limit=1000)
    world.fetch("a")
    world.clock.advance(7200)
    got: list[str] = []
    barrier = threading.Barrier(16)

    def run() -> None:
        barrier.wait()
        got.append(world.fetch("a")["accessToken"])

    threads = [threading.Thread(target=run) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 16
    assert len(set(got)) == 1
    assert [t["accessToken"] for t in world.model.tokens()] == got[:1]


# -- credentials ----------------------------------------------------------------------


@pytest.mark.parametrize(("app_id", "secret"), [("", ""), ("", "secret"), ("appx", "")])
def test_missing_id_or_secret(world: World, app_id: str, secret: str) -> None:
    assert world.code(app_id, secret) == errors.CREDENTIALS_MISSING == "401.missing"


def test_missing_secret_of_a_real_app(world: World) -> None:
    assert world.code(demo("demo")[0], "") == "401.missing"


def test_unknown_app_or_wrong_secret(world: World) -> None:
    app_id, secret = demo("demo")
    assert world.code("app-nobody", secret) == errors.CREDENTIALS_WRONG == "401.credentials"
    for wrong in (secret + "x", secret.upper(), secret[:-1], "密钥", " " + secret):
        assert world.code(app_id, wrong) == "401.credentials", wrong


# -- the rate limit ---------------------------------------------------------------------


def test_twenty_fetches_a_minute_by_default(world: World) -> None:
    world.app("a")
    assert world.codes("a", 21) == [200] * 20 + [errors.RATE_LIMITED]


def test_window_opens_at_the_first_fetch_and_lasts_sixty_seconds() -> None:
    world = World(at=NOON + timedelta(seconds=30))
    world.app("a")
    world.fetch("a")
    world.clock.advance(29)
    assert world.codes("a", 20) == [200] * 19 + [429]
    world.clock.set(NOON + timedelta(seconds=60))  # a new clock minute: the same window
    assert world.code("a") == 429
    world.clock.set(NOON + timedelta(seconds=89.999))
    assert world.code("a") == 429
    world.clock.set(NOON + timedelta(seconds=90))  # 60 s after the first fetch
    assert world.codes("a", 21) == [200] * 20 + [429]
    assert world.used("a") == 20


def test_aligned_windows_reset_on_the_minute() -> None:
    world = World({"settings": {"rate_window_start": "aligned"}}, at=NOON + timedelta(seconds=59))
    world.app("a")
    assert world.codes("a", 21) == [200] * 20 + [429]
    world.clock.advance(0.999)
    assert world.code("a") == 429
    world.clock.advance(0.001)  # 12:01:00
    assert world.codes("a", 21) == [200] * 20 + [429]
    world.clock.advance(59.999)
    assert world.code("a") == 429
    world.clock.advance(0.001)
    assert world.used("a") == 0
    assert world.fetch("a")


def test_configured_limit_and_window() -> None:
    world = World({"settings": {"rate_limit": 2, "rate_window": 10}})
    world.app("a")
    assert world.codes("a", 3) == [200, 200, 429]
    world.clock.advance(10)
    assert world.codes("a", 3) == [200, 200, 429]


def test_per_app_limit_overrides_the_settings() -> None:
    world = World({"settings": {"rate_limit": 2}})
    world.app("a", rate_limit=4)
    world.app("b")
    assert world.codes("a", 5) == [200] * 4 + [429]
    assert world.codes("b", 3) == [200, 200, 429]


def test_zero_limit_refuses_every_fetch(world: World) -> None:
    world.app("a", rate_limit=0)
    assert world.codes("a", 2) == [429, 429]


def test_demo_limited_app_allows_three(world: World) -> None:
    app_id, secret = demo("limited")
    for _ in range(3):
        world.model.fetch_token(app_id, secret)
    assert world.code(app_id, secret) == 429


def test_refused_fetches_do_not_count(world: World) -> None:
    world.app("a", rate_limit=2)
    world.codes("a", 2)
    world.clock.advance(30)
    assert world.codes("a", 5) == [429] * 5
    assert world.used("a") == 2
    world.clock.advance(30)  # the window opened by the first fetch closes
    assert world.codes("a", 3) == [200, 200, 429]


def test_fetches_with_bad_credentials_do_not_count(world: World) -> None:
    world.app("a", rate_limit=2)
    for _ in range(5):
        world.code("a", "wrong")
        world.code("a", "")
    assert world.used("a") == 0
    assert world.codes("a", 3) == [200, 200, 429]


def test_limits_are_per_app(world: World) -> None:
    world.app("a", rate_limit=1)
    world.app("b", rate_limit=1)
    world.fetch("a")
    assert world.code("a") == 429
    assert world.fetch("b")
    assert world.model.fetch_token(*demo("demo"))


def test_changing_the_limit_mid_window(world: World) -> None:
    world.app("a", rate_limit=1)
    world.fetch("a")
    assert world.code("a") == 429
    world.model.update_app("a", AppChange(rate_limit=3))
    assert world.codes("a", 3) == [200, 200, 429]
    world.model.update_app("a", AppChange(rate_limit=None))  # the settings' 20 again
    assert world.codes("a", 18) == [200] * 17 + [429]


def test_concurrent_fetches_hit_the_limit_exactly(world: World) -> None:
    world.app("a", rate_limit=7)
    outcomes: list[int | str] = []
    tokens: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(40)

    def run() -> None:
        barrier.wait()
        try:
            result = world.fetch("a")
            with lock:
                outcomes.append(200)
                tokens.append(result["accessToken"])
        except ProviderError as exc:
            with lock:
                outcomes.append(exc.code)

    threads = [threading.Thread(target=run) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [200] * 7 + [429] * 33
    assert len(set(tokens)) == 1
    assert world.used("a") == 7


# -- hello -------------------------------------------------------------------------------


def test_hello_greets_the_tokens_app(world: World) -> None:
    app_id, secret = demo("demo")
    token = world.model.fetch_token(app_id, secret)["accessToken"]
    assert world.model.hello(token) == f"你好，{demo_set()['demo'][0].name}！"


def test_hello_names_an_app_without_a_name_by_its_id(world: World) -> None:
    world.app("a")
    assert world.model.hello(world.fetch("a")["accessToken"]) == "你好，a！"


def test_configured_greeting() -> None:
    world = World({"settings": {"greeting": "hello {name} ({appId}) {{ok}}"}})
    world.app("a", name="甲")
    assert world.model.hello(world.fetch("a")["accessToken"]) == "hello 甲 (a) {ok}"


@pytest.mark.parametrize("greeting", ["hi {app}", "hi {0}", "hi {name!r}", "hi {name:>9}", "hi {", "hi }"])
def test_bad_greeting_is_a_clear_config_error(greeting: str) -> None:
    with pytest.raises(ConfigError) as caught:
        World({"settings": {"greeting": greeting}})
    assert "appauth.settings.greeting" in str(caught.value)


@pytest.mark.parametrize(
    "token", [None, "", "0" * 32, "not-a-token", "appauth:app:x", "../token", "x" * 10_000]
)
def test_hello_refuses_missing_or_unknown_tokens(world: World, token: str | None) -> None:
    assert world.denied(token) == errors.TOKEN_INVALID == "401.token"


def test_hello_refuses_truncated_and_altered_tokens(world: World) -> None:
    token = world.model.fetch_token(*demo("demo"))["accessToken"]
    for forged in (token[:-1], token[1:], token + "0", token.upper(), token[:16]):
        assert world.denied(forged) == "401.token", forged
    assert world.model.hello(token)


def test_secret_change_keeps_the_live_token(world: World) -> None:
    world.app("a")
    first = world.fetch("a")["accessToken"]
    world.model.update_app("a", AppChange(app_secret="new"))
    assert world.code("a") == "401.credentials"
    assert world.model.fetch_token("a", "new")["accessToken"] == first
    assert world.model.hello(first) == "你好，a！"


# -- admin views -------------------------------------------------------------------------


def test_tokens_show_expires_in_on_the_virtual_clock(world: World) -> None:
    world.app("a")
    token = world.fetch("a")["accessToken"]
    world.clock.advance(100.5)
    (listed,) = world.model.tokens()
    assert listed == {
        "accessToken": token,
        "app_id": "a",
        "issued_at": NOON.timestamp(),
        "expires_at": NOON.timestamp() + 7200,
        "expireTime": "2026-03-10T14:00:00+08:00",
        "expiresIn": 7100,
    }
    world.clock.advance(7099.5)
    assert world.model.tokens() == []


def test_stored_token_records_keep_their_json(world: World) -> None:
    """What a fetch stores is the mapping earlier versions stored, whole seconds as integers, so
    state written by either reads the same."""
    world.app("a")
    token = world.fetch("a")["accessToken"]
    store, now, expiry = world.model.store, NOON.timestamp(), int(NOON.timestamp()) + 7200
    current = {"accessToken": token, "issued_at": now, "expires_at": expiry}
    assert json.dumps(store.get("appauth:current:a")) == json.dumps(current)
    assert json.dumps(store.get(f"appauth:token:{token}")) == json.dumps(
        {"app_id": "a", "issued_at": now, "expires_at": expiry}
    )
    store.set("appauth:current:b", {**current, "accessToken": "earlier"})  # as written before
    store.set("appauth:token:earlier", {"app_id": "b", "issued_at": now, "expires_at": expiry})
    world.app("b")
    assert world.fetch("b")["accessToken"] == "earlier"
    assert world.model.hello("earlier") == "你好，b！"


def test_create_and_change_apps(world: World) -> None:
    from provider_mocks.core.errors import AdminError

    created = world.model.create_app(App(app_id="a", app_secret="s", name="甲", rate_limit=5))
    assert created.model_dump() == {
        "app_id": "a",
        "app_secret": "s",
        "name": "甲",
        "rate_limit": 5,
        "token_lifetime": None,
    }
    with pytest.raises(AdminError) as caught:
        world.model.create_app(App(app_id="a"))
    assert caught.value.status == 409
    with pytest.raises(AdminError) as caught:
        world.model.update_app("nobody", AppChange(name="x"))
    assert caught.value.status == 404
    changed = world.model.update_app("a", AppChange(app_secret="t", token_lifetime=60))
    assert changed.model_dump() == {
        "app_id": "a",
        "app_secret": "t",
        "name": "甲",
        "rate_limit": 5,
        "token_lifetime": 60,
    }


def test_generated_app_credentials_are_fresh() -> None:
    one, two = App(), App()
    assert one.app_id != two.app_id
    assert one.app_secret != two.app_secret
    assert re.fullmatch(r"app[0-9a-f]{16}", one.app_id)


def test_fresh_credentials_share_nothing(world: World) -> None:
    one, two = world.model.fresh_credentials(), world.model.fresh_credentials()
    assert set(one) == {"appId", "appSecret"}
    assert one["appId"] != two["appId"]
    tokens = {world.model.fetch_token(one["appId"], one["appSecret"])["accessToken"] for _ in range(20)}
    assert world.code(one["appId"], one["appSecret"]) == 429
    other = world.model.fetch_token(two["appId"], two["appSecret"])
    assert other["expiresIn"] == 7200
    assert len(tokens) == 1
    assert other["accessToken"] not in tokens


# -- config ---------------------------------------------------------------------------------


def test_config_app_replaces_a_demo_app() -> None:
    app_id, _ = demo("demo")
    world = World({"apps": [{"app_id": app_id, "app_secret": "mine", "rate_limit": 1}]})
    assert world.model.demo_credentials()["demo"]["appSecret"] == "mine"
    assert world.model.fetch_token(app_id, "mine")
    with pytest.raises(ProviderError):
        world.model.fetch_token(app_id, "mine")


def test_demo_false_drops_the_demo_apps() -> None:
    world = World({"demo": False, "apps": [{"app_id": "a", "app_secret": "a-secret"}]})
    assert world.model.demo_credentials() == {}
    assert [a["app_id"] for a in world.model.apps()] == ["a"]
    assert world.fetch("a")


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"apps": [{"app_id": "a"}, {"app_id": "a"}]}, "configured twice"),
        ({"messages": {"401": "x"}}, "unknown message key(s) 401"),
        ({"settings": {"rate_limit": -1}}, "appauth.settings.rate_limit"),
        ({"settings": {"rate_window": 0}}, "appauth.settings.rate_window"),
        ({"settings": {"token_lifetime": 0}}, "appauth.settings.token_lifetime"),
        ({"settings": {"rate_window_start": "sliding"}}, "appauth.settings.rate_window_start"),
        ({"settings": {"rate_limt": 5}}, "appauth.settings.rate_limt"),
        ({"apps": [{"app_id": ""}]}, "appauth.apps.0.app_id"),
    ],
)
def test_bad_config_is_a_clear_error(config: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        World(config)
    assert fragment in str(caught.value)


def test_configured_messages_replace_the_text() -> None:
    world = World({"messages": {"429": "慢一点", "401.token": "令牌无效"}})
    assert errors.error_body(world.model, ProviderError(429))["message"] == "慢一点"
    assert errors.error_body(world.model, ProviderError("401.token")) == {
        "code": 401,
        "message": "令牌无效",
        "result": None,
        "success": False,
    }


# -- answers ---------------------------------------------------------------------------------


def test_error_body_and_ok(world: World) -> None:
    assert errors.error_body(world.model, ProviderError(errors.CREDENTIALS_MISSING)) == {
        "code": 401,
        "message": "appId或appSecret不能为空",
        "result": None,
        "success": False,
    }
    assert list(errors.ok(world.model, "x")) == ["code", "message", "result", "success"]
    assert errors.ok(world.model, "x") == {"code": 200, "message": "操作成功", "result": "x", "success": True}


def test_http_errors(world: World) -> None:
    assert world.model.http_error(405).code == 405
    assert world.model.http_error(405).http_status == 405
    assert world.model.http_error(418).code == 400
    assert world.model.http_error(418).http_status == 418
    crash = world.model.http_error(500)
    assert (crash.code, crash.http_status) == (500, 200)


def test_reset_drops_state_and_reseeds(world: World) -> None:
    world.app("a")
    world.fetch("a")
    world.model.reset()
    assert world.model.tokens() == []
    assert world.code("a") == "401.credentials"
    assert world.model.fetch_token(*demo("demo"))
