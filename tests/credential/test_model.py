"""CredentialModel's rules, called directly on a frozen virtual clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import jwt
import pytest

from provider_mocks import create_app
from provider_mocks.core.addresses import ip_allowed
from provider_mocks.core.config import ConfigError
from provider_mocks.core.errors import AdminError, ProviderError
from provider_mocks.providers.credential import errors
from provider_mocks.providers.credential.models import (
    DEMO_ECHO,
    App,
    AppChange,
    CredentialModel,
    Partner,
    PartnerChange,
    demo_set,
)
from tests.support import FrozenWorld, only_listed

from .helpers import NOON, NOON_MS

LOOPBACK = "127.0.0.1"
NOON_S = NOON_MS // 1000


class World(FrozenWorld[CredentialModel]):
    """A model on its own app, with the app's clock frozen at `at`."""

    def __init__(self, settings: dict[str, Any] | None = None, at: datetime = NOON, **config: Any) -> None:
        super().__init__(CredentialModel, {"settings": settings or {}, **config}, at)

    def partner(self, partner_id: str, disabled: bool = False) -> None:
        self.model.create_partner(Partner(id=partner_id, disabled=disabled))

    def app(self, client_id: str, partner: str = "p", **extra: Any) -> None:
        self.model.create_app(
            App(client_id=client_id, secret=f"{client_id}-secret", partner=partner, **extra)
        )

    def issue(self, client_id: str, remote: str = LOOPBACK) -> str:
        return self.model.issue_token(client_id, f"{client_id}-secret", "2", remote)

    def code(
        self, client_id: str, secret: str | None = None, user_type: str = "2", remote: str = LOOPBACK
    ) -> int | str:
        """The error code of a fetch that must fail."""
        secret = f"{client_id}-secret" if secret is None else secret
        return self.refusal(self.model.issue_token, client_id, secret, user_type, remote)

    def call(self, token: str, api: str = DEMO_ECHO, remote: str = LOOPBACK) -> App:
        return self.model.authorize(token, "req-1", api, remote)

    def denied(
        self, token: str | None, api: str = DEMO_ECHO, remote: str = LOOPBACK, request_id: str = "r"
    ) -> int | str:
        return self.refusal(self.model.authorize, token, request_id, api, remote)


def demo(role: str) -> tuple[str, str]:
    app, _ = demo_set()[1][role]
    return app.client_id, app.secret


@pytest.fixture
def world() -> World:
    w = World()
    w.partner("p")
    return w


# -- ip_allowed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote", "allowlist", "allowed"),
    [
        ("127.0.0.1", [], True),
        ("127.0.0.1", ["127.0.0.1"], True),
        ("127.0.0.1", ["127.0.0.0/8"], True),
        ("127.0.0.1", ["10.0.0.0/8"], False),
        ("10.1.2.3", ["10.0.0.0/8"], True),
        ("10.1.2.3", ["10.0.0.0/16"], False),
        ("::1", ["::1"], True),
        ("::1", ["127.0.0.1"], False),
        ("::ffff:10.0.0.5", ["10.0.0.0/24"], True),
        ("2001:db8::5", ["2001:db8::/32"], True),
        ("fe80::1%eth0", ["fe80::/10"], True),
        ("not an address", ["0.0.0.0/0"], False),
        (None, ["0.0.0.0/0"], False),
        ("", [], True),
    ],
)
def test_ip_allowed(remote: str | None, allowlist: list[str], allowed: bool) -> None:
    assert ip_allowed(remote, allowlist) is allowed


@pytest.mark.parametrize(
    ("entry", "stored"),
    [
        ("10.0.0.1", "10.0.0.1"),
        (" 10.0.0.1 ", "10.0.0.1"),
        ("10.0.0.1/24", "10.0.0.0/24"),
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("2001:db8::/32", "2001:db8::/32"),
    ],
)
def test_allow_list_entries_are_written_canonically(entry: str, stored: str) -> None:
    assert App(ip_allowlist=[entry]).ip_allowlist == [stored]


@pytest.mark.parametrize("entry", ["localhost", "10.0.0.256", "10.0.0.0/33", "", "*"])
def test_allow_list_refuses_what_is_not_an_address(entry: str) -> None:
    with pytest.raises(ValueError, match="neither an IP address nor a CIDR network"):
        App(ip_allowlist=[entry])
    with pytest.raises(ValueError, match="neither an IP address nor a CIDR network"):
        AppChange(ip_allowlist=[entry])


@pytest.mark.parametrize("grant", ["/other/api", "openapi/demo/echo", "/openapi", ""])
def test_grants_are_paths_under_openapi(grant: str) -> None:
    with pytest.raises(ValueError, match="not an API path under /openapi/"):
        App(grants=[grant])


