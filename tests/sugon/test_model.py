"""SugonModel's rules, called directly on a frozen virtual clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest

from provider_mocks import create_app, get_mocks
from provider_mocks.core.config import ConfigError
from provider_mocks.core.errors import AdminError, ProviderError
from provider_mocks.providers.sugon import errors
from provider_mocks.providers.sugon.center import CENTER_LISTS, USER_FIELDS
from provider_mocks.providers.sugon.config import demo_set
from provider_mocks.providers.sugon.models import SugonModel
from provider_mocks.providers.sugon.paths import AKSK_PATH, CENTER_PATH
from provider_mocks.providers.sugon.records import (
    AccessKey,
    AccessKeyChange,
    Center,
    Org,
    Profile,
    Region,
    RegionChange,
    User,
    UserChange,
)
from provider_mocks.providers.sugon.signing import signature
from tests.redis_server import RedisServer
from tests.support import NOON, FrozenWorld

from .helpers import (
    ACTIVE,
    CLAIMS,
    CLAIMS_OUT_OF_RANGE,
    DAY,
    HOUR,
    OLD_PUBLIC_KEY,
    RENEW_ONLY,
    SUSPENDED,
    claims,
    sign,
    with_claim,
)

NOON_MS = int(NOON.timestamp() * 1000)


class World(FrozenWorld[SugonModel]):
    """A model on its own app, with the app's clock frozen at `at`."""

    def __init__(
        self, config: dict[str, Any] | None = None, at: datetime = NOON, store: str | None = None
    ) -> None:
        super().__init__(SugonModel, config or {}, at, store)

    def login(self, role: str = "demo") -> dict[str, str | None]:
        user, _ = demo_set().users[role]
        assert user.org_id is not None
        listed = self.model.login(user.user, user.password, user.org_id)
        return {item["clusterId"]: item["token"] for item in listed}

    def token(self, cluster_id: str = ACTIVE) -> str:
        found = self.login()[cluster_id]
        assert found is not None
        return found

    def code(self, call: Any, *args: Any) -> str:
        """The error code of a call that must fail."""
        with pytest.raises(ProviderError) as caught:
            call(*args)
        return str(caught.value.code)


@pytest.fixture
def world() -> World:
    return World()


def demo_user(role: str = "demo") -> User:
    return demo_set().users[role][0]


def demo_key() -> AccessKey:
    return demo_set().access_keys["aksk"][0]


# -- the demo set ----------------------------------------------------------------


def test_demo_set_covers_every_documented_case() -> None:
    demo = demo_set()
    main, frozen = demo_user(), demo_user("frozen")
    assert main.regions == [ACTIVE, RENEW_ONLY, SUSPENDED]
    assert main.suspended == [SUSPENDED]
    assert frozen.frozen
    assert not main.frozen
    assert demo_key().user == main.user
    assert {r.cluster_id: r.apis for r in demo.regions} == {
        ACTIVE: ["renew", "center", "user"],
        RENEW_ONLY: ["renew", "user"],
        SUSPENDED: ["renew", "center", "user"],
    }


def test_demo_set_is_the_same_on_every_start() -> None:
    demo_set.cache_clear()
    first = demo_set()
    demo_set.cache_clear()
    assert demo_set() == first


def test_demo_credentials_list_every_role(world: World) -> None:
    shown = world.model.demo_credentials()
    assert set(shown) == {"demo", "frozen", "aksk"}
    assert shown["demo"]["orgId"] == demo_user().org_id
    assert shown["aksk"]["secretKey"] == demo_key().secret_key
    assert all(fields["note"] for fields in shown.values())


def test_no_demo_means_no_credentials() -> None:
    world = World({"demo": False})
    assert world.model.demo_credentials() == {}
    user = demo_user()
    assert world.code(world.model.login, user.user, user.password, user.org_id) == "10004"


# -- acquisition -------------------------------------------------------------------


def test_login_lists_the_regions_then_the_platform(world: World) -> None:
    listed = world.login()
    assert list(listed) == [ACTIVE, RENEW_ONLY, SUSPENDED, "0"]
    assert listed[SUSPENDED] is None
    assert all(listed[cid] for cid in ("0", ACTIVE, RENEW_ONLY))


