"""DingTalk's rules: apps (an appkey and its secret, of a corp), one token per app, its renewal,
the per-app and per-corp quotas, and a business call on each API generation.

The lifecycle rule [public: docs, the same sentence on the legacy and the new page]:
"access_token的有效期为7200秒（2小时），有效期内重复获取会返回相同结果并自动续期，过期后获取会返回
新的access_token". A fetch while the token lives answers that token renewed: its expiry moves to
a full lifetime from the fetch, and `expires_in` says 7200 ("相同结果") [decided: the docs do not
say which number comes back]; `settings.renew_on_fetch = false` answers it unchanged, with its
seconds left. Whether the two endpoints share one token is not said anywhere: by default they do
(one token per app, renewed by either) [decided; a new-API token is seen working on the legacy
host, public: clients]; `settings.shared_token = false` gives each endpoint a token of its own,
both accepted by both APIs.

Store layout (all under `dingtalk:`):
  app:<appkey>                {"appkey", "appsecret", "corp_id", "agent_id", "app_id", "name"} (App)
  current:<appkey>:<kind>     the app's live token or jsapi ticket {"token", "expires_at"} (Live);
                              kind is `token` (shared), `token-oapi`/`token-api`, or `ticket`
  token:<token>               {"appkey", "corp_id", "expires_at"} (Issued): what a call checks
  calls:<api>:<appkey>:<size>:<n>  an app's calls of one API in the n-th window of `size` seconds
  month:<corp_id>:<yyyymm>    the corp's business calls in a month (Beijing time)
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from flask import has_request_context, request
from pydantic import Field

from ...core.audit import note, note_replaced
from ...core.demo import drawn
from ...core.errors import ProviderError
from ...core.provider import RETAIN, ProviderConfig, ProviderModel, Records, Strict, as_configured
from ...core.routing import under
from . import errors
from .errors import Generation

TOKEN_PATH = "/gettoken"
TICKET_PATH = "/get_jsapi_ticket"
NEW_PREFIX = "/v1.0"
ACCESS_TOKEN_PATH = "/v1.0/oauth2/accessToken"
INNER_APPS_PATH = "/v1.0/microApp/allInnerApps"
#: The time zone of the platform's dates (the limits' ends, the month of the quota).
BEIJING = timezone(timedelta(hours=8))
#: The characters of an app's key and secret [public: the docs' examples, clients].
KEY_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"
SECRET_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

CredentialText = Literal[
    "不合法的corpId或corpSecret",
    "不合法的corpid或corpsecret",
    "不合法的corpid或corpsecret或者不合法的appkey或appsecret",
]


class Settings(Strict):
    """The [decided] knobs, and where the sources disagree."""

    token_lifetime: int = Field(default=7200, gt=0, description="seconds a token lives [public: docs 7200]")
    renew_on_fetch: bool = Field(
        default=True,
        description="a fetch within validity renews the token to a full lifetime and says 7200 "
        "[public: docs '自动续期'; decided: the number]; false: the same token, its seconds left",
    )
    shared_token: bool = Field(
        default=True,
        description="gettoken and oauth2/accessToken answer one token per app [decided]; false: "
        "a token of each endpoint's own, both working on both APIs",
    )
    expired_errcode: Literal[40014, 42001] = Field(
        default=40014,
        description="the legacy API's code for an expired token: 40014 as clients see it "
        "[public: clients], or 42001 access_token超时 as the old code table has it [public: old docs]",
    )
    credential_errmsg: CredentialText = Field(
        default="不合法的corpId或corpSecret",
        description="40089's text: a 2023 capture's (default), the old code table's, or clients' "
        "longer one [public: each]",
    )
    api_per_second: int = Field(
        default=20,
        ge=0,
        description="calls of one API an app may make a second (90018, QpsLimitForAppkeyAndApi) "
        "[public: clients: 20 on the standard edition, 40 on others]",
    )
    api_per_minute: int = Field(
        default=1500,
        ge=0,
        description="calls of one API an app may make a minute (90006, QpsLimitForAppkeyAndApi) "
        "[public: clients]",
    )
    calls_per_month: int = Field(
        default=10_000,
        ge=0,
        description="business calls a corp may make a calendar month, Beijing time (90020, "
        "ApiCountLimitForOrg) [public: DingTalk's help page, its example quota]; 0: no quota",
    )


class App(Strict):
    """An internal app of a corp: its key and secret fetch its token [public: docs]."""

    appkey: str = Field(default_factory=lambda: "ding" + secrets.token_hex(8), min_length=1)
    appsecret: str = Field(default_factory=lambda: secrets.token_urlsafe(48)[:64], min_length=1)
    corp_id: str = Field(default_factory=lambda: "ding" + secrets.token_hex(16), min_length=1)
    agent_id: int = Field(default_factory=lambda: 3_000_000_000 + secrets.randbelow(10**9), gt=0)
    app_id: int = Field(default_factory=lambda: 100_000 + secrets.randbelow(900_000), gt=0)
    name: str = "应用"

    def shown(self) -> dict[str, Any]:
        return {
            "appkey": self.appkey,
            "appsecret": self.appsecret,
            "corp_id": self.corp_id,
            "name": self.name,
        }

    def listed(self) -> dict[str, Any]:
        """The app as allInnerApps lists it [public: docs, its example's fields]."""
        return {
            "agentId": self.agent_id,
            "name": self.name,
            "desc": f"{self.name}应用",
            "icon": f"https://static.dingtalk.com/media/{self.appkey}.png",
            "homepageLink": f"https://{self.appkey}.example.com/",
            "pcHomepageLink": f"https://{self.appkey}.example.com/pc",
            "ompLink": f"https://{self.appkey}.example.com/admin",
            "appId": self.app_id,
            "appStatus": 1,
            "developType": 0,
        }


class Live(Strict):
    """An app's live token (or jsapi ticket), as `current:<appkey>:<kind>` keeps it."""

    token: str
    expires_at: float


class Issued(Strict):
    """What a business call checks of a token: whose it is and until when it works."""

    appkey: str
    corp_id: str
    expires_at: float


class DingTalkConfig(ProviderConfig):
    settings: Settings = Settings()
    apps: list[App] = Field(default_factory=list)


@drawn("dingtalk")
def demo_set(fake: Any) -> dict[str, tuple[App, str]]:
    """The demo apps: two apps of one corp, each with a token of its own ("每个应用的access_token是
    彼此独立的")."""
    corp_id = "ding" + fake.hexify("^" * 32)

    def app(name: str, agent_id: int, app_id: int) -> App:
        return App(
            appkey="ding" + fake.lexify("?" * 16, letters=KEY_LETTERS),
            appsecret=fake.lexify("?" * 64, letters=SECRET_LETTERS),
            corp_id=corp_id,
            agent_id=agent_id,
            app_id=app_id,
            name=name,
        )

    return {
        "demo": (app("考勤", 3_180_000_001, 180_001), "an app in good standing"),
        "second_app": (
            app("审批", 3_180_000_002, 180_002),
            "another app of the same corp: a token of its own",
        ),
    }


class DingTalkModel(ProviderModel[DingTalkConfig]):
    slug = "dingtalk"
    MESSAGES = errors.MESSAGES

    _apps = Records("app", App, "app", read_mostly=True)
    _current = Records("current", Live)
    _issued = Records("token", Issued)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # 40089's text is a setting, since its sources disagree; `messages` may still replace it
        configured = self.config.messages.get(str(errors.INVALID_CREDENTIALS))
        self.messages[str(errors.INVALID_CREDENTIALS)] = configured or self.config.settings.credential_errmsg

    def seed(self) -> None:
        for app in self.seeded(demo_set().values(), self.config.apps):
            self._apps.put(app.appkey, app)

    def demo_entries(self) -> Iterator[tuple[str, App, str]]:
        return as_configured(demo_set(), self.config.apps, "appkey")

    def fresh_credentials(self) -> dict[str, Any]:
        app = App()
        self._apps.put(app.appkey, app)
        return app.shown()

    # -- tokens ----------------------------------------------------------------------------

    def token(self, appkey: Any, appsecret: Any, generation: Generation) -> tuple[str, int]:
        """The app's token and its seconds, on either endpoint: the live one renewed (or as it is,
        without renewal), else a new one."""
        note(kind="fetch", credential=appkey if isinstance(appkey, str) and appkey else None)
        app = self._checked_app(appkey, appsecret, generation)
        self._count_call(app.appkey, "oauth2/accessToken" if generation.new else "gettoken", generation)
        kind = "token" if self.config.settings.shared_token else f"token-{generation.name}"
        value, expires_at, held = self._live(app.appkey, kind)
        now = self.clock.time()
        self._issued.swap(
            value,
            lambda found: Issued(
                appkey=app.appkey,
                corp_id=app.corp_id,
                expires_at=max(expires_at, found.expires_at if found is not None else 0),
            ),
            expires_at=expires_at + RETAIN,
        )
        if held is not None and held.token == value:  # the audit: a fetch while it lived
            note_replaced(value, held.expires_at - now, self.config.settings.token_lifetime)
        note(token=value, expires=expires_at)
        return value, math.ceil(expires_at - now)

    def _live(self, appkey: str, kind: str) -> tuple[str, float, Live | None]:
        """The app's live token (or ticket) of `kind`, renewed, or a new one once it has expired:
        (its value, its expiry, what was held before)."""
        now = self.clock.time()
        settings = self.config.settings
        renewed_until = now + settings.token_lifetime
        fresh = secrets.token_hex(16) if kind != "ticket" else secrets.token_urlsafe(64)

        def keep_or_issue(held: Live | None) -> Live:
            if held is None or now >= held.expires_at:
                return Live(token=fresh, expires_at=renewed_until)
            if settings.renew_on_fetch:
                return Live(token=held.token, expires_at=max(held.expires_at, renewed_until))
            return held

        held, live = self._current.swap(f"{appkey}:{kind}", keep_or_issue, expires_at=renewed_until)
        return live.token, live.expires_at, held

    def _checked_app(self, appkey: Any, appsecret: Any, generation: Generation) -> App:
        """The app the key and secret name, else the generation's refusal: legacy, a missing key
        41002 then a missing secret 41004 [decided: the order], anything else 40089 [public]; new,
        MissingappKey / MissingappSecret [decided] and invalidClientIdOrSecret [public: docs]."""
        for value, code in ((appkey, generation.key_missing), (appsecret, generation.secret_missing)):
            if value is None or value == "":
                raise errors.refusal(code)
        wrong = errors.refusal(generation.bad_credentials)
        if not isinstance(appkey, str) or not isinstance(appsecret, str):
            raise wrong
        app = self._apps.find(appkey)
        if app is None or not secrets.compare_digest(app.appsecret.encode(), appsecret.encode()):
            raise wrong
        return app

    # -- quotas ----------------------------------------------------------------------------

    def _count_call(self, appkey: str, api: str, generation: Generation) -> None:
        """An app's call of one API, against its second's and its minute's allowance: past either,
        refused until that window ends [decided: how long a refusal lasts is not documented]."""
        settings = self.config.settings
        over = self.over_limit((api, appkey), ((1, settings.api_per_second), (60, settings.api_per_minute)))
        if over is not None:
            note(backoff=True)
            code = generation.per_second if over.seconds == 1 else generation.per_minute
            until = datetime.fromtimestamp(over.ends, BEIJING).strftime("%Y-%m-%d %H:%M:%S")
            raise errors.refusal(code, self.message(code).format(until=until) if generation.new else None)

    def _count_month(self, corp_id: str, generation: Generation) -> None:
        """A corp's business call against its month's quota [public: DingTalk's help page]: each
        call past it is refused, with the month's count and the quota."""
        quota = self.config.settings.calls_per_month
        if not quota:
            return
        today = datetime.fromtimestamp(self.clock.time(), BEIJING)
        next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        month_end = next_month.replace(hour=0, minute=0, second=0, microsecond=0)
        used = self.store.incr(
            self.key("month", corp_id, today.strftime("%Y%m")), expires_at=month_end.timestamp()
        )
        if used is not None and used > quota:
            note(backoff=True)
            raise errors.refusal(
                generation.per_month, self.message(generation.per_month).format(used=used, quota=quota)
            )

    # -- business calls --------------------------------------------------------------------

    def check(self, token: str | None, generation: Generation) -> Issued:
        """The token's record, if a business call may be made with it: missing, unknown or past
        its expiry is the generation's refusal (an expired token is 40014 too, as clients see it,
        unless `settings.expired_errcode` is 42001) [public: clients]."""
        if not token:
            note(kind="call", token_state="missing")
            raise errors.refusal(generation.token_missing)
        issued = self._issued.find(token)
        if issued is None:
            note(kind="call", token=token, token_state="unknown")
            raise errors.refusal(generation.invalid_token)
        left = issued.expires_at - self.clock.time()
        state = "valid" if left > 0 else "expired"
        note(kind="call", token=token, token_state=state, credential=issued.appkey, token_left=left)
        if left <= 0:
            expired = generation.invalid_token if generation.new else self.config.settings.expired_errcode
            raise errors.refusal(expired)
        return issued

    def jsapi_ticket(self, token: str | None) -> tuple[str, int]:
        """The app's jsapi ticket, kept and renewed like its token [decided: the old docs give its
        7200 s and no renewal rule]."""
        issued = self.check(token, errors.LEGACY)
        self._count_call(issued.appkey, "get_jsapi_ticket", errors.LEGACY)
        self._count_month(issued.corp_id, errors.LEGACY)
        value, expires_at, _ = self._live(issued.appkey, "ticket")
        return value, math.ceil(expires_at - self.clock.time())

    def inner_apps(self, token: str | None) -> list[dict[str, Any]]:
        """The corp's internal apps [public: docs, allInnerApps]."""
        issued = self.check(token, errors.NEW)
        self._count_call(issued.appkey, "microApp/allInnerApps", errors.NEW)
        self._count_month(issued.corp_id, errors.NEW)
        return [app.listed() for _, app in self._apps.items() if app.corp_id == issued.corp_id]

    def http_error(self, status: int) -> ProviderError:
        """HTTP failures on the new API keep their status with a gateway code, a crash there is
        systemBusy 500 [public: docs]; on the legacy API a crash is -1 in an HTTP 200 [public:
        docs], the others keep their status [decided]. (A known method a path does not take is
        answered by the routes: 43001, or the gateway's 404.)"""
        if has_request_context() and under(request.path, NEW_PREFIX):
            return errors.refusal(
                errors.BUSY if status >= 500 else errors.BY_STATUS.get(status, errors.BAD_REQUEST)
            )
        if status >= 500:
            return errors.refusal(errors.SYSTEM_BUSY)
        return ProviderError(status if str(status) in self.messages else 400, http_status=status)

    # -- the admin API ---------------------------------------------------------------------

    def apps(self) -> list[App]:
        return [app for _, app in self._apps.items()]

    def create_app(self, app: App) -> App:
        self._apps.create(app.appkey, app)
        return app

    def tokens(self) -> list[dict[str, Any]]:
        """The apps' live tokens, with their seconds left on the virtual clock."""
        now = self.clock.time()
        return [
            {"access_token": token, **issued.model_dump(), "expires_in": math.ceil(issued.expires_at - now)}
            for token, issued in self._issued.items()
            if now < issued.expires_at
        ]

    def live_tokens(self, limit: int | None = None) -> list[dict[str, Any]]:
        return [
            entry
            for entry in self.current_tokens(self._current, "token", limit)
            if not entry["credential"].endswith(":ticket")
        ]
