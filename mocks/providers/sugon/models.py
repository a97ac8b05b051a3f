"""Sugon / SCNet AC's rules: orgs, computing regions, users, access keys and JWT tokens.

Store layout (all under `sugon:`):
  org:<orgId>              {"org_id", "name"}
  region:<clusterId>       {"cluster_id", "cluster_name", "apis", "center"}
  user:<user>              {"user", "password", "org_id", "user_id", "compute_user", "account_status",
                            "role", "frozen", "regions", "suspended", "home_path", "profile"}
  accesskey:<accessKey>    {"access_key", "secret_key", "user"}
and, outside `sugon:` so that a reset keeps it:
  sugon.signing-key        the tokens' HS256 key when none is configured, made at random

Tokens are HS256 JWTs and nothing about them but the key is stored: a token is valid while its
signature holds, its claims are exactly the documented ones, its user still exists with the
same org and userId, and the virtual clock is before its `expireTime`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_serializer, field_validator, model_validator

from ...core.audit import note
from ...core.demo import seeded_faker
from ...core.errors import AdminError, ProviderError
from ...core.provider import ProviderConfig, ProviderModel, Strict, as_configured
from . import errors

#: The platform's own token in the token list [public].
PLATFORM_ID, PLATFORM_NAME = "0", "ac"
#: The token's claims, in the order of the documentation's example token [doc].
CLAIMS = (
    "computeUser",
    "accountStatus",
    "creator",
    "role",
    "expireTime",
    "clusterId",
    "invoker",
    "user",
    "userId",
)
CREATOR = "ac"  # [doc: the example token]
#: What `tokens/state` answers for a valid token [public].
STATE_VALID = "token is valid"

#: The token-bearing operations a token may be barred from (10009). `tokens/state`
#: accepts every valid token [decided], so it is not one of them.
Api = Literal["renew", "center", "user"]
ALL_APIS: tuple[Api, ...] = ("renew", "center", "user")

#: The center's URL lists in the documented example's order, and each entry's keys in its
#: order [public: SCNet's 获取授权区域 example]. `enable` is always the string "true" (clients
#: compare it with == "true"), `url` points at the mock; the other values are configured.
CENTER_LISTS: dict[str, tuple[str, ...]] = {
    "ingressUrls": ("enable", "isManagerNode", "version", "url"),
    "efileUrls": ("nodeName", "enable", "fastTransEnable", "udpPort", "version", "url"),
    "eshellUrls": ("enable", "version", "url"),
    "hpcUrls": ("enable", "isManagerNode", "version", "url"),
    "aiUrls": ("enable", "version", "url"),
}
#: The `/user` answer's fields, in their order: the official example starts country, language,
#: timeZone, address, and wiltonMotta/api2mcp lists the next six in this order [public];
#: email, mobilephoneNum and institution are read by wiltonMotta/scnet-chat [public, order decided].
USER_FIELDS = (
    "country",
    "language",
    "timeZone",
    "address",
    "fullName",
    "userName",
    "computerCenter",
    "accountName",
    "accountStatus",
    "accountBalance",
    "email",
    "mobilephoneNum",
    "institution",
)

#: The store's key of the tokens' HS256 key; outside `sugon:`, so a reset keeps it and the
#: tokens already handed out stay genuine.
SIGNING_KEY = "sugon.signing-key"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
#: The claims that are numbers written as strings, each as the platform writes it: a Java
#: `long` (milliseconds; the user's id) or a region id ("0" the platform's) [doc: the example token].
_NUMBER_CLAIMS = {
    "expireTime": re.compile(r"[0-9]{1,19}"),
    "clusterId": re.compile(r"0|[1-9][0-9]{0,18}"),
    "userId": re.compile(r"[0-9]{1,19}"),
}
JAVA_LONG_MAX = 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")

ClusterId = Annotated[str, Field(pattern=r"^[1-9][0-9]{0,18}$")]
HomePath = Annotated[str, Field(pattern=r"^/\S*$")]


class CenterPaths(Strict):
    """The path each center URL adds to the mock's base URL [decided], "" for the bare base URL.

    Chosen for the most public clients: some append `/hpc/openapi/...` to the hpc URL and
    `/openapi/v2/file/...` to the efile URL, others add `/hpc`, `/efile` or `/ai` only when
    missing; the documented ingress URL is the bare host (docs/fidelity.md: the center's URLs).
    """

    ingressUrls: str = ""
    efileUrls: str = "/efile"
    eshellUrls: str = "/eshell"
    hpcUrls: str = ""
    aiUrls: str = "/ai"

    @field_validator("*")
    @classmethod
    def _a_path(cls, value: str) -> str:
        if value and not re.fullmatch(r"/\S*", value):
            raise ValueError(f"give a path starting with / (or an empty string), not {value!r}")
        return value


TrueFalse = Literal["true", "false"]
Digits = Annotated[str, Field(pattern=r"^[0-9]+$")]


class ManagedService(Strict):
    """An ingress or hpc entry's values (the documented example's)."""

    isManagerNode: TrueFalse = "true"
    version: str = "5.2.2"


class FileService(Strict):
    """An efile entry's values (the documented example's)."""

    nodeName: str = "h04r3n07"
    fastTransEnable: TrueFalse = "true"
    udpPort: Digits = "65104"
    version: str = "2.6.1"


class Service(Strict):
    """An eshell or ai entry's values (the documented example's)."""

    version: str = "2.4.3"


class Center(Strict):
    """What `GET center` tells of a region besides its id, name and URLs [public; values decided]."""

    description: str = ""
    ingressUrls: ManagedService = Field(default_factory=ManagedService)
    efileUrls: FileService = Field(default_factory=FileService)
    eshellUrls: Service = Field(default_factory=Service)
    hpcUrls: ManagedService = Field(default_factory=ManagedService)
    aiUrls: Service = Field(default_factory=Service)


class Profile(Strict):
    """A user's `/user` answer, named as answered [public fields, decided values].

    None: the user's name (fullName, accountName) or its first region's (computerCenter).
    userName and accountStatus are the user's own `user` and `account_status`.
    """

    country: str = "China"
    language: str = "zh_CN"
    timeZone: str = "(UTC+0800) China Standard Time"
    address: str = ""
    fullName: str | None = None
    computerCenter: str | None = None
    accountName: str | None = None
    accountBalance: str = Field(default="0.00", pattern=r"^-?[0-9]+(\.[0-9]+)?$")
    email: str = ""
    mobilephoneNum: str = ""
    institution: str = ""


class Settings(Strict):
    """The [decided] knobs (the renewal window is documented, and configurable too)."""

    token_lifetime: int = Field(default=86400, gt=0, description="seconds a token lives")
    renew_window: int = Field(
        default=86400, ge=0, description="seconds after expiry a token may still be renewed [doc: 24 h]"
    )
    timestamp_window: int = Field(
        default=300, ge=0, description="seconds an AK/SK timestamp may be off the clock, either way"
    )
    jwt_secret: str | None = Field(
        default=None,
        description="the tokens' HS256 key, 32 bytes or more; default: a random one the store keeps",
    )
    platform_apis: list[Api] = Field(
        default_factory=lambda: list(ALL_APIS),
        description="what the platform token (clusterId 0) may call besides tokens/state",
    )
    frozen_tokens_refused: bool = Field(
        default=True, description="a frozen user's live tokens answer 10007 on state, center and user too"
    )
    bad_signature_code: Literal["10009", "10004"] = Field(
        default="10009", description="what an AK/SK signature that does not verify answers (10009 校验失败)"
    )
    center_id_type: Literal["number", "string"] = Field(
        default="number",
        description="the center's id as a JSON number (the example's) or a string (the table's)",
    )
    platform_center: Center = Field(
        default_factory=Center, description="what the center tells of the platform (the platform token's)"
    )
    public_url: str | None = Field(
        default=None, description="base of the center's URLs; default: the base URL the request came to"
    )
    center_paths: CenterPaths = Field(
        default_factory=CenterPaths, description="the path each center URL adds to the base URL"
    )

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value.encode("utf-8")) < 32:
            raise ValueError("an HS256 key needs 32 bytes or more (RFC 7518 section 3.2)")
        return value

    @field_validator("public_url")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError(f"give an absolute http(s) URL, not {value!r}")
        return value.rstrip("/") if value else value


class Org(Strict):
    org_id: str = Field(default_factory=lambda: secrets.token_hex(16), min_length=1)
    name: str = ""


class Region(Strict):
    cluster_id: ClusterId
    cluster_name: str = Field(min_length=1)
    #: What this region's tokens may call besides tokens/state (else 10009).
    apis: list[Api] = Field(default_factory=lambda: list(ALL_APIS))
    center: Center = Field(default_factory=Center)


def _in_full(value: BaseModel | None) -> dict[str, Any] | None:
    """A nested value a PATCH replaces, in full: the values it leaves out are the defaults."""
    return None if value is None else value.model_dump()


class RegionChange(Strict, defer_build=True):
    cluster_name: str | None = Field(default=None, min_length=1)
    apis: list[Api] | None = None
    #: Replaces the region's center values; null: the defaults.
    center: Center | None = None

    @field_serializer("center")
    def _whole(self, center: Center | None) -> dict[str, Any] | None:
        return _in_full(center)


def _regions_hold_suspended(regions: list[str], suspended: list[str], who: str) -> None:
    if len(set(regions)) != len(regions):
        raise ValueError(f"{who}: a region is listed twice in regions")
    stray = [cid for cid in suspended if cid not in regions]
    if stray:
        raise ValueError(f"{who}: suspended region(s) {', '.join(stray)} are not in regions")


class User(Strict):
    user: str = Field(default_factory=lambda: "ac" + secrets.token_hex(4), min_length=1)
    password: str = Field(default_factory=lambda: secrets.token_urlsafe(12), min_length=1)
    #: None when created through the admin API: a fresh org of its own.
    org_id: str | None = None
    user_id: str = Field(
        default_factory=lambda: str(10**10 + secrets.randbelow(9 * 10**10)), pattern=r"^[0-9]{1,19}$"
    )
    #: None: the same as `user`.
    compute_user: str | None = None
    account_status: str = Field(default="Normal", min_length=1)
    role: str = Field(default="1", min_length=1)
    frozen: bool = False
    #: The computing regions the user may use, in the order the token list shows them.
    regions: list[ClusterId] = Field(default_factory=list)
    #: Regions (of `regions`) where the account is suspended: their token is null.
    suspended: list[ClusterId] = Field(default_factory=list)
    #: None: /public/home/<cluster user> [public: the center's example].
    home_path: HomePath | None = None
    profile: Profile = Field(default_factory=Profile)

    @model_validator(mode="after")
    def _suspended_are_regions(self) -> User:
        _regions_hold_suspended(self.regions, self.suspended, f"user {self.user!r}")
        return self

    def shown(self) -> dict[str, Any]:
        return {"user": self.user, "password": self.password, "orgId": self.org_id}


class UserChange(Strict, defer_build=True):
    password: str | None = Field(default=None, min_length=1)
    user_id: str | None = Field(default=None, pattern=r"^[0-9]{1,19}$")
    compute_user: str | None = None
    account_status: str | None = Field(default=None, min_length=1)
    role: str | None = Field(default=None, min_length=1)
    frozen: bool | None = None
    regions: list[ClusterId] | None = None
    suspended: list[ClusterId] | None = None
    home_path: HomePath | None = None
    #: Replaces the user's profile; null: the defaults.
    profile: Profile | None = None

    @field_serializer("profile")
    def _whole(self, profile: Profile | None) -> dict[str, Any] | None:
        return _in_full(profile)


class AccessKey(Strict):
    access_key: str = Field(default_factory=lambda: secrets.token_hex(16), min_length=1)
    secret_key: str = Field(default_factory=lambda: secrets.token_hex(16), min_length=1)
    user: str = Field(min_length=1)

    def shown(self) -> dict[str, Any]:
        return {"user": self.user, "accessKey": self.access_key, "secretKey": self.secret_key}


class AccessKeyChange(Strict, defer_build=True):
    secret_key: str | None = Field(default=None, min_length=1)


def _unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} is configured twice")
        seen.add(value)


class SugonConfig(ProviderConfig):
    settings: Settings = Settings()
    orgs: list[Org] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)
    users: list[User] = Field(default_factory=list)
    access_keys: list[AccessKey] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_hold(self) -> SugonConfig:
        demo = demo_set() if self.demo else DemoSet()
        _unique([o.org_id for o in self.orgs], "org")
        _unique([r.cluster_id for r in self.regions], "region")
        _unique([u.user for u in self.users], "user")
        _unique([k.access_key for k in self.access_keys], "access key")
        orgs = {o.org_id for o in [*demo.orgs, *self.orgs]}
        regions = {r.cluster_id for r in [*demo.regions, *self.regions]}
        users = {u.user for u in [*demo.all_users(), *self.users]}
        for user in self.users:
            if user.org_id is None:
                raise ValueError(f"user {user.user!r} needs an org_id")
            if user.org_id not in orgs:
                raise ValueError(f"user {user.user!r} names org {user.org_id!r}, which is not configured")
            unknown = [cid for cid in user.regions if cid not in regions]
            if unknown:
                raise ValueError(f"user {user.user!r} names region(s) {', '.join(unknown)}, not configured")
        for key in self.access_keys:
            if key.user not in users:
                raise ValueError(f"access key {key.access_key!r} names user {key.user!r}, not configured")
        return self


@dataclass(frozen=True)
class DemoSet:
    """The demo org, regions, users and access key; each user or key shows documented cases."""

    orgs: list[Org] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    users: dict[str, tuple[User, str]] = field(default_factory=dict)
    access_keys: dict[str, tuple[AccessKey, str]] = field(default_factory=dict)

    def all_users(self) -> list[User]:
        return [user for user, _ in self.users.values()]


@functools.cache
def demo_set() -> DemoSet:
    """The demo set, the same on every start (a seeded Faker)."""
    fake = seeded_faker("sugon")
    lower_alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
    org = Org(org_id=fake.hexify("^" * 32), name=fake.company())
    active = Region(
        cluster_id="11250", cluster_name="华东一区【昆山】", center=Center(description="昆山计算中心")
    )
    renew_only = Region(
        cluster_id="11112",
        cluster_name="西北一区【西安】",
        apis=["renew", "user"],
        center=Center(description="西安计算中心"),
    )
    suspended = Region(
        cluster_id="11126", cluster_name="华北一区【雄安】", center=Center(description="雄安计算中心")
    )

    def user(**extra: Any) -> User:
        return User(
            user="ac" + fake.lexify("?" * 8, letters=lower_alnum),
            password=fake.password(length=12, special_chars=False),
            org_id=org.org_id,
            user_id=fake.numerify("1##########"),
            account_status="Trial",
            **extra,
        )

    main = user(regions=[active.cluster_id, renew_only.cluster_id, suspended.cluster_id], suspended=["11126"])
    main.profile = Profile(
        fullName="演示用户",
        accountBalance="100.00",
        email=f"{main.user}@example.com",
        mobilephoneNum="13800000000",
        institution=org.name,
    )
    frozen = user(regions=[active.cluster_id], frozen=True)
    key = AccessKey(access_key=fake.hexify("^" * 32), secret_key=fake.hexify("^" * 32), user=main.user)
    return DemoSet(
        orgs=[org],
        regions=[active, renew_only, suspended],
        users={
            "demo": (
                main,
                "11250 华东一区【昆山】 (active), 11112 西北一区【西安】 (active; its tokens may not "
                "call center: 10009), 11126 华北一区【雄安】 (suspended: token null) and last the "
                "platform token (clusterId 0, ac)",
            ),
            "frozen": (frozen, "frozen: token acquisition answers 10007"),
        },
        access_keys={"aksk": (key, "the demo user's access key: POST /api/user/v3/tokens, same tokens")},
    )


def signature(access_key: str, timestamp: str, user: str, secret_key: str) -> str:
    """The AK/SK signature [public]: lowercase hex HMAC-SHA256, keyed by the secret key, of
    the compact JSON of the three headers with sorted keys."""
    message = json.dumps(
        {"accessKey": access_key, "timestamp": timestamp, "user": user},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return hmac.new(secret_key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass")
    )


def _well_formed(claims: Any) -> bool:
    """Exactly the documented claims, each a string the platform could have written: text a
    store can hold (no lone surrogate), numbers within the platform's range."""
    return (
        isinstance(claims, dict)
        and set(claims) == set(CLAIMS)
        and all(isinstance(value, str) and not _SURROGATE.search(value) for value in claims.values())
        and all(form.fullmatch(claims[name]) for name, form in _NUMBER_CLAIMS.items())
        and int(claims["expireTime"]) <= JAVA_LONG_MAX
    )


