"""Sugon / SCNet AC's rules: orgs, computing regions, users, access keys and JWT tokens.

Store layout (all under `sugon:`):
  org:<orgId>              {"org_id", "name"}
  region:<clusterId>       {"cluster_id", "cluster_name", "apis"}
  user:<user>              {"user", "password", "org_id", "user_id", "compute_user", "account_status",
                            "role", "frozen", "regions", "suspended"}
  accesskey:<accessKey>    {"access_key", "secret_key", "user"}

Tokens are HS256 JWTs and nothing about them is stored: a token is valid while its
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
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from ...core.audit import note
from ...core.demo import seeded_faker
from ...core.errors import AdminError, ProviderError
from ...core.provider import ProviderConfig, ProviderModel, Strict, as_configured
from . import errors
from .errors import envelope, renewal_envelope

TOKENS_PATH = "/ac/openapi/v2/tokens"
AKSK_PATH = "/api/user/v3/tokens"
RENEW_PATH = "/ac/openapi/v2/tokens/next"
STATE_PATH = "/ac/openapi/v2/tokens/state"
CENTER_PATH = "/ac/openapi/v2/center"

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
Api = Literal["renew", "center"]
ALL_APIS: tuple[Api, ...] = ("renew", "center")

DEFAULT_SECRET = "provider-mocks sugon HS256 token signing key"
_DIGITS = re.compile(r"[0-9]+")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")

ClusterId = Annotated[str, Field(pattern=r"^[1-9][0-9]{0,18}$")]


class CenterPaths(Strict):
    """The center's lists [public], in their order, and the path each URL adds to the mock's
    base URL [decided; public SDKs show an efile URL ending in /efile]. "" for the bare base URL."""

    hpcUrls: str = "/hpc"
    efileUrls: str = "/efile"
    aiUrls: str = "/ai"
    eshellUrls: str = "/eshell"

    @field_validator("*")
    @classmethod
    def _a_path(cls, value: str) -> str:
        if value and not re.fullmatch(r"/\S*", value):
            raise ValueError(f"give a path starting with / (or an empty string), not {value!r}")
        return value


class Settings(Strict):
    """The [decided] knobs (the renewal window is documented, and configurable too)."""

    token_lifetime: int = Field(default=86400, gt=0, description="seconds a token lives")
    renew_window: int = Field(
        default=86400, ge=0, description="seconds after expiry a token may still be renewed [doc: 24 h]"
    )
    timestamp_window: int = Field(
        default=300, ge=0, description="seconds an AK/SK timestamp may be off the clock, either way"
    )
    jwt_secret: str = Field(default=DEFAULT_SECRET, description="the tokens' HS256 key, 32 bytes or more")
    platform_apis: list[Api] = Field(
        default_factory=lambda: list(ALL_APIS),
        description="what the platform token (clusterId 0) may call besides tokens/state",
    )
    frozen_tokens_refused: bool = Field(
        default=True, description="a frozen user's live tokens answer 10007 on state and center too"
    )
    public_url: str | None = Field(
        default=None, description="base of the center's URLs; default: the base URL the request came to"
    )
    center_paths: CenterPaths = Field(
        default_factory=CenterPaths, description="the path each center URL adds to the base URL"
    )

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if len(value.encode("utf-8")) < 32:
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


class RegionChange(Strict, defer_build=True):
    cluster_name: str | None = Field(default=None, min_length=1)
    apis: list[Api] | None = None


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
    active = Region(cluster_id="11250", cluster_name="华东一区【昆山】")
    renew_only = Region(cluster_id="11112", cluster_name="西北一区【西安】", apis=["renew"])
    suspended = Region(cluster_id="11126", cluster_name="华北一区【雄安】")

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
    frozen = user(regions=[active.cluster_id], frozen=True)
    key = AccessKey(access_key=fake.hexify("^" * 32), secret_key=fake.hexify("^" * 32), user=main.user)
    return DemoSet(
        orgs=[org],
        regions=[active, renew_only, suspended],
        users={
            "demo": (
                main,
                "the platform token (clusterId 0, ac), 11250 华东一区【昆山】 (active), "
                "11112 西北一区【西安】 (active; its tokens may not call center: 10009) and "
                "11126 华北一区【雄安】 (suspended: token null)",
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


class SugonModel(ProviderModel[SugonConfig]):
    slug = "sugon"
    config_type = SugonConfig
    MESSAGES = errors.MESSAGES

    # -- credentials -------------------------------------------------------

    def seed(self) -> None:
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
        it shares nothing with any other credential."""
        user = self.create_user(User(regions=[region["cluster_id"] for region in self.regions()]))
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

    @property
    def _secret(self) -> bytes:
        return self.config.settings.jwt_secret.encode("utf-8")

    def _now_ms(self) -> int:
        """The virtual clock in milliseconds, as the platform's `expireTime` counts."""
        return round(self.clock.time() * 1000)

    def _token(self, user: dict[str, Any], cluster_id: str, now_ms: int) -> str:
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
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def _token_list(self, user: dict[str, Any]) -> list[dict[str, Any]]:
        """The platform's token, then one per region the user may use (null where suspended)."""
        now = self._now_ms()
        listed: list[dict[str, Any]] = [
            {
                "clusterId": PLATFORM_ID,
                "clusterName": PLATFORM_NAME,
                "token": self._token(user, PLATFORM_ID, now),
            }
        ]
        for cluster_id in user["regions"]:
            region = self.store.get(self.key("region", cluster_id))
            if region is None:
                continue
            token = None if cluster_id in user["suspended"] else self._token(user, cluster_id, now)
            listed.append({"clusterId": cluster_id, "clusterName": region["cluster_name"], "token": token})
        self._remember_login(user["user"], listed[0]["token"], now)
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

    def live_tokens(self) -> list[dict[str, Any]]:
        """Each user's platform token from their latest login (renewed and region tokens are not kept)."""
        now_ms = self._now_ms()
        return [
            {
                "token": login["token"],
                "credential": key.rpartition(":")[2],
                "seconds_left": max(0.0, (login["expires_ms"] - now_ms) / 1000),
                "valid": now_ms < login["expires_ms"],
            }
            for key, login in self.store.scan(self.key("login", ""))
        ]

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
            raise ProviderError(errors.INVALID_PARAMETER)
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
            payload = jwt.api_jws.decode(token, self._secret, algorithms=["HS256"])
            claims = json.loads(payload)
        except (jwt.InvalidTokenError, ValueError):
            raise ProviderError(errors.INVALID_PARAMETER) from None
        if (
            not isinstance(claims, dict)
            or set(claims) != set(CLAIMS)
            or not all(isinstance(value, str) for value in claims.values())
            or not _DIGITS.fullmatch(claims["expireTime"])
        ):
            raise ProviderError(errors.INVALID_PARAMETER)
        user = self.store.get(self.key("user", claims["user"]))
        if user is None or claims["invoker"] != user["org_id"] or claims["userId"] != user["user_id"]:
            raise ProviderError(errors.INVALID_PARAMETER)
        return claims, user

    def _authorize(
        self, token: str, api: Api | None, *, renewal: bool = False
    ) -> tuple[dict[str, str], dict[str, Any]]:
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
        return claims, user

    def renew(self, token: str) -> str:
        """A new token for the same user and region; the old one lives on until its own expiry."""
        claims, user = self._authorize(token, "renew", renewal=True)
        return self._token(user, claims["clusterId"], self._now_ms())

    def state(self, token: str) -> str:
        self._authorize(token, None)
        return STATE_VALID

    def center(self, token: str, base_url: str) -> dict[str, Any]:
        """The region's service URLs, all pointing at this mock."""
        self._authorize(token, "center")
        settings = self.config.settings
        base = settings.public_url or base_url.rstrip("/")
        paths = settings.center_paths.model_dump()
        return {name: [{"url": base + path, "enable": "true"}] for name, path in paths.items()}

    # -- answers -----------------------------------------------------------

    def ok(self, data: Any) -> dict[str, Any]:
        return envelope(errors.OK, self.message(errors.OK), data)

    def renewed(self, token: str) -> dict[str, Any]:
        return renewal_envelope(self.message(errors.OK), token)

    def error_body(self, error: ProviderError) -> dict[str, Any]:
        return envelope(str(error.code), self.error_message(error))

    def http_error(self, status: int) -> ProviderError:
        """HTTP failures keep their status; a crash is the platform's 10001 in an HTTP 200."""
        if status >= 500:
            return ProviderError(errors.INTERNAL_ERROR)
        return ProviderError(str(status) if str(status) in self.messages else "400", http_status=status)
