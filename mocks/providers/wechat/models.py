"""WeChat's rules: accounts (an AppID and its AppSecret), the access token and the stable one,
their quotas, and a business call.

The access token's lifecycle [public: docs]: every `cgi-bin/token` fetch issues a new token
and replaces the account's previous one ("重复获取将导致上次获取的access_token失效"), which
keeps working for 5 minutes more ("公众平台后台会保证在5分钟内，新老access_token都可用"), then
answers 40001 [public: community answers]. The stable token (`cgi-bin/stable_token`) is another
one, "与 getAccessToken 获取的调用凭证完全隔离，互不影响": in normal mode a call while it lives
answers it again with the seconds it has left, and a call in its last 5 minutes a new one
(the old one working on to its own end); `force_refresh` replaces it, at most 20 times a day
and 30 s apart ("否则不会刷新": a forced call sooner answers the live token). A forced refresh
leaves the replaced token its 5 minutes too [decided: the platform's overlap, which the page of
the forced mode does not mention]; the 21st in a day answers 45009 [decided: no page names a code].

Quotas count an account's successful calls of an API per day, Beijing time [decided], and per
minute: past the minute's, 45011 until the next minute; past the day's, 45009 until the next
day or a `clear_quota` [public: docs]. `clear_quota` (by a token) and `clear_quota/v2` (by the
AppSecret) clear the account's daily counts, 10 times a month [public: docs].

Store layout (all under `wechat:`):
  app:<appid>                   App
  current:<appid>               the account's newest cgi-bin/token token
  stable:<appid>                its stable token {"token", "expires_at"} (StableToken)
  token:<token>                 Issued: whose, until when it works; a replaced token's record is
                                kept in the trace ring (see ProviderModel.trace)
  calls:<appid>:<api>:<day>     an API's calls on the day-th day (Beijing time)
  calls:<appid>:<api>:60:<n>    its calls in the n-th minute
  forced:<appid>:<day>          forced refreshes of the stable token that day
  force-gate:<appid>            present for 30 s after a forced refresh
  clears:<appid>:<month>        quota clears in a month ("2026-03")
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from itertools import chain
from typing import Any, Literal

from pydantic import Field

from ...core.addresses import Allowlist, client_ips, ip_allowed
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

TOKEN_PATH = "/cgi-bin/token"
STABLE_PATH = "/cgi-bin/stable_token"
QUOTA_PATH = "/cgi-bin/openapi/quota/get"
CLEAR_PATH = "/cgi-bin/clear_quota"
CLEAR_V2_PATH = "/cgi-bin/clear_quota/v2"
DOMAIN_IP_PATH = "/cgi-bin/get_api_domain_ip"
#: The APIs whose calls the quotas count, by the path the quota's get names: their names.
QUOTAS = {TOKEN_PATH: "token", STABLE_PATH: "stable_token", DOMAIN_IP_PATH: "get_api_domain_ip"}
#: The one grant type of both token endpoints [public: docs].
GRANT_TYPE = "client_credential"
#: What get_api_domain_ip answers [public: docs, its example].
API_DOMAIN_IPS = ("101.89.47.18", "101.91.34.103")
#: Random bytes of a token: 136 URL-safe characters, in the 512 the docs keep for one [decided].
TOKEN_BYTES = 102
#: What a token may look like; anything else is not one (40014) [decided].
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,512}")
#: Beijing time, the day the quotas count in [decided].
BEIJING = timezone(timedelta(hours=8))
#: The quota's counts reset with the calendar minute: "retry next minute" [public: answers].
MINUTE = 60


class Settings(Strict):
    """The knobs: documented numbers, [decided] ones, and where two versions of the pages disagree."""

    token_lifetime: int = Field(default=7200, gt=0, description="seconds a token lives [public: docs]")
    overlap: int = Field(
        default=300, ge=0, description="seconds a replaced token keeps working [public: docs, 5 minutes]"
    )
    token_daily: int = Field(
        default=2000, ge=0, description="cgi-bin/token calls an account may make a day [public: docs]"
    )
    token_per_minute: int = Field(
        default=1000, ge=0, description="... a minute [decided: 45011 is documented, its number is not]"
    )
    stable_daily: int = Field(
        default=500_000, ge=0, description="cgi-bin/stable_token calls a day [public: docs]"
    )
    stable_per_minute: int = Field(default=10_000, ge=0, description="... a minute [public: docs]")
    stable_renew_before: int = Field(
        default=300,
        ge=0,
        description="normal mode: a call in the stable token's last seconds gets a new one [public: docs]",
    )
    force_per_day: int = Field(default=20, ge=0, description="forced refreshes a day [public: docs]")
    force_interval: int = Field(
        default=30, ge=0, description="seconds between forced refreshes [public: docs]"
    )
    api_daily: int = Field(default=100_000, ge=0, description="get_api_domain_ip calls a day [decided]")
    api_per_minute: int = Field(default=10_000, ge=0, description="... a minute [decided]")
    clears_per_month: int = Field(
        default=10, ge=0, description="quota clears an account may make a month [public: docs]"
    )
    wrong_secret_code: Literal[40125, 40001] = Field(
        default=40125,
        description="a wrong AppSecret: 40125 invalid appsecret [public: the stable token's table, "
        "answers]; 40001, as the older mini-program page reads",
    )
    ip_refused_code: Literal[40164, 61004] = Field(
        default=40164,
        description="an address off the white-list: 40164 [public: the code tables, answers]; 61004, "
        "as the service-account guide reads",
    )
    texts: Literal["current", "older"] = Field(
        default="current",
        description="errmsg texts of the current pages and answers, or of the older ones (40001 "
        "without the getStableAccessToken pointer, 45009 'api freq out of limit', 40164 without ipv6)",
    )
    errmsg_rid: bool = Field(
        default=True,
        description="an error's errmsg ends ' rid: <8 hex>-<8 hex>-<8 hex>' [public: answers]; false: bare",
    )
    quota_rate_limits: bool = Field(
        default=True,
        description="the quota's get answers rate_limit and component_rate_limit [public: the newer "
        "pages]; false: the quota alone, as the older page reads",
    )


class App(Strict):
    """An official account or mini program: its AppID and AppSecret [public: docs]."""

    appid: str = Field(default_factory=lambda: "wx" + secrets.token_hex(8), min_length=1)
    secret: str = Field(default_factory=lambda: secrets.token_hex(16), min_length=1)
    name: str = ""
    #: The addresses the token endpoints answer (40164 to others); empty: any [public: docs].
    ip_whitelist: Allowlist = Field(default_factory=list)
    #: A frozen AppSecret fetches no token (40243) [public: docs].
    secret_frozen: bool = False
    #: The account's own cgi-bin/token quotas (the counts differ per account type); None: the settings'.
    token_daily: int | None = Field(default=None, ge=0)
    token_per_minute: int | None = Field(default=None, ge=0)

    def shown(self) -> dict[str, Any]:
        return {"appid": self.appid, "secret": self.secret, "name": self.name}


class AppChange(Strict, defer_build=True):
    """What the admin API may change of an account; a quota sent as null is the settings' again."""

    secret: str | None = Field(default=None, min_length=1)
    name: str | None = None
    ip_whitelist: Allowlist | None = None
    secret_frozen: bool | None = None
    token_daily: int | None = Field(default=None, ge=0)
    token_per_minute: int | None = Field(default=None, ge=0)


