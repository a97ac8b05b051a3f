"""AtripModel's rules, called directly on a frozen virtual clock, and its config."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from provider_mocks import create_app
from provider_mocks.core.config import ConfigError
from provider_mocks.core.errors import ProviderError
from provider_mocks.providers.atrip import errors
from provider_mocks.providers.atrip.models import AtripModel, Client, ClientChange, Session, demo_set
from tests.support import FrozenWorld

from .helpers import BODY, ID, SECRET

NOON = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)


class World(FrozenWorld[AtripModel]):
    """A model on its own app, with the app's clock frozen at NOON."""

    def __init__(self, **config: Any) -> None:
        super().__init__(AtripModel, config, NOON)

    def headers(self, role: str = "demo", **extra: str) -> dict[str, str]:
        client, _ = demo_set()[role]
        sent = {ID: client.client_id, SECRET: client.client_secret, "Content-Type": "application/json"}
        return {k: v for k, v in (sent | extra).items() if v}

    def issue(self, body: Any = None, role: str = "demo", **extra: str) -> Session:
        raw = json.dumps(BODY if body is None else body).encode()
        return self.model.issue(self.headers(role, **extra), raw)

    def refused(self, body: Any = None, role: str = "demo", **extra: str) -> tuple[int | str, str]:
        """The status and msg of a request that must fail."""
        with pytest.raises(ProviderError) as caught:
            self.issue(body, role, **extra)
        return caught.value.code, self.model.error_message(caught.value)


@pytest.fixture
def world() -> World:
    return World()


# -- the token request ------------------------------------------------------------------


def test_a_session_holds_what_was_asked(world: World) -> None:
    session = world.issue({**BODY, "role": "TECH", "cid": "c-1"})
    client, _ = demo_set()["demo"]
    assert session.model_dump() == {
        "token": session.token,
        "client_id": client.client_id,
        "client_name": client.name,
        "order_no": BODY["orderNo"],
        "user_name": BODY["userName"],
        "role": "Developer",
        "role_sent": "TECH",
        "cid": "c-1",
        "issued_at": NOON.timestamp(),
        "expires_at": NOON.timestamp() + 1800,
    }
    assert world.model.session(session.token) == session


def test_header_names_are_read_in_any_case(world: World) -> None:
    client, _ = demo_set()["demo"]
    sent = {
        "X-Atlas-Client-Id": client.client_id,
        "X-ATLAS-CLIENT-SECRET": client.client_secret,
        "CONTENT-TYPE": "application/json",
    }
    assert world.model.issue(sent, json.dumps(BODY).encode()).order_no == BODY["orderNo"]


def test_the_checks_come_in_order(world: World) -> None:
    bad_all = {"orderNo": "NOT-MINE", "role": "Boss"}
    assert world.refused(bad_all, "orders", **{SECRET: "wrong", "Content-Type": "text/plain"}) == (
        3,
        "Unauthorized access",
    )
    assert world.refused(bad_all, "orders", **{"Content-Type": "text/plain"}) == (
        2,
        "Content-Type must be application/json",
    )
    assert world.refused(bad_all, "orders") == (2, "userName is required")
    assert world.refused({**bad_all, "userName": "x"}, "orders") == (
        2,
        world.model.message("bad_role").format(
            roles="Customer service, Finance, Developer, Admin, TICKETING, FINANCE, TECH, ADMIN"
        ),
    )
    assert world.refused({**bad_all, "userName": "x", "role": "Admin"}, "orders") == (
        3, "Unauthorized access: the order does not belong to this client"
    )  # fmt: skip


def test_portal_session_expires_on_the_virtual_clock(world: World) -> None:
    token = world.issue().token
    world.clock.advance(1799.999)
    assert world.model.session(token) is not None
    assert [s["seconds_left"] for s in world.model.sessions()] == [pytest.approx(0.001, abs=1e-6)]
    world.clock.advance(0.001)
    assert world.model.session(token) is None
    assert world.model.sessions() == []


@pytest.mark.parametrize("token", [None, "", "unknown", "0" * 32])
def test_unknown_tokens_have_no_session(world: World, token: str | None) -> None:
    world.issue()
    assert world.model.session(token) is None


def test_portal_url_is_absolute_on_the_callers_host(world: World) -> None:
    assert world.model.portal_url("http://sandbox.atriptech.com/", "abc") == (
        "http://sandbox.atriptech.com/atrip-portal/login?token=abc"
    )


# -- settings -------------------------------------------------------------------------------


def test_portal_token_lifetime_is_configurable() -> None:
    world = World(settings={"portal_token_lifetime": 60})
    token = world.issue().token
    world.clock.advance(59.999)
    assert world.model.session(token) is not None
    world.clock.advance(0.001)
    assert world.model.session(token) is None