def test_claims_are_exactly_the_documented_ones(world: World) -> None:
    jwt = world.token()
    found = claims(jwt)
    user = demo_user()
    assert list(found) == CLAIMS
    assert found == {
        "computeUser": user.user,
        "accountStatus": "Trial",
        "creator": "ac",
        "role": "1",
        "expireTime": str(NOON_MS + DAY * 1000),
        "clusterId": ACTIVE,
        "invoker": user.org_id,
        "user": user.user,
        "userId": user.user_id,
    }
    key = world.model.signing_key()
    assert pyjwt.decode(jwt, key, algorithms=["HS256"]) == found


@pytest.mark.parametrize(
    ("user", "password", "org"), [("", "p", "o"), ("u", "", "o"), ("u", "p", ""), ("", "", "")]
)
def test_empty_login_fields_are_10003(world: World, user: str, password: str, org: str) -> None:
    assert world.code(world.model.login, user, password, org) == errors.MISSING_PARAMETER == "10003"


def test_wrong_login_fields_are_10004(world: World) -> None:
    user = demo_user()
    assert world.code(world.model.login, user.user, user.password + "x", user.org_id) == "10004"
    assert world.code(world.model.login, user.user, user.password, "x" + str(user.org_id)) == "10004"
    assert world.code(world.model.login, "nobody", user.password, user.org_id) == "10004"
    assert world.code(world.model.login, user.user, "密码", user.org_id) == "10004"


def test_frozen_user_is_10007(world: World) -> None:
    user = demo_user("frozen")
    assert world.code(world.model.login, user.user, user.password, user.org_id) == "10007"


def test_config_user_fields_reach_the_claims() -> None:
    world = World(
        {
            "users": [
                {
                    "user": "slurmtest",
                    "password": "pw",
                    "org_id": demo_user().org_id,
                    "user_id": "11655048541",
                    "compute_user": "slurm01",
                    "account_status": "Owe",
                    "role": "2",
                    "regions": [ACTIVE],
                }
            ]
        }
    )
    listed = world.model.login("slurmtest", "pw", str(demo_user().org_id))
    found = claims(listed[0]["token"])
    assert (found["computeUser"], found["accountStatus"], found["role"], found["userId"]) == (
        "slurm01",
        "Owe",
        "2",
        "11655048541",
    )


def test_a_region_removed_from_the_store_is_left_out(world: World) -> None:
    world.model.store.delete(world.model.key("region", RENEW_ONLY))
    assert list(world.login()) == [ACTIVE, SUSPENDED, "0"]


# -- AK/SK -------------------------------------------------------------------------


def stamp(world: World, offset: int = 0) -> str:
    return str(int(world.clock.time()) + offset)


def key_login(world: World, timestamp: str, signed: str | None = None, user: str | None = None) -> Any:
    key = demo_key()
    who = user or key.user
    signed = signed if signed is not None else sign(key.access_key, timestamp, who, key.secret_key)
    return world.model.login_with_key(who, key.access_key, timestamp, signed)


def test_signature_matches_an_independent_computation() -> None:
    assert signature("ak", "1700000000", "user", "sk") == sign("ak", "1700000000", "user", "sk")
    assert signature("ak", "1", "u", "sk") != signature("ak", "1", "u", "sk2")


def test_signature_keeps_non_ascii_as_utf8() -> None:
    assert signature("ak", "1", "张三", "sk") == sign("ak", "1", "张三", "sk")


def test_key_login_gives_the_password_login_tokens(world: World) -> None:
    by_key = key_login(world, stamp(world))
    user = demo_user()
    assert by_key == world.model.login(user.user, user.password, str(user.org_id))


def test_key_login_timestamp_window_is_configurable() -> None:
    world = World({"settings": {"timestamp_window": 10}})
    assert key_login(world, stamp(world, -10))
    assert world.code(key_login, world, stamp(world, -11)) == "10004"
    assert world.code(key_login, world, stamp(world, 11)) == "10004"


def test_key_login_empty_fields_are_10003(world: World) -> None:
    key = demo_key()
    assert world.code(world.model.login_with_key, "", key.access_key, "1", "s") == "10003"
    assert world.code(world.model.login_with_key, key.user, key.access_key, "", "s") == "10003"
    assert world.code(world.model.login_with_key, key.user, key.access_key, "1", "") == "10003"
    assert world.code(world.model.login_with_key, key.user, "", "1", "s") == "10003"


