"""Sugon / SCNet AC's rules: orgs, computing regions, users, access keys and JWT tokens.

Store layout (all under `sugon:`):
  org:<orgId>              {"org_id", "name"}
  region:<clusterId>       {"cluster_id", "cluster_name", "apis", "center"}
  user:<user>              {"user", "password", "org_id", "user_id", "compute_user", "account_status",
                            "role", "frozen", "regions", "suspended", "home_path", "profile"}
  accesskey:<accessKey>    {"access_key", "secret_key", "user"}
  login:<user>             {"token", "expires_ms"}: the user's latest platform token, until it expires
and, outside `sugon:` so that a reset keeps it:
  sugon.signing-key        the tokens' HS256 key when none is configured, made at random

Tokens are HS256 JWTs and nothing about them but the key is stored: a token is valid while its
signature holds, its claims are exactly the documented ones, its user still exists with the
same org and userId, and the virtual clock is before its `expireTime`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from ...core.audit import note, note_replaced
from ...core.errors import AdminError, ProviderError
from ...core.provider import ProviderModel, Records, RenewalWindow, as_configured
from . import errors, signing
from .center import account_answer, center_answer
from .config import DemoSet, SugonConfig, demo_set
from .records import (
    ALL_APIS,
    AccessKey,
    AccessKeyChange,
    Api,
    Center,
    LoginRecord,
    Org,
    Region,
    RegionChange,
    RegionRecord,
    User,
    UserChange,
    UserRecord,
    regions_hold_suspended,
)
from .rules import duration
from .signing import TIMESTAMP, same, signature

#: The platform's own token in the token list [public].
PLATFORM_ID, PLATFORM_NAME = "0", "ac"
#: What `tokens/state` answers for a valid token [public].
STATE_VALID = "token is valid"


@dataclass(frozen=True)
class Caller:
    """Whose token a call carries, as the checks found them."""

    claims: dict[str, str]
    user: UserRecord
    #: The token's region; None for the platform's token.
    region: RegionRecord | None


class SugonModel(ProviderModel[SugonConfig]):
    slug = "sugon"
    MESSAGES = errors.MESSAGES
    READ_MOSTLY = (signing.SIGNING_KEY,)

    # -- credentials -------------------------------------------------------

    def seed(self) -> None:
        self.signing_key()
        demo = demo_set() if self.config.demo else DemoSet()
        orgs, regions, users, keys = self._orgs, self._regions, self._users, self._access_keys
        for org in [*demo.orgs, *self.config.orgs]:
            orgs.put(org.org_id, org)
        for region in [*demo.regions, *self.config.regions]:
            regions.put(region.cluster_id, region)
        for user in [*demo.all_users(), *self.config.users]:
            users.put(user.user, user)
        for key in [*(k for k, _ in demo.access_keys.values()), *self.config.access_keys]:
            keys.put(key.access_key, key)

    def demo_entries(self) -> Iterator[tuple[str, User | AccessKey, str]]:
        """The demo users, then the demo access key; a config entry may have replaced one."""
        demo = demo_set()
        yield from as_configured(demo.users, self.config.users, "user")
        yield from as_configured(demo.access_keys, self.config.access_keys, "access_key")

    def fresh_credentials(self) -> dict[str, Any]:
        """A new user in an org of its own, with an access key and every region, none suspended:
        it shares nothing with any other credential. Regions whose tokens may call every API
        come first: a client takes the token list's first entry as its default region."""
        regions = sorted(self.regions(), key=lambda region: set(region.apis) != set(ALL_APIS))
        user = self.create_user(User(regions=[region.cluster_id for region in regions]))
        key = self.create_access_key(AccessKey(user=user.user))
        return {
            "user": user.user,
            "password": user.password,
            "orgId": user.org_id,
            "accessKey": key.access_key,
            "secretKey": key.secret_key,
        }

    _orgs = Records("org", Org, read_mostly=True)
    _regions = Records("region", RegionRecord, read_mostly=True)
    _users = Records("user", UserRecord, read_mostly=True)
    _access_keys = Records("accesskey", AccessKey, "access key", read_mostly=True)
    _logins = Records("login", LoginRecord)

    def orgs(self) -> list[Org]:
        return self._orgs.list()

    def create_org(self, org: Org) -> Org:
        return self._orgs.create(org.org_id, org)

    def regions(self) -> list[RegionRecord]:
        return self._regions.list()

    def region(self, cluster_id: str) -> RegionRecord:
        return self._regions.get(cluster_id)

    def create_region(self, region: Region) -> RegionRecord:
        return self._regions.create(region.cluster_id, region)

    def update_region(self, cluster_id: str, change: RegionChange) -> RegionRecord:
        """Change a region; a null center is the defaults, any other null a 400."""
        return self._regions.update(cluster_id, change)

    def users(self) -> list[UserRecord]:
        return self._users.list()

    def user(self, name: str) -> UserRecord:
        return self._users.get(name)

    def _check_user(self, user: UserRecord) -> None:
        """The user's org and regions exist and its suspended regions are among its regions."""
        self._orgs.get(user.org)
        for cluster_id in user.regions:
            self.region(cluster_id)
        try:
            regions_hold_suspended(user.regions, user.suspended, f"user {user.user!r}")
        except ValueError as exc:
            raise AdminError(400, str(exc)) from exc

    def create_user(self, user: User) -> UserRecord:
        """Create a user; without an org_id it gets a fresh org, made once the user exists."""
        own_org = Org(name=f"{user.user}'s org") if user.org_id is None else None
        if own_org is not None:
            user.org_id = own_org.org_id
            for cluster_id in user.regions:
                self.region(cluster_id)
        else:
            self._check_user(user)
        created = self._users.create(user.user, user)
        if own_org is not None:
            self.create_org(own_org)
        return created

    def update_user(self, name: str, change: UserChange) -> UserRecord:
        """Change a user, checked as a new one is before it is stored; a null compute_user,
        home_path or profile is the default, any other null a 400."""
        return self._users.update(name, change, check=self._check_user)

    def access_keys(self) -> list[AccessKey]:
        return self._access_keys.list()

    def access_key(self, access_key: str) -> AccessKey:
        return self._access_keys.get(access_key)

    def create_access_key(self, key: AccessKey) -> AccessKey:
        self.user(key.user)
        return self._access_keys.create(key.access_key, key)

    def update_access_key(self, access_key: str, change: AccessKeyChange) -> AccessKey:
        return self._access_keys.update(access_key, change)

    # -- tokens --------------------------------------------------------------

    def signing_key(self) -> str:
        """The tokens' HS256 key: the configured one, else the store's, made at random when the
        state is first seeded, so that no one can mint a token with a key from the documentation.

        Read from the store at each use: every worker and instance on a shared store signs
        with the same key, and one that lost its state makes a new one.
        """
        if self.config.settings.jwt_secret is not None:
            return self.config.settings.jwt_secret
        return signing.stored_key(self.store)

    def settings(self) -> dict[str, Any]:
        """The settings, with the key the tokens are signed with (admin only: it mints tokens)."""
        return super().settings() | {"jwt_secret": self.signing_key()}

    def _now_ms(self) -> int:
        """The virtual clock in milliseconds, as the platform's `expireTime` counts."""
        return round(self.clock.time() * 1000)

    def _token(self, user: UserRecord, cluster_id: str, now_ms: int, key: str) -> str:
        """A token of `user` for `cluster_id`: exactly the documented claims, in their order."""
        claims = {
            "computeUser": user.compute_user or user.user,
            "accountStatus": user.account_status,
            "creator": signing.CREATOR,
            "role": user.role,
            "expireTime": str(now_ms + self.config.settings.token_lifetime * 1000),
            "clusterId": cluster_id,
            "invoker": user.org,
            "user": user.user,
            "userId": user.user_id,
        }
        return signing.sign(claims, key)

    def _token_list(self, user: UserRecord) -> list[dict[str, Any]]:
        """One token per region the user may use (null where suspended), then the platform's:
        the documented example's order [public]; clients take the first entry as their region."""
        now, key, regions = self._now_ms(), self.signing_key(), self._regions
        listed: list[dict[str, Any]] = []
        for cluster_id in user.regions:
            region = regions.find(cluster_id)
            if region is None:
                continue
            token = None if cluster_id in user.suspended else self._token(user, cluster_id, now, key)
            listed.append({"clusterId": cluster_id, "clusterName": region.cluster_name, "token": token})
        platform = self._token(user, PLATFORM_ID, now, key)
        note(issued_with=[item["token"] for item in listed if item["token"]])
        listed.append({"clusterId": PLATFORM_ID, "clusterName": PLATFORM_NAME, "token": platform})
        self._remember_login(user.user, platform, now)
        return listed

    def _remember_login(self, user: str, token: str, now_ms: int) -> None:
        """For the audit: a login while the user's previous platform token was still valid."""
        lifetime = self.config.settings.token_lifetime
        logins = self._logins
        previous = logins.find(user)
        logins.put(
            user,
            LoginRecord(token=token, expires_ms=now_ms + lifetime * 1000),
            expires_at=now_ms / 1000 + lifetime,
        )
        note(token=token, expires=now_ms / 1000 + lifetime)
        if previous is not None and now_ms < previous.expires_ms:
            note_replaced(previous.token, (previous.expires_ms - now_ms) / 1000, lifetime)

    def renewal_window(self) -> RenewalWindow:
        """A token may be renewed until `renew_window` after its expiry [doc: 24 h]."""
        window = self.config.settings.renew_window
        return RenewalWindow(f"renewable for {duration(window)} after expiry", 0, window)

    def live_tokens(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Each user's platform token from their latest login (renewed and region tokens are not kept)."""
        now_ms = self._now_ms()
        listed = []
        for user, login in islice(self._logins.items(), limit):
            listed.append(
                {
                    "token": login.token,
                    "credential": user,
                    "seconds_left": max(0.0, (login.expires_ms - now_ms) / 1000),
                    "valid": now_ms < login.expires_ms,
                }
            )
        return listed

    def login(self, user: str, password: str, org_id: str) -> list[dict[str, Any]]:
        """Token acquisition with user, password and orgId."""
        note(kind="fetch", credential=user or None)
        if not (user and password and org_id):
            raise ProviderError(errors.MISSING_PARAMETER)
        record = self._users.find(user)
        if record is None or not (same(record.password, password) and same(record.org, org_id)):
            raise ProviderError(errors.INVALID_PARAMETER)
        if record.frozen:
            raise ProviderError(errors.USER_FROZEN)
        return self._token_list(record)

    def login_with_key(self, user: str, access_key: str, timestamp: str, signed: str) -> list[dict[str, Any]]:
        """Token acquisition with an access key: the signature and a timestamp near the clock."""
        note(kind="fetch", credential=user or None)
        if not (user and access_key and timestamp and signed):
            raise ProviderError(errors.MISSING_PARAMETER)
        if not TIMESTAMP.fullmatch(timestamp) or (
            abs(self.clock.time() - int(timestamp)) > self.config.settings.timestamp_window
        ):
            raise ProviderError(errors.INVALID_PARAMETER)
        key = self._access_keys.find(access_key)
        if key is None or not same(key.user, user):
            raise ProviderError(errors.INVALID_PARAMETER)
        if not same(signature(key.access_key, timestamp, user, key.secret_key), signed):
            raise ProviderError(self.config.settings.bad_signature_code)
        record = self._users.find(user)
        if record is None:
            raise ProviderError(errors.INVALID_PARAMETER)
        if record.frozen:
            raise ProviderError(errors.USER_FROZEN)
        return self._token_list(record)

    def _verify(self, token: str) -> tuple[dict[str, str], UserRecord]:
        """The claims of a token this mock signed, and its user as it is now; else 10004."""
        claims = signing.verified(token, self.signing_key())
        if claims is None:
            raise ProviderError(errors.INVALID_PARAMETER)
        user = self._users.find(claims["user"])
        if user is None or claims["invoker"] != user.org or claims["userId"] != user.user_id:
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
        if user.frozen and (renewal or settings.frozen_tokens_refused):
            note(token_state="suspended")
            raise ProviderError(errors.USER_FROZEN)
        cluster_id = claims["clusterId"]
        region: RegionRecord | None = None
        if cluster_id == PLATFORM_ID:
            apis = settings.platform_apis
        else:
            region = self._regions.find(cluster_id)
            if region is None or cluster_id not in user.regions or cluster_id in user.suspended:
                # no renewal or retry helps until the region is usable again
                note(backoff=True)
                if cluster_id in user.suspended:
                    note(token_state="suspended")
                raise ProviderError(errors.NO_PERMISSION)
            apis = region.apis
        if api is not None and api not in apis:
            raise ProviderError(errors.API_NOT_ALLOWED)
        return Caller(claims, user, region)

    def renew(self, token: str) -> str:
        """A new token for the same user and region; the old one lives on until its own expiry."""
        caller = self._authorize(token, "renew", renewal=True)
        now_ms = self._now_ms()
        renewed = self._token(caller.user, caller.claims["clusterId"], now_ms, self.signing_key())
        note(token=renewed, renews=token, expires=now_ms / 1000 + self.config.settings.token_lifetime)
        return renewed

    def state(self, token: str) -> str:
        self._authorize(token, None)
        return STATE_VALID

    def center(self, token: str, base_url: str) -> dict[str, Any]:
        """The token's region as `GET center` documents it, every URL pointing at this mock."""
        caller = self._authorize(token, "center")
        settings = self.config.settings
        region = caller.region
        about = (region.center or Center()) if region else settings.platform_center
        name = region.cluster_name if region else PLATFORM_NAME
        base = settings.public_url or base_url.rstrip("/")
        return center_answer(caller.claims["clusterId"], name, about, caller.user, settings, base)

    def account(self, token: str) -> dict[str, str]:
        """The token's user as `GET user` answers it; every valid token of the user may ask."""
        user, regions = self._authorize(token, "user").user, self._regions
        found = (regions.find(cluster_id) for cluster_id in user.regions)
        first = next((region.cluster_name for region in found if region is not None), "")
        return account_answer(user, first)

    # -- failures ----------------------------------------------------------

    def http_error(self, status: int) -> ProviderError:
        """HTTP failures keep their status; a crash is the platform's 10001 in an HTTP 200."""
        if status >= 500:
            return ProviderError(errors.INTERNAL_ERROR)
        return ProviderError(str(status) if str(status) in self.messages else "400", http_status=status)
