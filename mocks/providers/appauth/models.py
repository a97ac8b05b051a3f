"""The appauth platform's rules: apps, the one live token per app, the fetch-rate limit.

Store layout (all under `appauth:`):
  app:<appId>              {"app_id", "app_secret", "name", "rate_limit", "token_lifetime"}
  current:<appId>          the app's live token {"accessToken", "issued_at", "expires_at"} (CurrentToken)
  token:<token>            {"app_id", "issued_at", "expires_at"} (TokenRecord)
  count:<appId>            fetches in the app's current rate window ("first_fetch" windows)
  count:<appId>:<n>        fetches in the n-th window since the epoch ("aligned" windows)

  trace:...                the ring of expired tokens' records (see ProviderModel.trace)

A rate window's counter disappears when the window closes. A token's record outlives it
by RETAIN, so the audit tells a late call from a forged one; `current` is kept as long,
so the fetch that issues the app's next token finds the expired one and moves its record
into a ring of the last `token_trace` expired tokens: churn stays bounded.
"""

from __future__ import annotations

import hmac
import math
import secrets
import string
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ...core.audit import note, note_replaced
from ...core.demo import drawn
from ...core.errors import ProviderError
from ...core.provider import RETAIN, ProviderConfig, ProviderModel, Records, Strict, as_configured
from . import errors

TOKEN_PATH = "/auth/getAccessToken"
HELLO_PATH = "/auth/hello"

#: expireTime is written in China Standard Time [PROVIDERS: RFC 3339, +08:00].
CST = timezone(timedelta(hours=8))
#: The placeholders a greeting may use.
GREETING_FIELDS = ("name", "appId")
#: A year: the longest token lifetime a setting may ask for.
MAX_LIFETIME = 366 * 86_400


class Settings(Strict):
    """The [decided] knobs."""

    token_lifetime: int = Field(
        default=7200, gt=0, le=MAX_LIFETIME, description="seconds a token lives [decided]"
    )
    rate_limit: int = Field(default=20, ge=0, description="token fetches per app per window [decided]")
    rate_window: int = Field(default=60, gt=0, description="seconds of a rate window [decided]")
    rate_window_start: Literal["first_fetch", "aligned"] = Field(
        default="first_fetch",
        description=(
            "first_fetch: a window opens at the app's first counted fetch and lasts rate_window "
            "seconds; aligned: windows are fixed slots of rate_window seconds since the epoch"
        ),
    )
    greeting: str = Field(
        default="你好，{name}！",  # noqa: RUF001, RUF100 (Chinese punctuation)
        description="/auth/hello's result; {name} is the app's name (its appId if it has none)",
    )

    @field_validator("greeting")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        try:
            parts = list(string.Formatter().parse(value))
        except ValueError as exc:
            raise ValueError(f"not a greeting template ({exc}); write {{{{ and }}}} for braces") from exc
        for _, field, spec, conversion in parts:
            if field is None:
                continue
            if field not in GREETING_FIELDS:
                raise ValueError(f"placeholder {{{field}}} is not one of {{name}}, {{appId}}")
            if spec or conversion:
                raise ValueError(f"write the placeholder plainly as {{{field}}}, without ! or :")
        return value


class App(Strict):
    app_id: str = Field(default_factory=lambda: "app" + secrets.token_hex(8), min_length=1)
    app_secret: str = Field(default_factory=lambda: secrets.token_hex(16), min_length=1)
    name: str = ""
    #: None: the settings' rate_limit.
    rate_limit: int | None = Field(default=None, ge=0)
    #: None: the settings' token_lifetime.
    token_lifetime: int | None = Field(default=None, gt=0, le=MAX_LIFETIME)

    def shown(self) -> dict[str, Any]:
        return {"appId": self.app_id, "appSecret": self.app_secret, "name": self.name}


class TokenRecord(Strict):
    """A token's record, under `token:<token>` and, once expired, in the trace."""

    app_id: str
    issued_at: float
    #: A whole second, so expireTime shows it exactly.
    expires_at: int


class CurrentToken(Strict):
    """An app's live token, under `current:<appId>`; named as the answer names it."""

    accessToken: str
    issued_at: float
    expires_at: int


class AppChange(Strict, defer_build=True):
    app_secret: str | None = Field(default=None, min_length=1)
    name: str | None = None
    rate_limit: int | None = Field(default=None, ge=0)
    token_lifetime: int | None = Field(default=None, gt=0, le=MAX_LIFETIME)

    @field_validator("app_secret", "name")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("give a string, or leave the field out to keep it")
        return value