def test_key_login_checks_come_before_the_frozen_state(world: World) -> None:
    frozen = demo_user("frozen")
    key = world.model.create_access_key(AccessKey(user=frozen.user))
    now = stamp(world)
    good = sign(key.access_key, now, frozen.user, key.secret_key)
    assert world.code(world.model.login_with_key, frozen.user, key.access_key, now, good + "0") == "10009"
    assert world.code(world.model.login_with_key, frozen.user, key.access_key, now, good) == "10007"


def test_bad_signature_code_setting() -> None:
    world = World({"settings": {"bad_signature_code": "10004"}})
    assert world.code(key_login, world, stamp(world), "0" * 64) == "10004"


def test_key_of_a_user_removed_later_is_10004(world: World) -> None:
    world.model.store.delete(world.model.key("user", demo_key().user))
    assert world.code(key_login, world, stamp(world)) == "10004"


# -- renewal, state and center -------------------------------------------------------


def test_renewal_window_is_configurable() -> None:
    world = World({"settings": {"renew_window": HOUR, "token_lifetime": 60}})
    old = world.token()
    assert claims(old)["expireTime"] == str(NOON_MS + 60_000)
    world.clock.advance(60 + HOUR)
    new = world.model.renew(old)
    assert claims(new)["expireTime"] == str(NOON_MS + (120 + HOUR) * 1000)
    world.clock.advance(0.001)
    assert world.code(world.model.renew, old) == "10008"


def test_zero_window_renews_only_until_expiry() -> None:
    world = World({"settings": {"renew_window": 0}})
    old = world.token()
    world.clock.advance(DAY)
    assert world.model.renew(old)
    world.clock.advance(0.001)
    assert world.code(world.model.renew, old) == "10008"


def test_renewed_token_keeps_the_region_and_user(world: World) -> None:
    old = world.token(RENEW_ONLY)
    world.clock.advance(5)
    new = world.model.renew(old)
    assert new != old
    assert {k: v for k, v in claims(new).items() if k != "expireTime"} == {
        k: v for k, v in claims(old).items() if k != "expireTime"
    }


def test_renewal_reflects_a_changed_account_status(world: World) -> None:
    old = world.token()
    world.model.update_user(demo_user().user, UserChange(account_status="Owe"))
    assert claims(world.model.renew(old))["accountStatus"] == "Owe"


def test_platform_apis_setting_bars_the_platform_token() -> None:
    world = World({"settings": {"platform_apis": ["renew"]}})
    platform = world.token("0")
    assert world.code(world.model.center, platform, "http://x") == "10009"
    assert world.model.renew(platform)
    assert world.model.state(platform) == "token is valid"
    world = World({"settings": {"platform_apis": []}})
    assert world.code(world.model.renew, world.token("0")) == "10009"


def test_frozen_tokens_refused_setting() -> None:
    world = World({"settings": {"frozen_tokens_refused": False}})
    jwt = world.token()
    world.model.update_user(demo_user().user, UserChange(frozen=True))
    assert world.model.state(jwt) == "token is valid"
    assert world.model.center(jwt, "http://x")
    assert world.code(world.model.renew, jwt) == "10007"  # a new token is never issued to a frozen user


def test_checks_come_in_order(world: World) -> None:
    """Missing, then genuine, then in time, then frozen, then the region, then the API."""
    jwt = world.token(RENEW_ONLY)
    model = world.model
    assert world.code(model.center, "", "http://x") == "10003"
    assert world.code(model.center, jwt + "x", "http://x") == "10004"
    model.update_user(demo_user().user, UserChange(frozen=True, suspended=[RENEW_ONLY]))
    world.clock.advance(DAY)
    assert world.code(model.center, jwt, "http://x") == "10008"  # expired first
    world.clock.advance(-DAY)
    assert world.code(model.center, jwt, "http://x") == "10007"
    model.update_user(demo_user().user, UserChange(frozen=False))
    assert world.code(model.center, jwt, "http://x") == "10008"  # suspended region
    model.update_user(demo_user().user, UserChange(suspended=[]))
    assert world.code(model.center, jwt, "http://x") == "10009"
    model.update_region(RENEW_ONLY, RegionChange(apis=["renew", "center"]))
    assert model.center(jwt, "http://x")


def test_token_of_a_deleted_region_is_10008(world: World) -> None:
    jwt = world.token()
    world.model.store.delete(world.model.key("region", ACTIVE))
    assert world.code(world.model.state, jwt) == "10008"