# -- issuing tokens ----------------------------------------------------------------------


def test_demo_app_gets_a_token(world: World) -> None:
    client_id, secret = demo("demo")
    token = world.model.issue_token(client_id, secret, "2", LOOPBACK)
    assert world.call(token).client_id == client_id


def test_token_claims(world: World) -> None:
    world.app("a")
    token = world.issue("a")
    claims = jwt.decode(
        token, world.model.config.settings.signing_key, algorithms=["HS256"], options={"verify_exp": False}
    )
    assert set(claims) == {"sub", "partnerId", "userType", "iat", "exp", "jti"}
    assert (claims["sub"], claims["partnerId"], claims["userType"]) == ("a", "p", "2")
    assert (claims["iat"], claims["exp"]) == (NOON_S, NOON_S + 7200)


def test_tokens_are_distinct(world: World) -> None:
    world.app("a")
    assert len({world.issue("a") for _ in range(5)}) == 5


@pytest.mark.parametrize(
    ("client_id", "secret", "user_type"),
    [("", "s", "2"), ("a", "", "2"), ("a", "a-secret", ""), ("a", "a-secret", "1"), ("", "", "")],
)
def test_missing_parameters_or_user_type_is_10131(
    world: World, client_id: str, secret: str, user_type: str
) -> None:
    world.app("a")
    assert world.code(client_id, secret, user_type) == errors.MISSING_PARAMETERS == 10131


def test_unknown_client_is_10101(world: World) -> None:
    assert world.code("nobody", "x") == errors.UNKNOWN_CLIENT == 10101


def test_wrong_secret_is_10102(world: World) -> None:
    world.app("a")
    assert world.code("a", "a-secret ") == errors.WRONG_SECRET == 10102
    assert world.code("a", "密钥") == 10102


def test_disabled_app_is_10103(world: World) -> None:
    world.app("a", disabled=True)
    assert world.code("a") == errors.APP_DISABLED == 10103
    world.model.update_app("a", AppChange(disabled=False))
    assert world.issue("a")


def test_disabled_partner_is_10104(world: World) -> None:
    world.partner("off", disabled=True)
    world.app("a", partner="off")
    assert world.code("a") == errors.PARTNER_DISABLED == 10104
    world.model.update_partner("off", PartnerChange(disabled=False))
    assert world.issue("a")


def test_ip_allow_list_is_10106(world: World) -> None:
    world.app("a", ip_allowlist=["192.0.2.0/24"])
    assert world.code("a") == errors.IP_REFUSED == 10106
    assert world.issue("a", remote="192.0.2.77")


def test_ip_check_on_token_can_be_turned_off() -> None:
    world = World({"check_ip_on_token": False})
    world.partner("p")
    world.app("a", ip_allowlist=["192.0.2.0/24"])
    token = world.issue("a")
    assert world.denied(token) == 10106  # business calls still check
    assert world.call(token, remote="192.0.2.1")


def test_the_demo_set_shows_every_case(world: World) -> None:
    def code(role: str) -> int | str:
        return world.refusal(world.model.issue_token, *demo(role), "2", LOOPBACK)

    assert code("disabled") == 10103
    assert code("partner_off") == 10104
    assert code("ip_limited") == 10106
    token = world.model.issue_token(*demo("not_granted"), "2", LOOPBACK)
    assert world.denied(token) == 10133


def test_demo_set_is_stable() -> None:
    demo_set.cache_clear()
    again = {role: (app.client_id, app.secret) for role, (app, _) in demo_set()[1].items()}
    assert again == {role: demo(role) for role in again}
    assert len({client_id for client_id, _ in again.values()}) == 5


# -- lifetime ------------------------------------------------------------------------------


def test_token_lives_exactly_its_lifetime(world: World) -> None:
    world.app("a")
    token = world.issue("a")
    world.clock.advance(7199.999)
    assert world.call(token)
    world.clock.advance(0.001)
    assert world.denied(token) == errors.TOKEN_INVALID == 10134


def test_configured_lifetime() -> None:
    world = World({"token_lifetime": 60})
    world.partner("p")
    world.app("a")
    token = world.issue("a")
    world.clock.advance(59)
    assert world.call(token)
    world.clock.advance(1)
    assert world.denied(token) == 10134


def test_newer_tokens_leave_older_ones_valid(world: World) -> None:
    world.app("a")
    first = world.issue("a")
    second = world.issue("a")
    assert world.call(first)
    assert world.call(second)


