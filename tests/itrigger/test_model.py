"""ITriggerModel's rules, called directly on a frozen virtual clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from provider_mocks.core.errors import ProviderError
from provider_mocks.providers.itrigger import errors
from provider_mocks.providers.itrigger.models import (
    DEMO_GET,
    DEMO_POST,
    App,
    AppChange,
    ITriggerModel,
    Tenant,
    TenantChange,
    demo_set,
)
from tests.support import NOON, SHANGHAI, FrozenWorld, only_listed


class World(FrozenWorld[ITriggerModel]):
    """A model on its own app, with the app's clock frozen at `at`."""

    def __init__(self, settings: dict[str, Any] | None = None, at: datetime = NOON) -> None:
        super().__init__(ITriggerModel, {"settings": settings or {}}, at)

    def tenant(self, tenant_id: str, daily_limit: int | None = None) -> None:
        self.model.create_tenant(Tenant(id=tenant_id, daily_limit=daily_limit))

    def app(self, app_id: str, tenant: str, **extra: Any) -> None:
        self.model.create_app(App(app_id=app_id, app_secret=f"{app_id}-secret", tenant=tenant, **extra))

    def tenant_app(self, app_id: str, **extra: Any) -> None:
        """App `app_id` in a tenant "t" of its own: what most cases need."""
        self.tenant("t")
        self.app(app_id, "t", **extra)

    def issue(self, app_id: str) -> str:
        return self.model.issue_token(app_id, f"{app_id}-secret")

    def code(self, app_id: str, secret: str | None = None) -> int | str:
        """The error code of a fetch that must fail."""
        return self.refusal(self.model.issue_token, app_id, f"{app_id}-secret" if secret is None else secret)

    def denied(self, token: str | None, api: str = DEMO_GET) -> int | str:
        return self.refusal(self.model.authorize, token, api)


def demo(role: str) -> tuple[str, str]:
    app, _ = demo_set()[1][role]
    return app.app_id, app.app_secret


@pytest.fixture
def world() -> World:
    return World()


# -- credentials ------------------------------------------------------------------


def test_demo_app_gets_a_token(world: World) -> None:
    token = world.model.issue_token(*demo("demo"))
    assert isinstance(token, str)
    assert token
    assert world.model.authorize(token, DEMO_GET).app_id == demo("demo")[0]


def test_tokens_are_distinct(world: World) -> None:
    world.tenant_app("a")
    assert len({world.issue("a") for _ in range(5)}) == 5


@pytest.mark.parametrize(
    ("app_id", "secret"),
    [("", ""), ("", "secret"), ("qjyabc", ""), (None, None)],
)
def test_empty_id_or_secret_is_40001(world: World, app_id: str | None, secret: str | None) -> None:
    assert world.code(app_id or "", secret or "") == errors.EMPTY_CREDENTIALS == 40001


def test_empty_secret_of_a_real_app_is_40001(world: World) -> None:
    app_id, _ = demo("demo")
    assert world.code(app_id, "") == 40001


def test_unknown_app_is_40002(world: World) -> None:
    assert world.code("qjy-nobody", "whatever") == errors.BAD_CREDENTIALS == 40002


def test_wrong_secret_is_40002(world: World) -> None:
    app_id, secret = demo("demo")
    assert world.code(app_id, secret + "x") == 40002
    assert world.code(app_id, secret.upper()) == 40002
    assert world.code(app_id, secret[:-1]) == 40002


def test_non_ascii_secret_is_40002(world: World) -> None:
    app_id, _ = demo("demo")
    assert world.code(app_id, "密钥") == 40002


def test_frozen_app_is_40003(world: World) -> None:
    assert world.code(*demo("frozen")) == errors.APP_FROZEN == 40003


def test_frozen_app_with_a_wrong_secret_is_40002(world: World) -> None:
    app_id, _ = demo("frozen")
    assert world.code(app_id, "wrong") == 40002


def test_freezing_and_thawing_an_app(world: World) -> None:
    world.tenant_app("a", frozen=True)
    assert world.code("a") == 40003
    world.model.update_app("a", AppChange(frozen=False))
    assert world.issue("a")
    world.model.update_app("a", AppChange(frozen=True))
    assert world.code("a") == 40003


def test_failed_fetches_do_not_count(world: World) -> None:
    world.tenant("t", daily_limit=1)
    world.app("a", "t")
    world.app("ice", "t", frozen=True)
    for _ in range(3):
        world.code("a", "wrong")
        world.code("ice")
    assert world.issue("a")
    assert world.code("a") == 40004


# -- the daily limit ----------------------------------------------------------------


def test_limit_is_shared_by_the_apps_of_one_tenant(world: World) -> None:
    world.tenant("t", daily_limit=3)
    world.app("a", "t")
    world.app("b", "t")
    world.issue("a")
    world.issue("b")
    world.issue("a")
    assert world.code("a") == errors.TENANT_LIMIT == 40004
    assert world.code("b") == 40004