def urls(data: dict[str, Any]) -> dict[str, str]:
    return {name: data[name][0]["url"] for name in CENTER_LISTS}


def test_center_is_the_documented_shape(world: World) -> None:
    data = world.model.center(world.token(), "http://host:1/")
    user = demo_user()
    assert data == {
        "id": 11250,
        "name": "华东一区【昆山】",
        "description": "昆山计算中心",
        "clusterUserInfo": {"userName": user.user, "homePath": f"/public/home/{user.user}"},
        "ingressUrls": [
            {"enable": "true", "isManagerNode": "true", "version": "5.2.2", "url": "http://host:1"}
        ],
        "efileUrls": [
            {
                "nodeName": "h04r3n07",
                "enable": "true",
                "fastTransEnable": "true",
                "udpPort": "65104",
                "version": "2.6.1",
                "url": "http://host:1/efile",
            }
        ],
        "eshellUrls": [{"enable": "true", "version": "2.4.3", "url": "http://host:1/eshell"}],
        "hpcUrls": [{"enable": "true", "isManagerNode": "true", "version": "5.2.2", "url": "http://host:1"}],
        "aiUrls": [{"enable": "true", "version": "2.4.3", "url": "http://host:1/ai"}],
    }
    assert list(data) == ["id", "name", "description", "clusterUserInfo", *CENTER_LISTS]
    assert {name: list(entries[0]) for name, entries in data.items() if name in CENTER_LISTS} == {
        name: list(keys) for name, keys in CENTER_LISTS.items()
    }


def test_center_entry_values_are_the_lists_documented_keys() -> None:
    """Each list's configurable values are its documented keys but enable and url."""
    for name, keys in CENTER_LISTS.items():
        fields = list(type(getattr(Center(), name)).model_fields)
        assert fields == [key for key in keys if key not in ("enable", "url")], name


def test_center_id_can_be_a_string() -> None:
    world = World({"settings": {"center_id_type": "string"}})
    assert world.model.center(world.token(), "http://x")["id"] == "11250"
    assert world.model.center(world.token("0"), "http://x")["id"] == "0"


def test_platform_center_setting() -> None:
    world = World({"settings": {"platform_center": {"description": "平台", "aiUrls": {"version": "9"}}}})
    data = world.model.center(world.token("0"), "http://x")
    assert (data["id"], data["name"], data["description"]) == (0, "ac", "平台")
    assert data["aiUrls"] == [{"enable": "true", "version": "9", "url": "http://x/ai"}]


def test_public_url_setting_replaces_the_request_host() -> None:
    world = World({"settings": {"public_url": "https://mock.example:65102/"}})
    data = world.model.center(world.token(), "http://127.0.0.1:8700/")
    assert data["aiUrls"][0]["url"] == "https://mock.example:65102/ai"
    assert data["hpcUrls"][0]["url"] == "https://mock.example:65102"


def test_center_paths_default_to_what_most_clients_expect(world: World) -> None:
    assert urls(world.model.center(world.token(), "http://host:1/")) == {
        "ingressUrls": "http://host:1",
        "efileUrls": "http://host:1/efile",
        "eshellUrls": "http://host:1/eshell",
        "hpcUrls": "http://host:1",
        "aiUrls": "http://host:1/ai",
    }


def test_center_paths_setting() -> None:
    paths = {"ingressUrls": "/in", "hpcUrls": "/hpc", "efileUrls": "/files/efile", "eshellUrls": ""}
    world = World({"settings": {"center_paths": paths}})
    assert urls(world.model.center(world.token(), "http://host:1/")) == {
        "ingressUrls": "http://host:1/in",
        "efileUrls": "http://host:1/files/efile",
        "eshellUrls": "http://host:1",
        "hpcUrls": "http://host:1/hpc",
        "aiUrls": "http://host:1/ai",
    }


def test_records_stored_before_the_center_and_user_values_get_the_defaults(world: World) -> None:
    """A persisted store may hold regions and users written before `center`, `home_path`, `profile`."""
    model, name = world.model, demo_user().user
    region = {k: v for k, v in model.region(ACTIVE).model_dump().items() if k != "center"}
    model.store.set(model.key("region", ACTIVE), region)
    user = {k: v for k, v in model.user(name).model_dump().items() if k not in ("home_path", "profile")}
    model.store.set(model.key("user", name), user)
    data = model.center(world.token(), "http://x")
    assert (data["description"], data["clusterUserInfo"]["homePath"]) == ("", f"/public/home/{name}")
    assert model.account(world.token())["accountBalance"] == "0.00"


