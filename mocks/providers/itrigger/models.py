"""iTrigger's rules: tenants, apps, tokens, the daily limit and API grants.

Store layout (all under `itrigger:`):
  tenant:<id>              {"id", "name", "daily_limit"}
  app:<appId>              {"app_id", "app_secret", "tenant", "name", "frozen", "grants"}
  token:<token>            {"app_id", "issued_at", "expires_at", "valid_until", "overwritten"}
  current:<appId>          the app's newest token
  trace:...                the ring of replaced tokens' records (see ProviderModel.trace)
  count:<tenant>:<date>    fetches on that Shanghai calendar day

A token's record outlives it by RETAIN, so the audit tells a late or overwritten token
from a forged one. The app's newest token keeps its record; once replaced, the record
goes into a ring of the last `token_trace` replaced tokens, so churn stays bounded.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from ...core.audit import note, note_replaced
from ...core.demo import drawn
from ...core.errors import ProviderError
from ...core.provider import (
    RETAIN,
    ProviderConfig,
    ProviderModel,
    Records,
    RenewalWindow,
    Strict,
    as_configured,
)
from ...core.stores.base import Count, Put, Swap
from . import errors

TOKEN_PATH = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
DEMO_GET = "/itrigger-tenant/v1/basic/openAPItest/test/get"
DEMO_POST = "/itrigger-tenant/v1/basic/openAPItest/test/post"
DEMO_APIS = [DEMO_GET, DEMO_POST]


class Settings(Strict):
    """The [decided] knobs (the lifetime is documented, and configurable too)."""

    token_lifetime: int = Field(default=7200, gt=0, description="seconds a token lives [doc: 2 h]")
    daily_limit: int = Field(default=2000, ge=0, description="token fetches per tenant per day")
    overwrite_grace: int = Field(default=0, ge=0, description="seconds an overwritten token still works")
    timezone: str = Field(default="Asia/Shanghai", description="where the daily limit's day begins")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class Tenant(Strict):
    id: str = Field(default_factory=lambda: "tenant-" + secrets.token_hex(4), min_length=1)
    name: str = ""
    #: None: the settings' daily_limit.
    daily_limit: int | None = Field(default=None, ge=0)


class App(Strict):
    app_id: str = Field(default_factory=lambda: "qjy" + secrets.token_hex(8), min_length=1)
    app_secret: str = Field(default_factory=lambda: secrets.token_hex(16), min_length=1)
    #: None when created through the admin API: a fresh tenant of its own.
    tenant: str | None = None
    name: str = ""
    frozen: bool = False
    grants: list[str] = Field(default_factory=lambda: list(DEMO_APIS))

    def shown(self) -> dict[str, Any]:
        return {"appId": self.app_id, "appSecret": self.app_secret, "tenant": self.tenant}


class TokenRecord(Strict):
    """A token's stored record: an overwrite brings `valid_until` before `expires_at`, so the
    audit tells an overwritten token from an expired one."""

    app_id: str
    issued_at: float
    expires_at: float
    valid_until: float
    overwritten: bool = False


class TenantChange(Strict, defer_build=True):
    name: str | None = None
    daily_limit: int | None = Field(default=None, ge=0)


class AppChange(Strict, defer_build=True):
    app_secret: str | None = Field(default=None, min_length=1)
    name: str | None = None
    frozen: bool | None = None
    grants: list[str] | None = None


class ITriggerConfig(ProviderConfig):
    settings: Settings = Settings()
    tenants: list[Tenant] = Field(default_factory=list)
    apps: list[App] = Field(default_factory=list)

    @model_validator(mode="after")
    def _apps_have_tenants(self) -> ITriggerConfig:
        known = {t.id for t in self.tenants} | ({t.id for t, _ in demo_set()[0]} if self.demo else set())
        for app in self.apps:
            if app.tenant not in known:
                raise ValueError(f"app {app.app_id!r} names tenant {app.tenant!r}, which is not configured")
        return self


@drawn("itrigger")
def demo_set(fake: Any) -> tuple[list[tuple[Tenant, str]], dict[str, tuple[App, str]]]:
    """The demo tenants, one with a small daily limit, and apps, each app one documented case."""
    main = Tenant(id="tenant-demo", name=fake.company())
    small = Tenant(id="tenant-small", name=fake.company(), daily_limit=3)

    def app(tenant: Tenant, **extra: Any) -> App:
        return App(
            app_id="qjy" + fake.hexify("^" * 16),
            app_secret=fake.hexify("^" * 32),
            tenant=tenant.id,
            name=fake.company_prefix() + "应用",
            **extra,
        )

    apps = {
        "demo": (app(main), "granted both demo APIs"),
        "get_only": (app(main, grants=[DEMO_GET]), "granted the GET demo API only: POST answers 403"),
        "frozen": (app(main, frozen=True), "frozen: token fetch answers 40003"),
        "limited": (app(small), "its tenant may fetch 3 tokens a day: the 4th answers 40004"),
    }
    return [(main, "the demo tenant"), (small, "a tenant with a daily limit of 3")], apps


class ITriggerModel(ProviderModel[ITriggerConfig]):
    slug = "itrigger"
    MESSAGES = errors.MESSAGES
    #: The day `_day` last worked out: (time zone, start, end, date).
    _today: tuple[str, float, float, str] | None = None

    # -- credentials -------------------------------------------------------

    def seed(self) -> None:
        tenants, apps = demo_set()
        for tenant in self.seeded(tenants, self.config.tenants):
            self._tenants.put(tenant.id, tenant)
        for app in self.seeded(apps.values(), self.config.apps):
            self._apps.put(app.app_id, app)

    def demo_entries(self) -> Iterator[tuple[str, App, str]]:
        """A config app may have replaced a demo one's secret or tenant."""
        return as_configured(demo_set()[1], self.config.apps, "app_id")

    def fresh_credentials(self) -> dict[str, Any]:
        return self.create_app(App()).shown()

    def renewal_window(self) -> RenewalWindow | None:
        """An overwritten token's `overwrite_grace`, if it has one [decided]: it works on meanwhile."""
        grace = self.config.settings.overwrite_grace
        return RenewalWindow("overwritten, still working", 0, grace, "overwrite") if grace else None

    _tenants = Records("tenant", Tenant, read_mostly=True)
    _apps = Records("app", App, read_mostly=True)
    _tokens = Records("token", TokenRecord)

    def tenants(self) -> list[dict[str, Any]]:
        day = self._day(self.clock.time())[0]
        return [
            {**tenant.model_dump(), "used_today": self.store.get(self.key("count", tenant.id, day)) or 0}
            for tenant in self._tenants.list()
        ]

    def tenant(self, tenant_id: str) -> Tenant:
        return self._tenants.get(tenant_id)

    def create_tenant(self, tenant: Tenant) -> Tenant:
        return self._tenants.create(tenant.id, tenant)

    def update_tenant(self, tenant_id: str, change: TenantChange) -> Tenant:
        """Change a tenant; a null daily_limit is the settings' one, a null name a 400."""
        return self._tenants.update(tenant_id, change)

    def apps(self) -> list[App]:
        return self._apps.list()

    def app(self, app_id: str) -> App:
        return self._apps.get(app_id)

    def create_app(self, app: App) -> App:
        """Create an app; without a tenant it gets a fresh one, made once the app exists."""
        own_tenant = Tenant(name=app.name) if app.tenant is None else None
        if own_tenant is not None:
            app.tenant = own_tenant.id
        else:
            self.tenant(str(app.tenant))
        created = self._apps.create(app.app_id, app)
        if own_tenant is not None:
            self.create_tenant(own_tenant)
        return created

    def update_app(self, app_id: str, change: AppChange) -> App:
        """Change an app; a field sent as null is left as it is."""
        return self._apps.update(app_id, change, exclude_none=True)

    def tokens(self) -> list[dict[str, Any]]:
        """Live tokens with their seconds left on the virtual clock."""
        return self.listed_tokens(self._tokens, "accessToken")

    def live_tokens(self, limit: int | None = None) -> list[dict[str, Any]]:
        tokens = self._tokens
        current = ((token, tokens.find(token)) for _, token in self.store.scan(self.key("current", "")))
        return self.newest_tokens(current, TokenRecord, "app_id", limit)

    # -- the documented rules ----------------------------------------------

    def _day(self, now: float) -> tuple[str, float]:
        """The calendar day of `now` in the limit's time zone, and when it ends.

        Worked out once a day (per time zone) rather than on every fetch.
        """
        zone = self.config.settings.timezone
        cached = self._today
        if cached is not None and cached[0] == zone and cached[1] <= now < cached[2]:
            return cached[3], cached[2]
        local = datetime.fromtimestamp(now, ZoneInfo(zone))
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        end = (start + timedelta(days=1)).replace(tzinfo=local.tzinfo)
        self._today = (zone, start.timestamp(), end.timestamp(), start.date().isoformat())
        return self._today[3], self._today[2]

    def issue_token(self, app_id: str, app_secret: str) -> str:
        """Check the credentials and the tenant's daily limit; the new token overwrites the old."""
        note(kind="fetch", credential=app_id or None)
        if not app_id or not app_secret:
            raise ProviderError(errors.EMPTY_CREDENTIALS)
        app = self._apps.find(app_id)
        if app is None or not hmac.compare_digest(app.app_secret.encode(), app_secret.encode()):
            raise ProviderError(errors.BAD_CREDENTIALS)
        if app.frozen:
            raise ProviderError(errors.APP_FROZEN)
        settings = self.config.settings
        tenant = self._tenants.find(str(app.tenant))
        limit = None if tenant is None else tenant.daily_limit
        now = self.clock.time()
        day, day_end = self._day(now)
        token = uuid.uuid4().hex
        expires_at = now + settings.token_lifetime
        record = TokenRecord(app_id=app_id, issued_at=now, expires_at=expires_at, valid_until=expires_at)
        # One group, no other fetch between: count, write the token's record, make it the app's
        # current token (kept as long as its record: the next fetch finds even an expired one),
        # and read the record of the token it replaces.
        done = self.store.run(
            Count(
                self.key("count", app.tenant, day),
                limit=settings.daily_limit if limit is None else limit,
                expires_at=day_end,
            ),
            Put(self.key("token", token), record.model_dump(), expires_at=expires_at + RETAIN),
            Swap(
                self.key("current", app_id),
                token,
                expires_at=expires_at + RETAIN,
                follow=self.key("token", ""),
            ),
        )
        if done is None:
            note(backoff=True)
            raise ProviderError(errors.TENANT_LIMIT)
        previous, replaced = done[2]
        if replaced is not None:
            self._replace(previous, TokenRecord.model_validate(replaced), now)
        note(token=token, expires=expires_at)
        return str(token)

    def _replace(self, token: str, record: TokenRecord, now: float) -> None:
        """The old token goes into the trace; unexpired, it stops working (after the grace period)."""
        if now < record.expires_at:
            note(overwrites=token)
            note_replaced(token, max(0.0, record.valid_until - now), record.expires_at - record.issued_at)
            record.valid_until = min(record.valid_until, now + self.config.settings.overwrite_grace)
            record.overwritten = True
        self.trace(self.key("token", token), record.model_dump())

    def authorize(self, token: str | None, api: str) -> App:
        """The app behind a live token, if it was granted `api`."""
        record = self._tokens.find(token) if token else None
        state = self._token_state(record, bool(token))
        holder = None if record is None else record.app_id
        note(kind="call", token=token, token_state=state, credential=holder)
        if record is None or state != "valid":
            raise ProviderError(errors.TOKEN_INVALID)
        app = self._apps.find(record.app_id)
        if app is None or api not in app.grants:
            raise ProviderError(errors.NOT_GRANTED)
        return app

    def _token_state(self, record: TokenRecord | None, given: bool) -> str:
        """Why a token works or not: the audit tells expiry from overwrite."""
        now = self.clock.time()
        if record is None:
            return "unknown" if given else "missing"
        if now >= record.expires_at:
            return "expired"
        return "valid" if now < record.valid_until else "overwritten"

    # -- failures ----------------------------------------------------------

    def http_error(self, status: int) -> ProviderError:
        """HTTP failures keep their status; a crash is the gateway's code 500 in a 200."""
        if status >= 500:
            return ProviderError(errors.SYSTEM_ERROR)
        return ProviderError(status if str(status) in self.messages else 400, http_status=status)