def test_other_tenants_are_unaffected(world: World) -> None:
    world.tenant("t", daily_limit=1)
    world.tenant("u", daily_limit=1)
    world.app("a", "t")
    world.app("b", "u")
    world.issue("a")
    assert world.code("a") == 40004
    assert world.issue("b")
    # The demo tenant keeps its own (default) allowance too.
    assert world.model.issue_token(*demo("demo"))


def test_demo_limited_tenant_allows_three(world: World) -> None:
    app_id, secret = demo("limited")
    for _ in range(3):
        world.model.issue_token(app_id, secret)
    assert world.code(app_id, secret) == 40004


def test_refused_fetch_does_not_use_up_the_count(world: World) -> None:
    world.tenant("t", daily_limit=2)
    world.app("a", "t")
    world.issue("a")
    world.issue("a")
    for _ in range(5):
        assert world.code("a") == 40004
    used = {t["id"]: t["used_today"] for t in world.model.tenants()}
    assert used["t"] == 2


def test_settings_daily_limit_applies_to_tenants_without_their_own() -> None:
    world = World({"daily_limit": 2})
    world.tenant_app("a")
    world.issue("a")
    world.issue("a")
    assert world.code("a") == 40004


def test_tenant_limit_overrides_the_settings() -> None:
    world = World({"daily_limit": 1})
    world.tenant("t", daily_limit=3)
    world.app("a", "t")
    for _ in range(3):
        world.issue("a")
    assert world.code("a") == 40004


def test_zero_limit_refuses_every_fetch(world: World) -> None:
    world.tenant("t", daily_limit=0)
    world.app("a", "t")
    assert world.code("a") == 40004


def test_raising_a_tenant_limit_mid_day(world: World) -> None:
    world.tenant("t", daily_limit=1)
    world.app("a", "t")
    world.issue("a")
    assert world.code("a") == 40004
    world.model.update_tenant("t", TenantChange(daily_limit=2))
    assert world.issue("a")
    assert world.code("a") == 40004


def test_limit_resets_at_shanghai_midnight() -> None:
    world = World(at=datetime(2026, 3, 10, 23, 59, 59, tzinfo=SHANGHAI))
    world.tenant("t", daily_limit=2)
    world.app("a", "t")
    world.issue("a")
    world.issue("a")
    assert world.code("a") == 40004
    world.clock.advance(1)  # 2026-03-11T00:00:00+08:00
    assert world.issue("a")
    assert world.issue("a")
    assert world.code("a") == 40004


def test_limit_does_not_reset_at_utc_midnight() -> None:
    world = World(at=datetime(2026, 3, 10, 23, 59, 59, tzinfo=UTC))  # 07:59:59 in Shanghai
    world.tenant("t", daily_limit=2)
    world.app("a", "t")
    world.issue("a")
    world.issue("a")
    assert world.code("a") == 40004
    world.clock.advance(1)  # UTC midnight: the same Shanghai day
    assert world.code("a") == 40004
    world.clock.set(datetime(2026, 3, 11, 15, 59, 59, tzinfo=UTC))  # 23:59:59 in Shanghai
    assert world.code("a") == 40004
    world.clock.advance(1)
    assert world.issue("a")


def test_limit_day_follows_the_configured_timezone() -> None:
    world = World({"timezone": "UTC"}, at=datetime(2026, 3, 10, 23, 59, 59, tzinfo=UTC))
    world.tenant("t", daily_limit=1)
    world.app("a", "t")
    world.issue("a")
    assert world.code("a") == 40004
    world.clock.advance(1)
    assert world.issue("a")


def test_used_today_counts_per_shanghai_day() -> None:
    world = World(at=datetime(2026, 3, 10, 23, 0, tzinfo=SHANGHAI))
    world.tenant("t", daily_limit=10)
    world.app("a", "t")
    for _ in range(4):
        world.issue("a")
    used = {t["id"]: t["used_today"] for t in world.model.tenants()}
    assert used["t"] == 4
    assert used["tenant-small"] == 0
    world.clock.advance(3600)
    used = {t["id"]: t["used_today"] for t in world.model.tenants()}
    assert used["t"] == 0


# -- token lifetime and overwriting --------------------------------------------------


def test_token_valid_until_exactly_its_lifetime(world: World) -> None:
    world.tenant_app("a")
    token = world.issue("a")
    world.clock.advance(7199.999)
    assert world.model.authorize(token, DEMO_GET).app_id == "a"
    world.clock.advance(0.001)  # exactly 7200 s after issue
    assert world.denied(token) == errors.TOKEN_INVALID == 401


def test_configured_lifetime() -> None:
    world = World({"token_lifetime": 60})
    world.tenant_app("a")
    token = world.issue("a")
    world.clock.advance(59)
    assert world.model.authorize(token, DEMO_GET)
    world.clock.advance(1)
    assert world.denied(token) == 401