def test_account_fields_in_order(world: World) -> None:
    data = world.model.account(world.token("0"))
    assert list(data) == list(USER_FIELDS)
    assert list(Profile.model_fields) == [f for f in USER_FIELDS if f not in ("userName", "accountStatus")]
    assert all(isinstance(value, str) for value in data.values())


def test_account_without_regions_has_no_computer_center(world: World) -> None:
    world.model.create_user(User(user="lonely", password="p"))
    org = str(world.model.user("lonely").org_id)
    listed = world.model.login("lonely", "p", org)
    assert world.model.account(listed[0]["token"])["computerCenter"] == ""


@pytest.fixture(scope="module")
def sqlite_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(store=f"sqlite://{tmp_path_factory.mktemp('sugon')}/state.db")


@pytest.mark.parametrize(
    ("claim", "value"),
    CLAIMS_OUT_OF_RANGE,
)
def test_claims_out_of_range_are_10004_on_a_sqlite_store(sqlite_world: World, claim: str, value: str) -> None:
    """SQLite (and Redis) cannot hold a lone surrogate as text: such a user is refused before any lookup."""
    world = sqlite_world
    jwt = with_claim(claims(world.token()), claim, value, world.model.signing_key())
    for check in (world.model.state, world.model.renew, world.model.account):
        assert world.code(check, jwt) == "10004"


def test_a_configured_jwt_secret_signs_the_tokens() -> None:
    configured = "another signing key, 32 bytes or more"
    first = World()
    second = World({"settings": {"jwt_secret": configured}})
    jwt = first.token()
    assert first.model.state(jwt)
    assert second.code(second.model.state, jwt) == "10004"
    assert pyjwt.decode(second.token(), configured, algorithms=["HS256"])
    assert second.model.settings()["jwt_secret"] == configured


def test_each_store_makes_its_own_random_signing_key() -> None:
    """No key from the documentation signs tokens: each new state gets a key no one else has."""
    first, second = World(), World()
    keys = {first.model.signing_key(), second.model.signing_key()}
    assert len(keys) == 2
    assert OLD_PUBLIC_KEY not in keys
    assert all(len(key.encode()) >= 32 for key in keys)
    assert second.code(second.model.state, first.token()) == "10004"
    assert first.model.settings()["jwt_secret"] == first.model.signing_key()


def test_a_reset_keeps_the_signing_key(world: World) -> None:
    """A reset brings back the same demo users: the tokens already handed out stay genuine."""
    jwt = world.token()
    get_mocks(world.flask).reset()
    world.clock.freeze()
    world.clock.set(NOON)  # the reset set the clock back to the real time
    assert world.model.state(jwt) == "token is valid"


@pytest.fixture(params=["sqlite", "redis"])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/state.db"
    server: RedisServer = request.getfixturevalue("redis_server")
    server.flush()
    return server.url(5)


def test_instances_on_one_store_sign_with_one_key(shared_store: str) -> None:
    """The first instance makes the key as it seeds the state; the next one joins it."""
    first, second = World(store=shared_store), World(store=shared_store)
    assert first.model.signing_key() == second.model.signing_key()
    assert second.model.state(first.token()) == "token is valid"
    assert first.model.state(second.token()) == "token is valid"


def test_messages_can_be_replaced() -> None:
    world = World({"messages": {"10007": "用户已冻结"}})
    frozen = demo_user("frozen")
    with pytest.raises(ProviderError) as caught:
        world.model.login(frozen.user, frozen.password, str(frozen.org_id))
    assert errors.error_body(world.model, caught.value) == {
        "code": "10007",
        "msg": "用户已冻结",
        "data": None,
    }


