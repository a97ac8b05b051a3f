"""Feishu's rules: self-built apps (an app_id and its app_secret), one live token per app, the
frequency limits, and the business call that checks a token.

The lifecycle rule [public: docs, tenant_access_token_internal and app_access_token_internal]: a
token lives at most 2 hours; a fetch while it has 30 minutes or more left answers that same token
("剩余有效期大于等于 30 分钟时，调用本接口会返回原有的 tenant_access_token"), with the seconds it
has left; with less, a new one, and both stay valid ("这会同时存在两个有效的
tenant_access_token"), the old one until its own expiry [public: "老的 token 依然有效"; the end
decided]. A self-built app's app token is its tenant token: the app token page's example answers
one value for both [public: docs].

Store layout (all under `feishu:`):
  app:<app_id>                 {"app_id", "app_secret", "name", "open_id"} (App)
  current:<app_id>             the app's newest token {"token", "expires_at"} (Token)
  token:<token>                {"app_id", "expires_at"} (Issued): what a call checks
  calls:<api>:<app_id>:<size>:<n>  an app's calls of one API in the n-th window of `size` seconds
  trace                        the newest tokens issued, for the dashboard
"""

from __future__ import annotations

import math
import re
import secrets
import string
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import Field

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
from . import errors

TENANT_TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"
APP_TOKEN_PATH = "/open-apis/auth/v3/app_access_token/internal"
BOT_INFO_PATH = "/open-apis/bot/v3/info"
#: A well-formed app_id: "cli_" and 16 hex digits, as the platform makes them [public: clients].
#: An unknown one of this form is 10014, anything else 10003 [public: clients].
APP_ID_FORM = re.compile(r"cli_[0-9a-f]{16}")
#: The letters of an app secret (32 of them, as real ones have) [public: clients].
SECRET_LETTERS = string.ascii_letters + string.digits
#: The bot's avatar in get bot info's answer [decided: the docs' example host].
AVATAR_URL = "https://s1-imfile.feishucdn.com/static-resource/v1/mock-bot-avatar"
#: The bot's activate_status: 2, "租户启用" [public: docs].
ACTIVE = 2
#: Where log ids are dated: China Standard Time [decided].
CST = timezone(timedelta(hours=8))


class Settings(Strict):
    """The [decided] knobs, and where the docs leave a choice."""

    token_lifetime: int = Field(
        default=7200, gt=0, description="seconds a token lives [public: docs 2 hours]"
    )
    renew_below: int = Field(
        default=1800,
        ge=0,
        description="seconds left below which a fetch answers a new token, the old one still "
        "valid [public: docs 30 minutes]; with more left, the same token",
    )
    per_second: int = Field(
        default=50,
        ge=0,
        description="calls of one API an app may make a second [decided: the docs' example tier "
        "1000次/分&50次/秒; the token endpoints publish none]",
    )
    per_minute: int = Field(
        default=1000, ge=0, description="calls of one API an app may make a minute [decided: as per_second]"
    )
    frequency_status: Literal[429, 400] = Field(
        default=429,
        description="the HTTP status of a frequency refusal: 429 [public: docs], or 400 as some "
        "older APIs answer [public: docs]",
    )


def _secret() -> str:
    return "".join(secrets.choice(SECRET_LETTERS) for _ in range(32))


class App(Strict):
    """A self-built app: its id and secret name it [public: docs]; its bot answers get bot info."""

    app_id: str = Field(default_factory=lambda: "cli_" + secrets.token_hex(8), min_length=1)
    app_secret: str = Field(default_factory=_secret, min_length=1)
    name: str = "应用"
    open_id: str = Field(default_factory=lambda: "ou_" + secrets.token_hex(16), min_length=1)

    def shown(self) -> dict[str, Any]:
        return {"app_id": self.app_id, "app_secret": self.app_secret, "name": self.name}


class Token(Strict):
    """An app's newest token, as `current:<app_id>` keeps it."""

    token: str
    expires_at: float


class Issued(Strict):
    """What a business call checks of a token: whose it is and until when it works."""

    app_id: str
    expires_at: float