def test_every_documented_header_can_be_required() -> None:
    world = World(settings={"required_headers": ["Accept", "Accept-Encoding", "Content-Type"]})
    assert world.refused() == (2, "Missing required header: Accept")
    assert world.refused(Accept="*/*") == (2, "Missing required header: Accept-Encoding")
    assert world.issue(Accept="*/*", **{"Accept-Encoding": "gzip"}).role == "Customer service"


@pytest.mark.parametrize(
    ("accept", "answer"),
    [
        ("*/*", (200, 0, None)),
        (" */* ", (200, 0, None)),
        ("", (200, 0, None)),  # blank is missing: required_headers' business
        ("application/json", (406, 2, "Accept must be */*")),
        ("*/*, text/html", (406, 2, "Accept must be */*")),
    ],
)
def test_strict_accept_refuses_all_but_any(accept: str, answer: tuple[int, int, str | None]) -> None:
    """With strict_accept, an Accept other than */* is status 2 in an HTTP 406."""
    world = World(settings={"strict_accept": True})

    def answered() -> tuple[int, int | str, str | None]:
        try:
            world.issue(Accept=accept)
        except ProviderError as error:
            return error.http_status, error.code, world.model.error_message(error)
        return 200, errors.SUCCESS, None

    assert answered() == answer


def test_strict_accept_is_checked_after_content_type_and_before_the_body() -> None:
    world = World(settings={"strict_accept": True}, messages={"not_acceptable": "Accept 只能是 */*"})
    json_only = {"Accept": "application/json"}
    assert world.refused(**json_only, **{"Content-Type": "text/plain"}) == (
        2, "Content-Type must be application/json"
    )  # fmt: skip
    assert world.refused({"role": "Boss"}, **json_only) == (2, "Accept 只能是 */*")


def test_content_type_can_be_left_unchecked() -> None:
    world = World(settings={"required_headers": []})
    assert world.issue(**{"Content-Type": "text/plain"}).order_no == BODY["orderNo"]
    assert world.model.issue(world.headers(**{"Content-Type": ""}), json.dumps(BODY).encode())


def test_legacy_roles_can_be_refused() -> None:
    world = World(settings={"legacy_roles": False})
    assert world.refused({**BODY, "role": "TICKETING"}) == (
        2, "role must be one of: Customer service, Finance, Developer, Admin"
    )  # fmt: skip
    assert world.issue({**BODY, "role": "Finance"}).role == "Finance"


def test_portal_base_url_replaces_the_callers_host() -> None:
    world = World(settings={"portal_base_url": "https://mock.example.com/atlas/"})
    assert world.model.portal_url("http://127.0.0.1:8700/", "t") == (
        "https://mock.example.com/atlas/atrip-portal/login?token=t"
    )


def test_gzip_can_be_switched_off() -> None:
    client = World(settings={"gzip": False}).flask.test_client()
    answer = client.post("/getAtripToken.do", json=BODY, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in answer.headers
    assert answer.data == b'{"url":"","status":3,"msg":"Unauthorized access"}'
    on = World().flask.test_client().post("/getAtripToken.do", json=BODY, headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(on.data) == answer.data


def test_messages_can_be_replaced() -> None:
    world = World(
        messages={"3": "未授权访问", "missing_field": "缺少参数{field}", "foreign_order": "订单不属于该客户"}
    )
    assert world.refused(**{SECRET: "x"}) == (3, "未授权访问")
    assert world.refused({**BODY, "role": ""}) == (2, "缺少参数role")
    assert world.refused({**BODY, "orderNo": "X"}, "orders") == (3, "订单不属于该客户")
    assert world.refused({**BODY, "orderNo": 1}) == (2, "orderNo must be a string")


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"messages": {"nope": "x"}}, "unknown key 'nope'"),
        ({"messages": {"missing_field": "{name} missing"}}, "placeholders allowed: {field}"),
        ({"messages": {"3": "{field}"}}, "placeholders allowed: none"),
        ({"messages": {"missing_field": "{} is required"}}, "placeholders allowed: {field}"),
        ({"messages": {"missing_field": "{field.upper} is required"}}, "placeholders allowed: {field}"),
        ({"messages": {"missing_field": "{field is required"}}, "messages"),
        ({"settings": {"required_headers": ["X-Foo"]}}, "required_headers"),
        ({"settings": {"strict_accept": "yes please"}}, "strict_accept"),
        ({"settings": {"portal_token_lifetime": 0}}, "portal_token_lifetime"),
        ({"settings": {"portal_base_url": "mock.example.com"}}, "absolute http(s) URL"),
        ({"settings": {"portal_base_url": "http://x/?a=1"}}, "absolute http(s) URL"),
        ({"settings": {"lifetime": 5}}, "lifetime"),
        ({"clients": [{"client_id": "a"}, {"client_id": "a"}]}, "configured twice: a"),
        ({"clients": [{"client_id": "a", "orders": ["bad order"]}]}, "orders.0"),
        ({"clients": [{"client_id": "has space"}]}, "client_id"),
        ({"clients": [{"client_id": "a", "client_secret": ""}]}, "client_secret"),
    ],
)
def test_bad_config_is_a_clear_error(config: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError, match=r"\[atrip\]") as caught:
        create_app({"atrip": config}, providers=["atrip"])
    assert words in str(caught.value)