def test_overwrite_previous_setting() -> None:
    world = World({"overwrite_previous": True})
    world.partner("p")
    world.app("a")
    world.app("b")
    first = world.issue("a")
    other = world.issue("b")
    second = world.issue("a")
    assert world.denied(first) == 10134
    assert world.call(second)
    assert world.call(other)  # per app
    listed = {t["access_token"]: t for t in world.model.tokens()}
    assert listed[first]["valid"] is False
    assert listed[second]["valid"] is True


def test_a_token_signed_with_another_key_is_10134() -> None:
    one, two = World({"signing_key": "k" * 32}), World({"signing_key": "K" * 32})
    for w in (one, two):
        w.partner("p")
        w.app("a")
    token = one.issue("a")
    assert one.call(token)
    assert two.denied(token) == 10134


def test_pyjwt_real_time_checks_do_not_apply() -> None:
    """A token issued on a clock far from real time still works on that clock."""
    for at in (datetime(1990, 1, 1, tzinfo=NOON.tzinfo), datetime(2090, 1, 1, tzinfo=NOON.tzinfo)):
        world = World(at=at)
        world.partner("p")
        world.app("a")
        token = world.issue("a")
        assert world.call(token)
        world.clock.advance(7200)
        assert world.denied(token) == 10134


# -- authorize -------------------------------------------------------------------------------


@pytest.mark.parametrize(("token", "request_id"), [(None, "r"), ("", "r"), (None, None), ("", "")])
def test_a_missing_access_token_is_10131(world: World, token: str | None, request_id: str | None) -> None:
    with pytest.raises(ProviderError) as caught:
        world.model.authorize(token, request_id, DEMO_ECHO, LOOPBACK)
    assert caught.value.code == 10131


@pytest.mark.parametrize("request_id", [None, ""])
@pytest.mark.parametrize(
    ("settings", "code"),
    [({}, errors.OK), ({"require_request_id": False}, errors.OK), ({"require_request_id": True}, 10131)],
)
def test_a_missing_request_id_is_answered_unless_required(
    settings: dict[str, Any], code: int, request_id: str | None
) -> None:
    """The provider's own demo sends none and is answered; `require_request_id` reads the doc's table."""
    world = World(settings)
    world.partner("p")
    world.app("a")
    token = world.issue("a")

    def answered() -> int | str:
        try:
            world.model.authorize(token, request_id, DEMO_ECHO, LOOPBACK)
        except ProviderError as error:
            return error.code
        return errors.OK

    assert answered() == code


def test_not_granted_is_10133(world: World) -> None:
    world.app("a", grants=["/openapi/x"])
    token = world.issue("a")
    assert world.denied(token) == errors.NOT_GRANTED == 10133
    assert world.call(token, "/openapi/x").client_id == "a"


def test_authorize_checks_in_order(world: World) -> None:
    world.app("a", grants=[])
    token = world.issue("a")
    world.model.update_app("a", AppChange(disabled=True, ip_allowlist=["192.0.2.1"]))
    assert world.denied(token) == 10103
    world.model.update_app("a", AppChange(disabled=False))
    assert world.denied(token) == 10106
    world.model.update_app("a", AppChange(ip_allowlist=[]))
    assert world.denied(token) == 10133


def test_a_repeated_request_id_is_answered(world: World) -> None:
    world.app("a")
    token = world.issue("a")
    assert world.model.authorize(token, "same", DEMO_ECHO, LOOPBACK)
    assert world.model.authorize(token, "same", DEMO_ECHO, LOOPBACK)


def test_reset_forgets_tokens_and_admin_apps(world: World) -> None:
    world.app("a")
    token = world.issue("a")
    world.model.reset()
    assert world.denied(token) == 10134
    assert world.code("a") == 10101
    assert world.model.issue_token(*demo("demo"), "2", LOOPBACK)


# -- admin operations ---------------------------------------------------------------------


def test_app_without_partner_gets_its_own(world: World) -> None:
    created = world.model.create_app(App(client_id="solo", secret="solo-secret", name="独立应用"))
    partner = world.model.partner(str(created.partner))
    assert partner.name == "独立应用"
    assert partner.disabled is False
    world.model.update_partner("partner-demo", PartnerChange(disabled=True))
    assert world.issue("solo")  # no partner shared with the demo apps