class Issued(Strict):
    """A token's record: whose it is, and until when it works (`valid_until`: its expiry, or the end
    of the overlap once another replaced it)."""

    appid: str
    stable: bool = False
    issued_at: float
    expires_at: float
    valid_until: float
    replaced_at: float | None = None


class StableToken(Strict):
    """An account's live stable token."""

    token: str
    expires_at: float


class WeChatConfig(ProviderConfig):
    settings: Settings = Settings()
    apps: list[App] = Field(default_factory=list)


@drawn("wechat")
def demo_set(fake: Any) -> dict[str, tuple[App, str]]:
    """The demo accounts, each showing one documented case."""

    def app(name: str, **extra: Any) -> App:
        return App(appid="wx" + fake.hexify("^" * 16), secret=fake.hexify("^" * 32), name=name, **extra)

    prefix = fake.company_prefix()
    return {
        "demo": (app(prefix + "公众号"), "an official account in good standing"),
        "second": (app(prefix + "小程序"), "another account: tokens and quotas of its own"),
        "limited": (
            app(prefix + "测试号", token_daily=3),
            "may fetch 3 tokens a day from cgi-bin/token: the 4th answers 45009 until clear_quota",
        ),
        "ip_limited": (
            app(prefix + "服务号", ip_whitelist=["192.0.2.1"]),
            "white-lists 192.0.2.1 only: from loopback, the token endpoints answer 40164",
        ),
        "frozen": (
            app(prefix + "订阅号", secret_frozen=True),
            "its AppSecret is frozen: the token endpoints answer 40243",
        ),
    }