def test_new_token_after_expiry_works(world: World) -> None:
    world.tenant_app("a")
    world.issue("a")
    world.clock.advance(7200)
    token = world.issue("a")
    assert world.model.authorize(token, DEMO_GET)


def test_overwrite_invalidates_the_previous_token_at_once(world: World) -> None:
    world.tenant_app("a")
    first = world.issue("a")
    second = world.issue("a")
    assert world.denied(first) == 401
    assert world.model.authorize(second, DEMO_GET).app_id == "a"
    third = world.issue("a")
    assert world.denied(second) == 401
    assert world.denied(first) == 401
    assert world.model.authorize(third, DEMO_GET)


def test_overwrite_is_per_app(world: World) -> None:
    world.tenant("t")
    world.app("a", "t")
    world.app("b", "t")
    token_a = world.issue("a")
    token_b = world.issue("b")
    assert world.model.authorize(token_a, DEMO_GET).app_id == "a"
    assert world.model.authorize(token_b, DEMO_GET).app_id == "b"


def test_overwrite_grace_keeps_the_previous_token_for_its_seconds() -> None:
    world = World({"overwrite_grace": 60})
    world.tenant_app("a")
    first = world.issue("a")
    world.clock.advance(100)
    second = world.issue("a")
    assert world.model.authorize(first, DEMO_GET)
    world.clock.advance(59.999)
    assert world.model.authorize(first, DEMO_GET)
    world.clock.advance(0.001)  # 60 s after the overwrite
    assert world.denied(first) == 401
    assert world.model.authorize(second, DEMO_GET)


def test_overwrite_grace_never_extends_a_token_beyond_its_lifetime() -> None:
    world = World({"overwrite_grace": 600})
    world.tenant_app("a")
    first = world.issue("a")
    world.clock.advance(7100)
    world.issue("a")
    world.clock.advance(100)  # the first token's own expiry
    assert world.denied(first) == 401


# -- authorize --------------------------------------------------------------------------


def test_authorize_missing_or_unknown_token_is_401(world: World) -> None:
    assert world.denied(None) == 401
    assert world.denied("") == 401
    assert world.denied("0" * 32) == 401


def test_authorize_an_api_not_granted_is_403(world: World) -> None:
    token = world.model.issue_token(*demo("get_only"))
    assert world.model.authorize(token, DEMO_GET)
    assert world.denied(token, DEMO_POST) == errors.NOT_GRANTED == 403


def test_authorize_granted_apis(world: World) -> None:
    world.tenant_app("a", grants=["/itrigger-bff/v2/open/api/thing"])
    token = world.issue("a")
    assert world.model.authorize(token, "/itrigger-bff/v2/open/api/thing").app_id == "a"
    assert world.denied(token, DEMO_GET) == 403


def test_authorize_returns_the_app(world: World) -> None:
    app_id, secret = demo("demo")
    token = world.model.issue_token(app_id, secret)
    app = world.model.authorize(token, DEMO_POST)
    assert app.app_id == app_id
    assert app.tenant == "tenant-demo"
    assert set(app.grants) == {DEMO_GET, DEMO_POST}


# -- tokens() -------------------------------------------------------------------------------


def test_tokens_show_seconds_left(world: World) -> None:
    world.tenant_app("a")
    token = world.issue("a")
    world.clock.advance(100)
    listed = only_listed(world.model.tokens(), accessToken=token, app_id="a", valid=True, overwritten=False)
    assert listed["seconds_left"] == pytest.approx(7100)
    assert listed["issued_at"] == NOON.timestamp()
    assert listed["expires_at"] == NOON.timestamp() + 7200


def test_tokens_show_overwritten_ones_as_invalid(world: World) -> None:
    world.tenant_app("a")
    first = world.issue("a")
    second = world.issue("a")
    listed = {t["accessToken"]: t for t in world.model.tokens()}
    assert listed[first]["valid"] is False
    assert listed[first]["overwritten"] is True
    assert listed[first]["seconds_left"] == 0
    assert listed[second]["valid"] is True
    assert listed[second]["seconds_left"] == pytest.approx(7200)


def test_tokens_drop_expired_ones(world: World) -> None:
    world.tenant_app("a")
    world.issue("a")
    world.clock.advance(7200)
    assert world.model.tokens() == []


# -- answers ---------------------------------------------------------------------------------


def test_error_body_and_ok(world: World) -> None:
    assert errors.error_body(world.model, ProviderError(40004)) == {
        "code": 40004,
        "message": "超过租户调用次数限制",
        "data": None,
    }
    assert errors.ok(world.model, {"accessToken": "t"}) == {
        "code": 200,
        "message": "操作成功",
        "data": {"accessToken": "t"},
    }


def test_reset_drops_state_and_reseeds(world: World) -> None:
    world.tenant_app("a")
    world.issue("a")
    world.model.reset()
    assert world.model.tokens() == []
    assert world.code("a") == 40002
    assert world.model.issue_token(*demo("demo"))