def test_duplicates_and_unknowns_are_admin_errors(world: World) -> None:
    world.app("a")
    conflicts: list[Callable[[], object]] = [
        lambda: world.model.create_partner(Partner(id="p")),
        lambda: world.model.create_app(App(client_id="a")),
    ]
    for call in conflicts:
        with pytest.raises(AdminError) as caught:
            call()
        assert caught.value.status == 409
    unknowns: list[Callable[[], object]] = [
        lambda: world.model.app("nobody"),
        lambda: world.model.partner("nobody"),
        lambda: world.model.update_app("nobody", AppChange()),
        lambda: world.model.update_partner("nobody", PartnerChange()),
        lambda: world.model.create_app(App(partner="nobody")),
    ]
    for call in unknowns:
        with pytest.raises(AdminError) as caught:
            call()
        assert caught.value.status == 404


def test_null_in_a_change_leaves_the_field(world: World) -> None:
    world.app("a", disabled=True)
    changed = world.model.update_app("a", AppChange.model_validate({"disabled": None, "name": "新"}))
    assert changed.disabled is True
    assert changed.name == "新"


def test_tokens_list(world: World) -> None:
    world.app("a")
    token = world.issue("a")
    world.clock.advance(100)
    listed = only_listed(world.model.tokens(), access_token=token, client_id="a", valid=True)
    assert listed["seconds_left"] == pytest.approx(7100)
    assert (listed["issued_at"], listed["expires_at"]) == (NOON_S, NOON_S + 7200)
    world.clock.advance(7100)
    assert world.model.tokens() == []


# -- answers -----------------------------------------------------------------------------------


def test_envelopes(world: World) -> None:
    assert list(errors.ok(world.model, "t").items()) == [
        ("code", 200),
        ("message", None),
        ("_trackId", None),
        ("data", "t"),
        ("extr", None),
        ("timestamp", NOON_MS),
        ("_status", None),
        ("ok", True),
    ]
    assert errors.error_body(world.model, ProviderError(10134)) == {
        "code": 10134,
        "message": "非法的AccessToken或已失效，请重新获取！",
        "_trackId": None,
        "data": None,
        "extr": None,
        "timestamp": NOON_MS,
        "_status": None,
        "ok": False,
    }


def test_timestamp_is_whole_milliseconds(world: World) -> None:
    world.clock.advance(0.0016)
    assert errors.ok(world.model, None)["timestamp"] == NOON_MS + 1


def test_track_id_key_setting() -> None:
    world = World({"track_id_key": "trackId"})
    assert list(errors.ok(world.model, None)) == [
        "code",
        "message",
        "trackId",
        "data",
        "extr",
        "timestamp",
        "_status",
        "ok",
    ]


def test_configured_messages_replace_the_text() -> None:
    world = World(messages={"10134": "令牌失效"})
    assert errors.error_body(world.model, ProviderError(10134))["message"] == "令牌失效"


def test_http_errors(world: World) -> None:
    assert (world.model.http_error(405).code, world.model.http_error(405).http_status) == (405, 405)
    assert (world.model.http_error(418).code, world.model.http_error(418).http_status) == (400, 418)
    crash = world.model.http_error(500)
    assert (crash.code, crash.http_status) == (500, 200)


# -- config ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"settings": {"signing_key": "short"}}, "credential.settings.signing_key"),
        ({"settings": {"token_lifetime": 0}}, "credential.settings.token_lifetime"),
        ({"settings": {"track_id_key": "track"}}, "credential.settings.track_id_key"),
        ({"settings": {"require_request_id": "maybe"}}, "credential.settings.require_request_id"),
        ({"settings": {"lifetime": 1}}, "credential.settings.lifetime"),
        ({"apps": [{"client_id": "a", "partner": "nowhere"}]}, "names partner 'nowhere'"),
        ({"apps": [{"client_id": "a", "partner": "partner-demo", "ip_allowlist": ["x"]}]}, "'x' is neither"),
        ({"demo": False, "apps": [{"client_id": "a", "partner": "partner-demo"}]}, "not configured"),
    ],
)
def test_config_errors_name_the_problem(config: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.").replace("(", r"\(")):
        create_app({"credential": config}, providers=["credential"])


def test_config_app_replaces_a_demo_app() -> None:
    client_id, _ = demo("disabled")
    world = World(apps=[{"client_id": client_id, "secret": "mine", "partner": "partner-demo"}])
    shown = world.model.demo_credentials()["disabled"]
    assert (shown["clientId"], shown["secret"]) == (client_id, "mine")
    assert world.model.issue_token(client_id, "mine", "2", LOOPBACK)  # no longer disabled


def test_no_demo() -> None:
    world = World(
        demo=False, partners=[{"id": "acme"}], apps=[{"client_id": "c", "secret": "s", "partner": "acme"}]
    )
    assert world.model.demo_credentials() == {}
    assert [a.client_id for a in world.model.apps()] == ["c"]
    assert world.model.issue_token("c", "s", "2", LOOPBACK)