class FeishuConfig(ProviderConfig):
    settings: Settings = Settings()
    apps: list[App] = Field(default_factory=list)


@drawn("feishu")
def demo_set(fake: Any) -> dict[str, tuple[App, str]]:
    """The demo apps: two self-built apps, each with a token of its own."""

    def app(name: str) -> App:
        return App(
            app_id="cli_" + fake.hexify("^" * 16),
            app_secret=fake.lexify("?" * 32, letters=SECRET_LETTERS),
            name=name,
            open_id="ou_" + fake.hexify("^" * 32),
        )

    return {
        "demo": (app("考勤助手"), "an app in good standing"),
        "second_app": (app("审批助手"), "another app: a token of its own"),
    }


class FeishuModel(ProviderModel[FeishuConfig]):
    slug = "feishu"
    MESSAGES = errors.MESSAGES

    _apps = Records("app", App, "app", read_mostly=True)
    _current = Records("current", Token)
    _issued = Records("token", Issued)

    def seed(self) -> None:
        for app in self.seeded(demo_set().values(), self.config.apps):
            self._apps.put(app.app_id, app)

    def demo_entries(self) -> Iterator[tuple[str, App, str]]:
        return as_configured(demo_set(), self.config.apps, "app_id")

    def fresh_credentials(self) -> dict[str, Any]:
        return self.create_app(App()).shown()

    def renewal_window(self) -> RenewalWindow:
        """The last `renew_below` seconds of a token, where a fetch answers a new one [public: docs]."""
        below = self.config.settings.renew_below
        return RenewalWindow(f"renewal: a fetch in the last {below // 60} min gets a new token", -below, 0)

    def token(self, body: Any, api: str) -> dict[str, Any]:
        """The app's live token while it has `renew_below` seconds or more left, else a new one;
        `token` and `expire`, the seconds it has left. `api` names the endpoint, whose calls
        count against its own limits."""
        app_id = body.get("app_id") if isinstance(body, dict) else None
        note(kind="fetch", credential=app_id if isinstance(app_id, str) and app_id else None)
        app = self._checked_app(body)
        self._count_call(app.app_id, api)
        now = self.clock.time()
        settings = self.config.settings
        fresh = Token(token="t-" + secrets.token_hex(20), expires_at=now + settings.token_lifetime)

        def keep_or_issue(held: Token | None) -> Token:
            lives = held is not None and now < held.expires_at
            return (
                held
                if held is not None and lives and held.expires_at - now >= settings.renew_below
                else fresh
            )

        held, live = self._current.swap(app.app_id, keep_or_issue, expires_at=fresh.expires_at)
        if held is not None and live.token == held.token:  # the audit: a fetch that changed nothing
            note_replaced(live.token, live.expires_at - now, settings.token_lifetime)
        if live.token == fresh.token:
            self._issued.put(
                live.token,
                Issued(app_id=app.app_id, expires_at=live.expires_at),
                expires_at=live.expires_at + RETAIN,
            )
            self.trace(self.key("token", live.token), {"app_id": app.app_id, "expires_at": live.expires_at})
            if held is not None and now < held.expires_at:  # renewed: the held one lives on
                note(renews=held.token)
        note(token=live.token, expires=live.expires_at)
        return {"token": live.token, "expire": int(live.expires_at - now)}

    def _checked_app(self, body: Any) -> App:
        """The app the body names with its secret; else 10003 for a missing or malformed field
        (and an app_id not of the platform's form), 10014 for an unknown app or a wrong secret."""
        fields = body if isinstance(body, dict) else {}
        app_id, app_secret = fields.get("app_id"), fields.get("app_secret")
        if not (isinstance(app_id, str) and app_id and isinstance(app_secret, str) and app_secret):
            raise ProviderError(errors.INVALID_PARAM)
        app = self._apps.find(app_id)
        if app is None:
            raise ProviderError(
                errors.APP_NOT_FOUND if APP_ID_FORM.fullmatch(app_id) else errors.INVALID_PARAM
            )
        if not secrets.compare_digest(app.app_secret.encode(), app_secret.encode()):
            raise ProviderError(errors.SECRET_INVALID)
        return app

    def _count_call(self, app_id: str, api: str) -> None:
        """An app's call of one API, against its second's and its minute's allowance ("每个
        API、每个应用、每个租户"; either limit reached refuses [public: docs]): past either,
        99991400 with the window's limit and the seconds until it ends."""
        settings = self.config.settings
        over = self.over_limit((api, app_id), ((1, settings.per_second), (60, settings.per_minute)))
        if over is not None:
            note(backoff=True)
            raise ProviderError(
                errors.FREQUENCY,
                http_status=settings.frequency_status,
                headers={
                    "x-ogw-ratelimit-limit": str(over.limit),
                    "x-ogw-ratelimit-reset": str(math.ceil(over.left)),
                },
            )

    def check(self, authorization: str | None) -> Issued:
        """The token's record, if a business call may be made with it. The gateway reads
        `Authorization: Bearer <token>`: without one (or without "Bearer ") 99991661; what looks
        like a user token ("u-", or a JWT's "eyJ") 99991668; a tenant token unknown or past its
        expiry 99991663 [public: a probe, clients]."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            note(kind="call", token_state="missing")
            raise errors.gateway(errors.TOKEN_MISSING)
        issued = self._issued.find(token)
        if issued is None:
            note(kind="call", token=token, token_state="unknown")
            user = token.startswith(("u-", "eyJ"))
            raise errors.gateway(errors.USER_TOKEN_INVALID if user else errors.TOKEN_INVALID)
        expired = self.clock.time() >= issued.expires_at
        note(
            kind="call", token=token, token_state="expired" if expired else "valid", credential=issued.app_id
        )
        if expired:
            raise errors.gateway(errors.TOKEN_INVALID)
        return issued

    def bot_info(self, authorization: str | None) -> dict[str, Any]:
        """The app's bot, for a live token of the app [public: docs, get bot info]."""
        issued = self.check(authorization)
        self._count_call(issued.app_id, "bot_info")
        app = self._apps.find(issued.app_id)
        if app is None:  # its app was dropped since: the token is nobody's
            raise errors.gateway(errors.TOKEN_INVALID)
        return {
            "activate_status": ACTIVE,
            "app_name": app.name,
            "avatar_url": AVATAR_URL,
            "ip_white_list": [],
            "open_id": app.open_id,
        }

    def log_id(self) -> str:
        """A gateway error's log id: the time (China Standard Time) and 20 hex digits [public: clients]."""
        stamp = datetime.fromtimestamp(self.clock.time(), CST).strftime("%Y%m%d%H%M%S")
        return stamp + secrets.token_hex(10).upper()

    def http_error(self, status: int) -> ProviderError:
        """HTTP failures keep their status, the code its number [decided]; a crash or a store
        outage is the platform's 1500, internal error, in an HTTP 200 [decided status]."""
        if status >= 500:
            return ProviderError(errors.INTERNAL_ERROR)
        return ProviderError(status if str(status) in self.messages else 400, http_status=status)

    # -- the admin API ---------------------------------------------------------------------

    def apps(self) -> list[App]:
        return [app for _, app in self._apps.items()]

    def create_app(self, app: App) -> App:
        self._apps.put(app.app_id, app)
        return app

    def tokens(self) -> list[dict[str, Any]]:
        """The live tokens (an app has two while the old one outlives its renewal), with their
        seconds left on the virtual clock."""
        now = self.clock.time()
        return [
            {"token": token, **issued.model_dump(), "expire": int(issued.expires_at - now)}
            for token, issued in self._issued.items()
            if now < issued.expires_at
        ]

    def live_tokens(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The newest issued: every token goes into the trace as it is issued."""
        now = self.clock.time()
        listed = []
        for key, traced in self.traced(limit):
            if now < traced["expires_at"]:
                listed.append(
                    {
                        "token": key.rpartition(":")[2],
                        "credential": traced["app_id"],
                        "seconds_left": traced["expires_at"] - now,
                        "valid": True,
                    }
                )
        return listed