@dataclass(frozen=True)
class Caller:
    """Whose token a call carries, as the checks found them."""

    claims: dict[str, str]
    user: dict[str, Any]
    #: The token's region; None for the platform's token.
    region: dict[str, Any] | None


class SugonModel(ProviderModel[SugonConfig]):
    slug = "sugon"
    config_type = SugonConfig
    MESSAGES = errors.MESSAGES

    # -- credentials -------------------------------------------------------

    def seed(self) -> None:
        self.signing_key()
        demo = demo_set() if self.config.demo else DemoSet()
        for org in [*demo.orgs, *self.config.orgs]:
            self.store.set(self.key("org", org.org_id), org.model_dump())
        for region in [*demo.regions, *self.config.regions]:
            self.store.set(self.key("region", region.cluster_id), region.model_dump())
        for user in [*demo.all_users(), *self.config.users]:
            self.store.set(self.key("user", user.user), user.model_dump())
        for key in [*(k for k, _ in demo.access_keys.values()), *self.config.access_keys]:
            self.store.set(self.key("accesskey", key.access_key), key.model_dump())

    def demo_entries(self) -> Iterator[tuple[str, User | AccessKey, str]]:
        """The demo users, then the demo access key; a config entry may have replaced one."""
        demo = demo_set()
        yield from as_configured(demo.users, self.config.users, "user")
        yield from as_configured(demo.access_keys, self.config.access_keys, "access_key")

    def fresh_credentials(self) -> dict[str, Any]:
        """A new user in an org of its own, with an access key and every region, none suspended:
        it shares nothing with any other credential. Regions whose tokens may call every API
        come first: a client takes the token list's first entry as its default region."""
        regions = sorted(self.regions(), key=lambda region: set(region["apis"]) != set(ALL_APIS))
        user = self.create_user(User(regions=[region["cluster_id"] for region in regions]))
        key = self.create_access_key(AccessKey(user=user["user"]))
        return {
            "user": user["user"],
            "password": user["password"],
            "orgId": user["org_id"],
            "accessKey": key["access_key"],
            "secretKey": key["secret_key"],
        }

    def orgs(self) -> list[dict[str, Any]]:
        return self._list("org")

    def create_org(self, org: Org) -> dict[str, Any]:
        return self._create("org", org.org_id, "org", org.model_dump())

    def regions(self) -> list[dict[str, Any]]:
        return self._list("region")

    def region(self, cluster_id: str) -> dict[str, Any]:
        return self._get("region", cluster_id, "region")

    def create_region(self, region: Region) -> dict[str, Any]:
        return self._create("region", region.cluster_id, "region", region.model_dump())

    def update_region(self, cluster_id: str, change: RegionChange) -> dict[str, Any]:
        return self._update("region", cluster_id, "region", change)

    def users(self) -> list[dict[str, Any]]:
        return self._list("user")

    def user(self, name: str) -> dict[str, Any]:
        return self._get("user", name, "user")

    def _check_user(self, user: dict[str, Any]) -> None:
        """The user's org and regions exist and its suspended regions are among its regions."""
        self._get("org", user["org_id"], "org")
        for cluster_id in user["regions"]:
            self.region(cluster_id)
        try:
            _regions_hold_suspended(user["regions"], user["suspended"], f"user {user['user']!r}")
        except ValueError as exc:
            raise AdminError(400, str(exc)) from exc

    def create_user(self, user: User) -> dict[str, Any]:
        """Create a user; without an org_id it gets a fresh org, made once the user exists."""
        own_org = Org(name=f"{user.user}'s org") if user.org_id is None else None
        if own_org is not None:
            user.org_id = own_org.org_id
        record = user.model_dump()
        if own_org is None:
            self._check_user(record)
        else:
            for cluster_id in record["regions"]:
                self.region(cluster_id)
        created = self._create("user", user.user, "user", record)
        if own_org is not None:
            self.create_org(own_org)
        return created

    def update_user(self, name: str, change: UserChange) -> dict[str, Any]:
        user = self.user(name) | change.model_dump(exclude_unset=True)
        self._check_user(user)
        self.store.set(self.key("user", name), user)
        return user

    def access_keys(self) -> list[dict[str, Any]]:
        return self._list("accesskey")

    def access_key(self, access_key: str) -> dict[str, Any]:
        return self._get("accesskey", access_key, "access key")

    def create_access_key(self, key: AccessKey) -> dict[str, Any]:
        self.user(key.user)
        return self._create("accesskey", key.access_key, "access key", key.model_dump())

    def update_access_key(self, access_key: str, change: AccessKeyChange) -> dict[str, Any]:
        return self._update("accesskey", access_key, "access key", change)

    # -- tokens --------------------------------------------------------------

    def signing_key(self) -> str:
        """The tokens' HS256 key: the configured one, else the store's, made at random when the
        state is first seeded, so that no one can mint a token with a key from the documentation.

        Read from the store at each use: every worker and instance on a shared store signs
        with the same key, and one that lost its state makes a new one.
        """
        if self.config.settings.jwt_secret is not None:
            return self.config.settings.jwt_secret
        key = self.store.get(SIGNING_KEY)
        while key is None:  # ours, unless another process made one first: then that one
            made = secrets.token_urlsafe(32)
            key = made if self.store.compare_and_set(SIGNING_KEY, None, made) else self.store.get(SIGNING_KEY)
        return str(key)

    def settings(self) -> dict[str, Any]:
        """The settings, with the key the tokens are signed with (admin only: it mints tokens)."""
        return super().settings() | {"jwt_secret": self.signing_key()}

    def _now_ms(self) -> int:
        """The virtual clock in milliseconds, as the platform's `expireTime` counts."""
        return round(self.clock.time() * 1000)

    def _token(self, user: dict[str, Any], cluster_id: str, now_ms: int, key: str) -> str:
        """A token of `user` for `cluster_id`: exactly the documented claims, in their order."""
        import jwt  # loaded on first use: it costs a start 8 ms

        claims = {
            "computeUser": user["compute_user"] or user["user"],
            "accountStatus": user["account_status"],
            "creator": CREATOR,
            "role": user["role"],
            "expireTime": str(now_ms + self.config.settings.token_lifetime * 1000),
            "clusterId": cluster_id,
            "invoker": user["org_id"],
            "user": user["user"],
            "userId": user["user_id"],
        }
        return jwt.encode(claims, key, algorithm="HS256")

    def _token_list(self, user: dict[str, Any]) -> list[dict[str, Any]]:
        """One token per region the user may use (null where suspended), then the platform's:
        the documented example's order [public]; clients take the first entry as their region."""
        now, key = self._now_ms(), self.signing_key()
        listed: list[dict[str, Any]] = []
        for cluster_id in user["regions"]:
            region = self.store.get(self.key("region", cluster_id))
            if region is None:
                continue
            token = None if cluster_id in user["suspended"] else self._token(user, cluster_id, now, key)
            listed.append({"clusterId": cluster_id, "clusterName": region["cluster_name"], "token": token})
        platform = self._token(user, PLATFORM_ID, now, key)
        listed.append({"clusterId": PLATFORM_ID, "clusterName": PLATFORM_NAME, "token": platform})
        self._remember_login(user["user"], platform, now)
        return listed

    def _remember_login(self, user: str, token: str, now_ms: int) -> None:
        """For the audit: a login while the user's previous platform token was still valid."""
        lifetime = self.config.settings.token_lifetime
        previous = self.store.get(self.key("login", user))
        self.store.set(
            self.key("login", user),
            {"token": token, "expires_ms": now_ms + lifetime * 1000},
            expires_at=now_ms / 1000 + lifetime,
        )
        note(token=token)
        if previous is not None and now_ms < previous["expires_ms"]:
            note(
                replaced=previous["token"],
                replaced_left=(previous["expires_ms"] - now_ms) / 1000,
                replaced_lifetime=lifetime,
            )

    def live_tokens(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Each user's platform token from their latest login (renewed and region tokens are not kept)."""
        now_ms = self._now_ms()
        listed = (
            {
                "token": login["token"],
                "credential": key.rpartition(":")[2],
                "seconds_left": max(0.0, (login["expires_ms"] - now_ms) / 1000),
                "valid": now_ms < login["expires_ms"],
            }
            for key, login in self.store.scan(self.key("login", ""))
        )
        return list(islice(listed, limit))

    def login(self, user: str, password: str, org_id: str) -> list[dict[str, Any]]:
        """Token acquisition with user, password and orgId."""
        note(kind="fetch", credential=user or None)
        if not (user and password and org_id):
            raise ProviderError(errors.MISSING_PARAMETER)
        record = self.store.get(self.key("user", user))
        if record is None or not (_same(record["password"], password) and _same(record["org_id"], org_id)):
            raise ProviderError(errors.INVALID_PARAMETER)
        if record["frozen"]:
            raise ProviderError(errors.USER_FROZEN)
        return self._token_list(record)

    def login_with_key(self, user: str, access_key: str, timestamp: str, signed: str) -> list[dict[str, Any]]:
        """Token acquisition with an access key: the signature and a timestamp near the clock."""
        note(kind="fetch", credential=user or None)
        if not (user and access_key and timestamp and signed):
            raise ProviderError(errors.MISSING_PARAMETER)
        if not _TIMESTAMP.fullmatch(timestamp) or (
            abs(self.clock.time() - int(timestamp)) > self.config.settings.timestamp_window
        ):
            raise ProviderError(errors.INVALID_PARAMETER)
        key = self.store.get(self.key("accesskey", access_key))
        if key is None or not _same(key["user"], user):
            raise ProviderError(errors.INVALID_PARAMETER)
        if not _same(signature(key["access_key"], timestamp, user, key["secret_key"]), signed):
            raise ProviderError(self.config.settings.bad_signature_code)
        record = self.store.get(self.key("user", user))
        if record is None:
            raise ProviderError(errors.INVALID_PARAMETER)
        if record["frozen"]:
            raise ProviderError(errors.USER_FROZEN)
        return self._token_list(record)

    def _verify(self, token: str) -> tuple[dict[str, str], dict[str, Any]]:
        """The claims of a token this mock signed, and its user as it is now; else 10004."""
        import jwt  # loaded on first use: it costs a start 8 ms

        try:
            payload = jwt.api_jws.decode(token, self.signing_key(), algorithms=["HS256"])
            claims = json.loads(payload)
        except (jwt.InvalidTokenError, ValueError, RecursionError):  # RecursionError: nested too deep
            raise ProviderError(errors.INVALID_PARAMETER) from None
        if not _well_formed(claims):
            raise ProviderError(errors.INVALID_PARAMETER)
        user = self.store.get(self.key("user", claims["user"]))
        if user is None or claims["invoker"] != user["org_id"] or claims["userId"] != user["user_id"]:
            raise ProviderError(errors.INVALID_PARAMETER)
        return claims, user

    def _authorize(self, token: str, api: Api | None, *, renewal: bool = False) -> Caller:
        """The checks every token-bearing call makes, in order: present, genuine, in time,
        user not frozen, region still usable, API allowed for the token's region."""
        note(
            kind="renew" if renewal else "call",
            token=token,
            token_state="missing" if not token else "unknown",
        )
        if not token:
            raise ProviderError(errors.MISSING_PARAMETER)
        claims, user = self._verify(token)
        settings = self.config.settings
        now, expires = self._now_ms(), int(claims["expireTime"])
        note(credential=claims["user"], token_state="expired" if now >= expires else "valid")
        late = now > expires + settings.renew_window * 1000 if renewal else now >= expires
        if late:
            # Only a refused renewal asks to back off: a call refused for an expired token
            # asks for a renewal, and a prompt retry with the renewed token is right.
            note(backoff=renewal, renewal_window_passed=renewal)
            raise ProviderError(errors.NO_PERMISSION)
        if user["frozen"] and (renewal or settings.frozen_tokens_refused):
            raise ProviderError(errors.USER_FROZEN)
        cluster_id = claims["clusterId"]
        region: dict[str, Any] | None = None
        if cluster_id == PLATFORM_ID:
            apis: list[str] = list(settings.platform_apis)
        else:
            region = self.store.get(self.key("region", cluster_id))
            if region is None or cluster_id not in user["regions"] or cluster_id in user["suspended"]:
                note(backoff=True)  # no renewal or retry helps until the region is usable again
                raise ProviderError(errors.NO_PERMISSION)
            apis = region["apis"]
        if api is not None and api not in apis:
            raise ProviderError(errors.API_NOT_ALLOWED)
        return Caller(claims, user, region)

    def renew(self, token: str) -> str:
        """A new token for the same user and region; the old one lives on until its own expiry."""
        caller = self._authorize(token, "renew", renewal=True)
        return self._token(caller.user, caller.claims["clusterId"], self._now_ms(), self.signing_key())

    def state(self, token: str) -> str:
        self._authorize(token, None)
        return STATE_VALID

    def center(self, token: str, base_url: str) -> dict[str, Any]:
        """The token's region as `GET center` documents it, every URL pointing at this mock."""
        caller = self._authorize(token, "center")
        settings = self.config.settings
        region = caller.region
        about = Center.model_validate(region.get("center") or {}) if region else settings.platform_center
        cluster_id = caller.claims["clusterId"]
        cluster_user = caller.user["compute_user"] or caller.user["user"]
        data: dict[str, Any] = {
            "id": int(cluster_id) if settings.center_id_type == "number" else cluster_id,
            "name": region["cluster_name"] if region else PLATFORM_NAME,
            "description": about.description,
            "clusterUserInfo": {
                "userName": cluster_user,
                "homePath": caller.user.get("home_path") or f"/public/home/{cluster_user}",
            },
        }
        base = settings.public_url or base_url.rstrip("/")
        for name, keys in CENTER_LISTS.items():
            values = {"enable": "true", "url": base + getattr(settings.center_paths, name)}
            values |= getattr(about, name).model_dump()
            data[name] = [{key: values[key] for key in keys}]
        return data

    def account(self, token: str) -> dict[str, str]:
        """The token's user as `GET user` answers it; every valid token of the user may ask."""
        user = self._authorize(token, "user").user
        profile = Profile.model_validate(user.get("profile") or {}).model_dump()
        regions = (self.store.get(self.key("region", cluster_id)) for cluster_id in user["regions"])
        first = next((region["cluster_name"] for region in regions if region is not None), "")
        derived = {"fullName": user["user"], "accountName": user["user"], "computerCenter": first}
        values = {
            **{name: value if value is not None else derived[name] for name, value in profile.items()},
            "userName": user["user"],
            "accountStatus": user["account_status"],
        }
        return {name: values[name] for name in USER_FIELDS}

    # -- failures ----------------------------------------------------------

    def http_error(self, status: int) -> ProviderError:
        """HTTP failures keep their status; a crash is the platform's 10001 in an HTTP 200."""
        if status >= 500:
            return ProviderError(errors.INTERNAL_ERROR)
        return ProviderError(str(status) if str(status) in self.messages else "400", http_status=status)