class AppAuthConfig(ProviderConfig):
    settings: Settings = Settings()
    apps: list[App] = Field(default_factory=list)

    @field_validator("messages")
    @classmethod
    def _known_codes(cls, value: dict[str, str]) -> dict[str, str]:
        known = [str(code) for code in errors.MESSAGES]
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError(f"unknown message key(s) {', '.join(unknown)}; known: {', '.join(known)}")
        return value

    @model_validator(mode="after")
    def _unique_apps(self) -> AppAuthConfig:
        seen: set[str] = set()
        for app in self.apps:
            if app.app_id in seen:
                raise ValueError(f"app {app.app_id!r} is configured twice")
            seen.add(app.app_id)
        return self


@drawn("appauth")
def demo_set(fake: Any) -> dict[str, tuple[App, str]]:
    """The demo apps: each shows one documented case."""

    def app(**extra: Any) -> App:
        return App(
            app_id="app" + fake.hexify("^" * 16),
            app_secret=fake.hexify("^" * 32),
            name=fake.company_prefix() + "应用",
            **extra,
        )

    return {
        "demo": (app(), "default limits: 20 fetches a minute, tokens live 7200 s"),
        "limited": (app(rate_limit=3), "3 fetches a minute: the 4th within the minute answers 429"),
        "expiring": (app(token_lifetime=60), "tokens live 60 s: a fetch after that gets a new one"),
    }


def expire_time(instant: float) -> str:
    """An instant as the answer's expireTime: RFC 3339 in +08:00, whole seconds."""
    return datetime.fromtimestamp(instant, CST).isoformat(timespec="seconds")


def expires_in(expires_at: float, now: float) -> int:
    """Whole seconds left, rounded up: 1 or more while the token is valid."""
    return max(0, math.ceil(expires_at - now))