@pytest.mark.parametrize(
    ("messages", "path", "code", "text"),
    [
        ({}, AKSK_PATH, "10009", "校验失败"),
        ({}, CENTER_PATH, "10009", "没有权限访问接口"),
        ({}, "/elsewhere", "10009", "没有权限访问接口"),
        ({}, CENTER_PATH, "10009.aksk", "校验失败"),  # a fault rule may name the keyed text
        ({"10009.aksk": "签名错误"}, AKSK_PATH, "10009", "签名错误"),
        ({"10009": "无权访问"}, AKSK_PATH, "10009", "校验失败"),
        ({"10009": "无权访问"}, CENTER_PATH, "10009", "无权访问"),
        ({"10004.center": "令牌无效"}, CENTER_PATH, "10004", "令牌无效"),
        ({"10004.center": "令牌无效"}, AKSK_PATH, "10004", "参数无效"),
    ],
)
def test_texts_depend_on_the_operation(messages: dict[str, str], path: str, code: str, text: str) -> None:
    world = World({"messages": messages})
    with world.flask.test_request_context(path):
        assert errors.error_body(world.model, ProviderError(code))["msg"] == text


def test_answers_keep_their_documented_key_orders(world: World) -> None:
    assert list(errors.ok(world.model, [])) == ["code", "msg", "data"]
    assert list(errors.renewed(world.model, "t")) == ["msg", "code", "data"]
    assert list(errors.error_body(world.model, ProviderError("10004"))) == ["code", "msg", "data"]
    with world.flask.test_request_context(AKSK_PATH, method="POST"):
        assert list(errors.ok(world.model, [])) == ["msg", "code", "data"]
        assert list(errors.error_body(world.model, ProviderError("10004"))) == ["msg", "code", "data"]


def test_http_errors(world: World) -> None:
    crash = world.model.http_error(500)
    assert (crash.code, crash.http_status) == ("10001", 200)
    assert (world.model.http_error(405).code, world.model.http_error(405).http_status) == ("405", 405)
    assert (world.model.http_error(431).code, world.model.http_error(431).http_status) == ("400", 431)


# -- admin operations ------------------------------------------------------------------


def test_create_user_without_an_org_gets_its_own(world: World) -> None:
    created = world.model.create_user(User(user="u1", password="p", regions=[ACTIVE]))
    assert created.org_id in {org.org_id for org in world.model.orgs()}
    assert [item["clusterId"] for item in world.model.login("u1", "p", str(created.org_id))] == [ACTIVE, "0"]


def test_admin_refusals(world: World) -> None:
    model = world.model
    with pytest.raises(AdminError) as caught:
        model.create_user(User(user=demo_user().user))
    assert caught.value.status == 409
    with pytest.raises(AdminError) as caught:
        model.create_user(User(user="u2", org_id="nope"))
    assert caught.value.status == 404
    with pytest.raises(AdminError) as caught:
        model.create_user(User(user="u3", regions=["99999"]))
    assert caught.value.status == 404
    assert all(user.user != "u3" for user in model.users())
    with pytest.raises(AdminError) as caught:
        model.update_user(demo_user().user, UserChange(regions=[ACTIVE]))  # SUSPENDED still suspended
    assert caught.value.status == 400
    with pytest.raises(AdminError) as caught:
        model.create_access_key(AccessKey(user="nobody"))
    assert caught.value.status == 404
    with pytest.raises(AdminError) as caught:
        model.create_region(Region(cluster_id=ACTIVE, cluster_name="x"))
    assert caught.value.status == 409
    with pytest.raises(AdminError) as caught:
        model.create_org(Org(org_id=str(demo_user().org_id)))
    assert caught.value.status == 409
    with pytest.raises(AdminError) as caught:
        model.update_access_key("nope", AccessKeyChange(secret_key="s"))
    assert caught.value.status == 404


def test_fresh_credentials_share_nothing(world: World) -> None:
    one, two = world.model.fresh_credentials(), world.model.fresh_credentials()
    assert one["user"] != two["user"]
    assert one["orgId"] != two["orgId"]
    listed = world.model.login(one["user"], one["password"], one["orgId"])
    assert listed[-1]["clusterId"] == "0"
    assert sorted(i["clusterId"] for i in listed[:-1]) == sorted([ACTIVE, RENEW_ONLY, SUSPENDED])
    assert all(i["token"] for i in listed)
    now = stamp(world)
    by_key = world.model.login_with_key(
        two["user"], two["accessKey"], now, sign(two["accessKey"], now, two["user"], two["secretKey"])
    )
    assert claims(by_key[0]["token"])["invoker"] == two["orgId"]
    world.model.update_user(one["user"], UserChange(frozen=True))
    assert world.model.login(two["user"], two["password"], two["orgId"])


