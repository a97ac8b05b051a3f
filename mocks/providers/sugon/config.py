"""Sugon / SCNet AC's configuration: the settings, the configured credentials and the demo set."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ...core.demo import drawn
from ...core.provider import ProviderConfig, Strict
from .records import ALL_APIS, AccessKey, Api, Center, Org, Profile, Region, User


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


@drawn("sugon")
def demo_set(fake: Any) -> DemoSet:
    """The demo org, regions, users and access keys."""
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