class AppAuthModel(ProviderModel[AppAuthConfig]):
    slug = "appauth"
    MESSAGES = errors.MESSAGES

    # -- credentials -------------------------------------------------------

    def seed(self) -> None:
        for app in self.seeded(demo_set().values(), self.config.apps):
            self._apps.put(app.app_id, app)

    def demo_entries(self) -> Iterator[tuple[str, App, str]]:
        """A config app may have replaced a demo one's secret or limits."""
        return as_configured(demo_set(), self.config.apps, "app_id")

    def fresh_credentials(self) -> dict[str, Any]:
        """A new app with the default limits, sharing no token or rate counter with any other."""
        app = self.create_app(App())
        return {"appId": app.app_id, "appSecret": app.app_secret}

    _apps = Records("app", App, read_mostly=True)
    _tokens = Records("token", TokenRecord)
    _current = Records("current", CurrentToken)

    def _with_usage(self, app: App, now: float) -> dict[str, Any]:
        """An app and the fetches counted in its current rate window."""
        return {
            **app.model_dump(),
            "fetches_in_window": self.store.get(self._window(app.app_id, now)[0]) or 0,
        }

    def apps(self) -> list[dict[str, Any]]:
        """Apps with their fetches counted in the current rate window."""
        now = self.clock.time()
        return [self._with_usage(app, now) for app in self._apps.list()]

    def app_usage(self, app_id: str) -> dict[str, Any]:
        """One app with the fetches counted in its current rate window."""
        return self._with_usage(self.app(app_id), self.clock.time())

    def app(self, app_id: str) -> App:
        return self._apps.get(app_id)

    def create_app(self, app: App) -> App:
        return self._apps.create(app.app_id, app)

    def update_app(self, app_id: str, change: AppChange) -> App:
        """Change an app; its live token keeps working until it expires."""
        return self._apps.update(app_id, change)  # null: back to the default

    def tokens(self) -> list[dict[str, Any]]:
        """Live tokens with their expireTime and expiresIn on the virtual clock."""
        now = self.clock.time()
        return [
            {
                "accessToken": token,
                **record.model_dump(),
                "expireTime": expire_time(record.expires_at),
                "expiresIn": expires_in(record.expires_at, now),
            }
            for token, record in self._tokens.items()
            if now < record.expires_at
        ]

    def live_tokens(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Each app's live token: a token is replaced only once expired, so the trace holds none."""
        return self.current_tokens(self._current, "accessToken", limit)

    # -- the documented rules ----------------------------------------------

    def _window(self, app_id: str, now: float) -> tuple[str, float]:
        """The counter of the rate window `now` falls in, and when that window closes.

        A "first_fetch" counter takes its closing time from the fetch that creates it.
        """
        settings = self.config.settings
        if settings.rate_window_start == "aligned":
            slot = math.floor(now / settings.rate_window)
            return self.key("count", app_id, slot), (slot + 1) * settings.rate_window
        return self.key("count", app_id), now + settings.rate_window

    def _authenticate(self, app_id: str, app_secret: str) -> App:
        if not app_id or not app_secret:
            raise ProviderError(errors.CREDENTIALS_MISSING)
        app = self._apps.find(app_id)
        if app is None or not hmac.compare_digest(app.app_secret.encode(), app_secret.encode()):
            raise ProviderError(errors.CREDENTIALS_WRONG)
        return app

    def fetch_token(self, app_id: str, app_secret: str) -> dict[str, Any]:
        """The app's live token, or a new one once it has expired.

        Only fetches with good credentials count toward the app's rate limit, and a refused
        fetch (429) does not count either: the counter stops at the limit.
        """
        note(kind="fetch", credential=app_id or None)
        app = self._authenticate(app_id, app_secret)
        settings = self.config.settings
        now = self.clock.time()
        counter, closes = self._window(app_id, now)
        limit = settings.rate_limit if app.rate_limit is None else app.rate_limit
        if self.store.incr(counter, limit=limit, expires_at=closes) is None:
            note(backoff=True)
            raise ProviderError(errors.RATE_LIMITED)

        lifetime = settings.token_lifetime if app.token_lifetime is None else app.token_lifetime
        # The expiry is a whole second, so expireTime shows it exactly.
        expires_at = math.floor(now) + lifetime
        issued: list[CurrentToken] = []  # the token this fetch wrote, once it needed one

        def keep_or_issue(held: CurrentToken | None) -> CurrentToken:
            """The live token stays (returned as it is, nothing is written); an expired one is replaced."""
            if held is not None and now < held.expires_at:
                return held
            if not issued:  # a retry offers the token it already wrote
                issued.append(self._issue(app_id, now, expires_at))
            return issued[0]

        held, live = self._current.swap(app_id, keep_or_issue, expires_at=expires_at + RETAIN)
        if issued and live != issued[0]:  # another fetch issued one first: use it
            self._tokens.delete(issued[0].accessToken)
        if live == held:
            note_replaced(live.accessToken, live.expires_at - now, live.expires_at - live.issued_at)
        elif held is not None:
            self._retire(held.accessToken)
        note(token=live.accessToken, expires=live.expires_at)
        return {
            "accessToken": live.accessToken,
            "expireTime": expire_time(live.expires_at),
            "expiresIn": expires_in(live.expires_at, now),
        }

    def _issue(self, app_id: str, now: float, expires_at: int) -> CurrentToken:
        """A new token for `app_id`, as `current` holds it; its record is written first, so the
        token works before anyone can read it from `current`."""
        token = secrets.token_hex(16)
        record = TokenRecord(app_id=app_id, issued_at=now, expires_at=expires_at)
        self._tokens.put(token, record, expires_at=expires_at + RETAIN)
        return CurrentToken(accessToken=token, issued_at=now, expires_at=expires_at)

    def _retire(self, token: str) -> None:
        """An expired token's record goes into the trace, which keeps the last `token_trace`."""
        record = self._tokens.find(token)
        if record is not None:
            self.trace(self.key("token", token), record.model_dump())

    def hello(self, token: str | None) -> str:
        """The greeting for a live token's app."""
        record = self._tokens.find(token) if token else None
        expired = record is not None and self.clock.time() >= record.expires_at
        state = "missing" if not token else "unknown" if record is None else "expired" if expired else "valid"
        note(kind="call", token=token, token_state=state, credential=record.app_id if record else None)
        if state != "valid" or record is None:
            raise ProviderError(errors.TOKEN_INVALID)
        app_id = record.app_id
        app = self._apps.find(app_id)
        return self.config.settings.greeting.format(name=(app.name if app else "") or app_id, appId=app_id)

    # -- failures ----------------------------------------------------------

    def http_error(self, status: int) -> ProviderError:
        """HTTP failures keep their status; a crash is code 500 in an HTTP 200."""
        if status >= 500:
            return ProviderError(errors.SYSTEM_ERROR)
        return ProviderError(status if str(status) in self.messages else 400, http_status=status)