def test_reset_restores_the_demo_set(world: World) -> None:
    world.model.update_user(demo_user().user, UserChange(frozen=True))
    world.model.create_user(User(user="temp"))
    world.model.reset()
    assert world.login()["0"]
    assert all(user.user != "temp" for user in world.model.users())


# -- config ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"settings": {"jwt_secret": "short"}}, "32 bytes"),
        ({"settings": {"public_url": "mock.example"}}, "absolute http(s) URL"),
        ({"settings": {"platform_apis": ["state"]}}, "platform_apis"),
        ({"settings": {"center_paths": {"aiUrls": "ai"}}}, "starting with /"),
        ({"settings": {"center_paths": {"gpuUrls": "/gpu"}}}, "gpuUrls"),
        ({"settings": {"center_paths": {"ingressUrls": "in"}}}, "starting with /"),
        ({"settings": {"bad_signature_code": "10003"}}, "bad_signature_code"),
        ({"settings": {"center_id_type": "int"}}, "center_id_type"),
        ({"settings": {"platform_center": {"efileUrls": {"udpPort": "x"}}}}, "udpPort"),
        (
            {"regions": [{"cluster_id": "1", "cluster_name": "x", "center": {"hpcUrls": {"nodeName": "n"}}}]},
            "nodeName",
        ),
        ({"regions": [{"cluster_id": "1", "cluster_name": "x", "apis": ["state"]}]}, "apis"),
        ({"users": [{"user": "u", "org_id": demo_user().org_id, "home_path": "home"}]}, "home_path"),
        (
            {"users": [{"user": "u", "org_id": demo_user().org_id, "profile": {"accountBalance": "1,00"}}]},
            "accountBalance",
        ),
        ({"users": [{"user": "u", "org_id": demo_user().org_id, "profile": {"balance": "1"}}]}, "balance"),
        ({"settings": {"token_lifetime": 0}}, "token_lifetime"),
        ({"regions": [{"cluster_id": "0", "cluster_name": "ac"}]}, "cluster_id"),
        ({"users": [{"user": "u", "password": "p", "org_id": "nope"}]}, "org 'nope'"),
        ({"users": [{"user": "u", "password": "p"}]}, "needs an org_id"),
        ({"users": [{"user": "u", "org_id": demo_user().org_id, "regions": ["1"]}]}, "region(s) 1"),
        ({"users": [{"user": "u", "regions": [ACTIVE], "suspended": ["11126"]}]}, "not in regions"),
        ({"access_keys": [{"user": "nobody"}]}, "user 'nobody'"),
        ({"users": [{"user": "u", "org_id": demo_user().org_id}] * 2}, "configured twice"),
        ({"demo": False, "users": [{"user": "u", "org_id": demo_user().org_id}]}, "not configured"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_config_is_a_clear_error(config: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        create_app({"sugon": config}, providers=["sugon"])
    assert problem in str(caught.value)


def test_config_entries_replace_demo_ones() -> None:
    main = demo_user()
    world = World(
        {
            "users": [{"user": main.user, "password": "mine", "org_id": main.org_id, "regions": [ACTIVE]}],
            "access_keys": [{"access_key": demo_key().access_key, "secret_key": "sk", "user": main.user}],
        }
    )
    shown = world.model.demo_credentials()
    assert shown["demo"]["password"] == "mine"
    assert shown["aksk"]["secretKey"] == "sk"
    assert [item["clusterId"] for item in world.model.login(main.user, "mine", str(main.org_id))] == [
        ACTIVE,
        "0",
    ]


def test_config_adds_orgs_regions_users_and_keys() -> None:
    world = World(
        {
            "demo": False,
            "orgs": [{"org_id": "org1", "name": "Acme"}],
            "regions": [{"cluster_id": "20001", "cluster_name": "测试区", "apis": ["center"]}],
            "users": [{"user": "acme", "password": "pw", "org_id": "org1", "regions": ["20001"]}],
            "access_keys": [{"access_key": "ak", "secret_key": "sk", "user": "acme"}],
        }
    )
    listed = world.model.login("acme", "pw", "org1")
    assert [(i["clusterId"], i["clusterName"]) for i in listed] == [("20001", "测试区"), ("0", "ac")]
    now = stamp(world)
    assert world.model.login_with_key("acme", "ak", now, sign("ak", now, "acme", "sk"))
    assert world.code(world.model.renew, listed[0]["token"]) == "10009"
    assert world.code(world.model.account, listed[0]["token"]) == "10009"