# -- clients ---------------------------------------------------------------------------------


def test_demo_set_is_stable_and_covers_both_cases() -> None:
    first = demo_set()
    demo_set.cache_clear()
    again = demo_set()
    assert {r: c.model_dump() for r, (c, _) in first.items()} == {
        r: c.model_dump() for r, (c, _) in again.items()
    }
    assert first["demo"][0].orders is None
    orders = first["orders"][0].orders
    assert orders is not None
    assert {o[:2] for o in orders} == {"TK", "BG"}


def test_demo_credentials_print_the_orders(world: World) -> None:
    shown = world.model.demo_credentials()
    assert shown["demo"]["orders"] == "any"
    assert shown["orders"]["orders"].split(",") == demo_set()["orders"][0].orders
    assert set(shown["demo"]) == {ID, SECRET, "orders", "note"}


def test_a_config_client_replaces_a_demo_client() -> None:
    client, _ = demo_set()["demo"]
    world = World(clients=[{"client_id": client.client_id, "client_secret": "mine", "orders": ["A1"]}])
    assert world.model.demo_credentials()["demo"][SECRET] == "mine"
    assert world.model.demo_credentials()["demo"]["orders"] == "A1"
    assert world.refused() == (3, "Unauthorized access")


def test_without_demo_only_configured_clients_exist() -> None:
    world = World(demo=False, clients=[{"client_id": "acme", "client_secret": "s"}])
    assert world.model.demo_credentials() == {}
    assert [c.client_id for c in world.model.clients()] == ["acme"]
    raw = json.dumps(BODY).encode()
    assert world.model.issue({ID: "acme", SECRET: "s", "Content-Type": "application/json"}, raw)


def test_admin_created_clients_are_separate(world: World) -> None:
    made = world.model.create_client(Client(orders=["ONLY-1"]))
    assert made.client_id not in {c.client_id for c, _ in demo_set().values()}
    sent = {ID: made.client_id, SECRET: made.client_secret, "Content-Type": "application/json"}
    assert world.model.issue(sent, json.dumps({**BODY, "orderNo": "ONLY-1"}).encode())
    changed = world.model.update_client(made.client_id, ClientChange(name="Acme"))
    assert changed.orders == ["ONLY-1"]  # unchanged fields stay
    assert (
        world.model.update_client(made.client_id, ClientChange.model_validate({"orders": None})).orders
        is None
    )


def test_reset_drops_sessions_and_admin_clients(world: World) -> None:
    world.model.create_client(Client(client_id="temp"))
    token = world.issue().token
    world.model.reset()
    assert world.model.session(token) is None
    assert {c.client_id for c in world.model.clients()} == {c.client_id for c, _ in demo_set().values()}


# -- answers ---------------------------------------------------------------------------------


def test_envelopes_keep_the_documented_key_order(world: World) -> None:
    assert list(errors.ok("u")) == ["url", "status", "msg"]
    assert errors.ok("u") == {"url": "u", "status": 0, "msg": None}
    assert errors.error_body(world.model, ProviderError(3)) == {
        "url": "",
        "status": 3,
        "msg": "Unauthorized access",
    }


@pytest.mark.parametrize(
    ("http_status", "msg"),
    [(404, "Not found"), (405, "Request method not supported"), (413, "Request body too large"),
     (400, "Bad request"), (414, "Bad request"), (431, "Bad request")],
)  # fmt: skip
def test_http_errors_keep_their_status(world: World, http_status: int, msg: str) -> None:
    failure = world.model.http_error(http_status)
    assert (failure.code, failure.http_status, failure.detail) == (2, http_status, msg)


def test_a_crash_is_status_2_system_error_in_an_http_200(world: World) -> None:
    failure = world.model.http_error(500)
    assert (failure.http_status, errors.error_body(world.model, failure)) == (
        200,
        {"url": "", "status": 2, "msg": "System error"},
    )


def test_every_message_key_has_a_status() -> None:
    assert {errors.status_of(key) for key in errors.MESSAGES} == {2, 3}
    assert errors.status_of("foreign_order") == 3
    assert errors.placeholders("{field} is {what}") == {"field", "what"}