def _day(now: float) -> tuple[int, float]:
    """The Beijing day `now` is in (days since the epoch) and when it ends."""
    day = int((now + 8 * 3600) // 86400)
    return day, (day + 1) * 86400 - 8 * 3600


def _month(now: float) -> tuple[str, float]:
    """The Beijing month `now` is in ("2026-03") and when it ends."""
    local = datetime.fromtimestamp(now, BEIJING)
    following = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=BEIJING)
    return f"{local.year:04d}-{local.month:02d}", following.timestamp()


def forced(value: Any) -> bool:
    """Whether a stable_token body's `force_refresh` asks for the forced mode: JSON true, and the
    1 and "true" a loosely typed client sends for it [decided: lenient]."""
    return value is True or (type(value) is int and value == 1) or value == "true"


class WeChatModel(ProviderModel[WeChatConfig]):
    slug = "wechat"
    MESSAGES = errors.MESSAGES

    _apps = Records("app", App, read_mostly=True)
    _stable = Records("stable", StableToken)
    _tokens = Records("token", Issued)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.config.settings.texts == "older":  # a text the config names still wins
            older = {str(code): text for code, text in errors.OLDER.items()}
            self.messages = {**self.messages, **older, **self.config.messages}

    # -- accounts ----------------------------------------------------------------------

    def seed(self) -> None:
        for app in self.seeded(demo_set().values(), self.config.apps):
            self._apps.put(app.appid, app)

    def demo_entries(self) -> Iterator[tuple[str, App, str]]:
        return as_configured(demo_set(), self.config.apps, "appid")

    def fresh_credentials(self) -> dict[str, Any]:
        return self.create_app(App()).shown()

    def apps(self) -> list[App]:
        return self._apps.list()

    def app(self, appid: str) -> App:
        return self._apps.get(appid)

    def create_app(self, app: App) -> App:
        return self._apps.create(app.appid, app)

    def update_app(self, appid: str, change: AppChange) -> App:
        return self._apps.update(appid, change)

    def renewal_window(self) -> RenewalWindow:
        """A replaced token's `overlap` ("5分钟内，新老access_token都可用"): it works on meanwhile."""
        return RenewalWindow("replaced, still working", 0, self.config.settings.overlap, "overwrite")

    # -- the token endpoints -----------------------------------------------------------

    def token(
        self, grant_type: str | None, appid: str | None, secret: str | None, caller: str
    ) -> dict[str, Any]:
        """cgi-bin/token: a new token, which replaces the account's previous one."""
        note(kind="fetch", credential=appid or None)
        app = self._checked(appid, secret, caller, grant_type)
        now = self.clock.time()
        self._count_minute(app, "token")
        settings = self.config.settings
        calls, day_end = self._today(app.appid, "token", now)
        access = secrets.token_urlsafe(TOKEN_BYTES)
        expires_at = now + settings.token_lifetime
        record = Issued(appid=app.appid, issued_at=now, expires_at=expires_at, valid_until=expires_at)
        # One group, no other fetch between: count the day's call, write the token's record, make
        # it the account's current token and read the record of the one it replaces.
        done = self.store.run(
            Count(calls, limit=self._limits(app, "token")[0], expires_at=day_end),
            Put(self.key("token", access), record.model_dump(), expires_at=expires_at + RETAIN),
            Swap(
                self.key("current", app.appid),
                access,
                expires_at=expires_at + RETAIN,
                follow=self.key("token", ""),
            ),
        )
        if done is None:
            note(backoff=True)
            raise ProviderError(errors.DAILY_QUOTA)
        previous, replaced = done[2]
        if replaced is not None:
            self._replace(previous, Issued.model_validate(replaced), now)
        note(token=access, expires=expires_at)
        return errors.token(access, settings.token_lifetime)

    def stable_token(
        self, grant_type: str | None, appid: str | None, secret: str | None, force: bool, caller: str
    ) -> dict[str, Any]:
        """cgi-bin/stable_token: the account's stable token, kept apart from cgi-bin/token's."""
        note(kind="fetch", credential=appid or None)
        app = self._checked(appid, secret, caller, grant_type)
        now = self.clock.time()
        self._count(app, "stable_token", now)
        if force and (refreshed := self._force(app, now)) is not None:
            return refreshed
        settings = self.config.settings
        fresh = StableToken(
            token=secrets.token_urlsafe(TOKEN_BYTES), expires_at=now + settings.token_lifetime
        )

        def keep_or_issue(held: StableToken | None) -> StableToken:
            if held is not None and now < held.expires_at - settings.stable_renew_before:
                return held
            return fresh

        held, live = self._stable.swap(app.appid, keep_or_issue, expires_at=fresh.expires_at + RETAIN)
        if live.token == fresh.token:
            self._issue_stable(app.appid, fresh, now)
            if held is not None and (renewed := self._tokens.find(held.token)) is not None:
                self.trace(self.key("token", held.token), renewed.model_dump())  # works on to its end
                note(renews=held.token)
        elif held is not None:  # the audit: a fetch while the token lived, answered the same token
            note_replaced(live.token, live.expires_at - now, settings.token_lifetime)
        note(token=live.token, expires=live.expires_at)
        return errors.token(live.token, math.ceil(live.expires_at - now))

    def _force(self, app: App, now: float) -> dict[str, Any] | None:
        """A forced refresh: a new stable token replacing the live one; within `force_interval` of
        the last, none (the normal mode answers); past the day's `force_per_day`, 45009."""
        settings = self.config.settings
        gate = self.key("force-gate", app.appid)
        if not self.store.compare_and_set(gate, None, True, expires_at=now + settings.force_interval):
            return None
        day, day_end = _day(now)
        try:
            self._within(
                self.key("forced", app.appid, day), day_end, settings.force_per_day, errors.DAILY_QUOTA
            )
        except ProviderError:
            self.store.delete(gate)  # refused, it refreshed nothing: the next may try at once
            raise
        fresh = StableToken(
            token=secrets.token_urlsafe(TOKEN_BYTES), expires_at=now + settings.token_lifetime
        )
        self._issue_stable(app.appid, fresh, now)
        held, _ = self._stable.swap(app.appid, lambda _: fresh, expires_at=fresh.expires_at + RETAIN)
        if held is not None and (replaced := self._tokens.find(held.token)) is not None:
            self._replace(held.token, replaced, now)
        note(token=fresh.token, expires=fresh.expires_at)
        return errors.token(fresh.token, settings.token_lifetime)

    def _issue_stable(self, appid: str, fresh: StableToken, now: float) -> None:
        record = Issued(
            appid=appid, stable=True, issued_at=now, expires_at=fresh.expires_at, valid_until=fresh.expires_at
        )
        self._tokens.put(fresh.token, record, expires_at=fresh.expires_at + RETAIN)

    def _replace(self, token: str, record: Issued, now: float) -> None:
        """A token another replaced: it works for `overlap` seconds more (its record into the trace)."""
        if now < record.valid_until:
            note(overwrites=token)  # it works its `overlap` on: the timeline's window, then cut
            note_replaced(token, record.valid_until - now, record.expires_at - record.issued_at)
            until = min(record.valid_until, now + self.config.settings.overlap)
            record = record.model_copy(update={"valid_until": until, "replaced_at": now})
        self.trace(self.key("token", token), record.model_dump())

    def _checked(
        self, appid: str | None, secret: str | None, caller: str, grant_type: str | None = GRANT_TYPE
    ) -> App:
        """The account `appid` and `secret` name, if it may fetch a token from `caller`; else the
        documented refusal, in this order [decided]: grant type, missing AppID, missing secret,
        unknown AppID, wrong secret, address off the white-list, frozen secret."""
        if grant_type != GRANT_TYPE:
            raise ProviderError(errors.INVALID_GRANT_TYPE)
        if not appid:
            raise ProviderError(errors.APPID_MISSING)
        if not secret:
            raise ProviderError(errors.SECRET_MISSING)
        app = self._apps.find(appid)
        if app is None:
            raise ProviderError(errors.INVALID_APPID)
        if not secrets.compare_digest(app.secret.encode(), secret.encode()):
            raise ProviderError(self.config.settings.wrong_secret_code)
        if not ip_allowed(caller, app.ip_whitelist):
            raise self._ip_refused(caller)
        if app.secret_frozen:
            raise ProviderError(errors.SECRET_FROZEN)
        return app

    def _ip_refused(self, caller: str) -> ProviderError:
        """40164, its text naming the caller's address as IPv4 and IPv6 [public: answers]; or 61004."""
        code = self.config.settings.ip_refused_code
        if code != errors.IP_NOT_WHITELISTED:
            return ProviderError(code)
        found = client_ips(caller)  # an IPv6 address, then the IPv4 one it maps, if it does
        if not found:
            ip = ipv6 = caller
        elif found[0].version == 4:
            ip, ipv6 = str(found[0]), f"::ffff:{found[0]}"
        else:
            ip, ipv6 = str(found[-1]), str(found[0])
        return ProviderError(code, detail=self.message(code).format(ip=ip, ipv6=ipv6))

    # -- quotas ------------------------------------------------------------------------

    def _limits(self, app: App, api: str) -> tuple[int, int]:
        """An API's daily and per-minute quota for the account."""
        settings = self.config.settings
        if api == "token":
            daily = settings.token_daily if app.token_daily is None else app.token_daily
            minute = settings.token_per_minute if app.token_per_minute is None else app.token_per_minute
            return daily, minute
        if api == "stable_token":
            return settings.stable_daily, settings.stable_per_minute
        return settings.api_daily, settings.api_per_minute

    def _today(self, appid: str, api: str, now: float) -> tuple[str, float]:
        """The key of an account's count of `api` on the Beijing day of `now`, and when the day ends."""
        day, day_end = _day(now)
        return self.key("calls", appid, api, day), day_end

    def _within(self, key: str, until: float, limit: int, code: int) -> None:
        """One more under `key` (counted until `until`); past `limit`, `code`, which asks to back off."""
        if self.store.incr(key, limit=limit, expires_at=until) is None:
            note(backoff=True)
            raise ProviderError(code)

    def _count_minute(self, app: App, api: str) -> None:
        """A call of `api` in this minute: past its quota, 45011 until the next minute."""
        if self.over_limit((app.appid, api), ((MINUTE, self._limits(app, api)[1]),)) is not None:
            note(backoff=True)
            raise ProviderError(errors.MINUTE_QUOTA)

    def _count(self, app: App, api: str, now: float) -> None:
        """A call of `api`, against the minute's quota, then the day's (45009 until it is cleared)."""
        self._count_minute(app, api)
        self._within(
            *self._today(app.appid, api, now), limit=self._limits(app, api)[0], code=errors.DAILY_QUOTA
        )

    def quota(self, issued: Issued, cgi_path: Any) -> dict[str, Any]:
        """The quota's get: today's count of one API for the account of the token `issued` (`check`)."""
        if not isinstance(cgi_path, str) or not cgi_path.startswith("/"):
            raise ProviderError(errors.CGI_PATH_INVALID)  # "不要前缀…也不要漏了/" [public: docs]
        api = QUOTAS.get(cgi_path)
        app = self._apps.find(issued.appid)
        if api is None or app is None:
            raise ProviderError(errors.CGI_PATH_NOT_FOUND)
        daily, minute = self._limits(app, api)
        used = self.store.get(self._today(app.appid, api, self.clock.time())[0]) or 0
        quota = {"daily_limit": daily, "used": used, "remain": max(daily - used, 0)}
        if not self.config.settings.quota_rate_limits:
            return errors.ok(self, quota=quota)
        rate = {"call_count": minute, "refresh_second": MINUTE}
        return errors.ok(self, quota=quota, rate_limit=rate, component_rate_limit=dict(rate))

    def clear_quota(self, issued: Issued, appid: Any) -> dict[str, Any]:
        """clear_quota: the daily counts of the account of the token `issued` (`check`) cleared;
        `appid` must be its own."""
        if not isinstance(appid, str) or not appid:
            raise ProviderError(errors.APPID_MISSING)
        if appid != issued.appid:  # "填入的appid与access_token代表的账号的appid不一致" [public: docs]
            raise ProviderError(errors.INVALID_APPID)
        return self._clear(appid)

    def clear_quota_by_secret(self, appid: str | None, secret: str | None, caller: str) -> dict[str, Any]:
        """clear_quota/v2: the same, by the AppID and AppSecret, with no token [public: docs]."""
        note(credential=appid or None)
        return self._clear(self._checked(appid, secret, caller).appid)

    def _clear(self, appid: str) -> dict[str, Any]:
        """Clear the account's daily counts, once of the month's `clears_per_month` (48006 past them)."""
        now = self.clock.time()
        month, month_end = _month(now)
        limit = self.config.settings.clears_per_month
        if self.store.incr(self.key("clears", appid, month), limit=limit, expires_at=month_end) is None:
            raise ProviderError(errors.CLEAR_LIMIT)
        for api in QUOTAS.values():
            self.store.delete(self._today(appid, api, now)[0])
        return errors.ok(self)

    # -- business calls ----------------------------------------------------------------

    def check(self, access: str | None) -> Issued:
        """The record of the token a business call came with, if it works: missing 41001, not a
        token's shape 40014, unknown or replaced past the overlap 40001, expired 42001."""
        if not access:
            note(kind="call", token_state="missing")
            raise ProviderError(errors.TOKEN_MISSING)
        if not TOKEN_SHAPE.fullmatch(access):
            note(kind="call", token=access, token_state="unknown")
            raise ProviderError(errors.INVALID_TOKEN)
        issued = self._tokens.find(access)
        if issued is None:
            note(kind="call", token=access, token_state="unknown")
            raise ProviderError(errors.INVALID_CREDENTIAL)
        now = self.clock.time()
        state = (
            "expired" if now >= issued.expires_at else "overwritten" if now >= issued.valid_until else "valid"
        )
        note(kind="call", token=access, token_state=state, credential=issued.appid)
        if state == "expired":
            raise ProviderError(errors.TOKEN_EXPIRED)
        if state == "overwritten":
            raise ProviderError(errors.INVALID_CREDENTIAL)
        if issued.replaced_at is not None:  # the audit: a replaced token, in its overlap
            note(overlap_left=issued.valid_until - now)
        return issued

    def api_domain_ip(self, access: str | None) -> list[str]:
        issued = self.check(access)
        app = self._apps.find(issued.appid)
        if app is not None:
            self._count(app, "get_api_domain_ip", self.clock.time())
        return list(API_DOMAIN_IPS)

    # -- answers -----------------------------------------------------------------------

    def with_rid(self, text: str) -> str:
        """`text` as an errmsg: followed by the request's id unless `settings.errmsg_rid` is off;
        its first part is the time, in hex [public: answers]."""
        if not self.config.settings.errmsg_rid:
            return text
        return f"{text} rid: {int(self.clock.time()):08x}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"

    def http_error(self, status: int) -> ProviderError:
        """HTTP failures keep their status, the code its number [decided]; a crash or a store
        outage is the platform's own -1, system error, in an HTTP 200 [public: docs]."""
        if status >= 500:
            return ProviderError(errors.SYSTEM_ERROR)
        return ProviderError(status if str(status) in self.messages else 400, http_status=status)

    # -- the admin API -----------------------------------------------------------------

    def tokens(self) -> list[dict[str, Any]]:
        """Every unexpired token kept, with whether it still works and its seconds left."""
        return self.listed_tokens(self._tokens, "access_token")

    def live_tokens(self, limit: int | None = None) -> list[dict[str, Any]]:
        current = (token for _, token in self.store.scan(self.key("current", "")))
        stable = (held.token for _, held in self._stable.items())
        newest = ((token, self._tokens.find(token)) for token in chain(current, stable))
        return self.newest_tokens(newest, Issued, "appid", limit)
