"""Sugon / SCNet AC's credentials as stored: orgs, computing regions, users and access keys,
the changes the admin API makes to them, and each user's latest login.

A region and a user are stored as a `RegionRecord` and a `UserRecord`: a PATCH's null `center`
or `profile` (the defaults) is kept as null. `Region` and `User`, what the admin API creates and
the config lists, never hold that null."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_serializer, model_validator

from ...core.provider import Strict

#: The token-bearing operations a token may be barred from (10009). `tokens/state`
#: accepts every valid token [decided], so it is not one of them.
Api = Literal["renew", "center", "user"]
ALL_APIS: tuple[Api, ...] = ("renew", "center", "user")

ClusterId = Annotated[str, Field(pattern=r"^[1-9][0-9]{0,18}$")]
HomePath = Annotated[str, Field(pattern=r"^/\S*$")]
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


class Org(Strict):
    org_id: str = Field(default_factory=lambda: secrets.token_hex(16), min_length=1)
    name: str = ""


class RegionRecord(Strict):
    cluster_id: ClusterId
    cluster_name: str = Field(min_length=1)
    #: What this region's tokens may call besides tokens/state (else 10009).
    apis: list[Api] = Field(default_factory=lambda: list(ALL_APIS))
    #: None (a PATCH's null): the defaults.
    center: Center | None = Field(default_factory=Center)


class Region(RegionRecord):
    """A region as created or configured."""

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


def regions_hold_suspended(regions: list[str], suspended: list[str], who: str) -> None:
    if len(set(regions)) != len(regions):
        raise ValueError(f"{who}: a region is listed twice in regions")
    stray = [cid for cid in suspended if cid not in regions]
    if stray:
        raise ValueError(f"{who}: suspended region(s) {', '.join(stray)} are not in regions")


class UserRecord(Strict):
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
    #: None (a PATCH's null): the defaults.
    profile: Profile | None = Field(default_factory=Profile)

    @property
    def org(self) -> str:
        """Its org's id: a stored user has one (one created without gets an org of its own)."""
        return self.org_id or ""


class User(UserRecord):
    """A user as created or configured: its suspended regions are among its regions."""

    profile: Profile = Field(default_factory=Profile)

    @model_validator(mode="after")
    def _suspended_are_regions(self) -> User:
        regions_hold_suspended(self.regions, self.suspended, f"user {self.user!r}")
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


class LoginRecord(Strict):
    """A user's latest login, for the audit and the dashboard: its platform token and the
    millisecond the token expires, as `expireTime` counts."""

    token: str
    expires_ms: int
