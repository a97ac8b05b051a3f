"""WeCom's rules: apps (a corp's id and an app's secret), one token per app, the business call.

The lifecycle rule [public: the older text of docs 91039]: a fetch while the app's token lives
answers that same token ("有效期内重复获取返回相同结果"), with the seconds it has left; once it
has expired, a new one ("过期后获取会返回新的access_token"). The newer page drops the sentence
and keeps the warning that the platform may end a token early; `settings.reuse_token = false`
issues a new token on every fetch, the old one working until its own expiry, and the admin API
ends a token early.

Store layout (all under `wecom:`):
  app:<corpid>:<corpsecret>   {"corpid", "corpsecret", "name"} (App)
  corp:<corpid>               {"corpid"}: a corp with an app (Corp)
  current:<corpid>:<secret>   the app's live token {"token", "expires_at"} (Token)
  token:<token>               {"corpid", "corpsecret", "expires_at"} (Issued): what a call checks
  calls:<api>:<corpid>:<size>:<n>  a corp's calls of one API in the n-th window of `size` seconds
  blocked:<api>:<corpid>      present while the API refuses the corp (45009)
  failed:<address>:<n>        gettoken calls refused to an address in the n-th hour
  blocked-address:<address>   present while gettoken refuses the address (45009)
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator
from typing import Any

from pydantic import Field

from ...core.audit import note, note_replaced
from ...core.demo import drawn
from ...core.errors import ProviderError
from ...core.provider import RETAIN, ProviderConfig, ProviderModel, Records, Strict, as_configured
from . import errors

TOKEN_PATH = "/cgi-bin/gettoken"
DOMAIN_IP_PATH = "/cgi-bin/get_api_domain_ip"
#: What get_api_domain_ip answers [public: docs 97073, its example].
API_DOMAIN_IPS = ("182.254.11.176", "182.254.78.66")
#: A token's length: the docs keep 512 bytes for it ("最长为512字节"); real ones are 150-200
#: URL-safe characters [public: clients].
TOKEN_BYTES = 120


class Settings(Strict):
    """The [decided] knobs, and where the docs' two versions disagree."""

    token_lifetime: int = Field(default=7200, gt=0, description="seconds a token lives [public: docs 7200]")
    reuse_token: bool = Field(
        default=True,
        description="a fetch within validity answers the same token [public: the older docs]; "
        "false: a new one each fetch, the old one working until it expires",
    )
    api_per_minute: int = Field(
        default=10_000, ge=0, description="calls of one API a corp may make a minute [public: docs 90454]"
    )
    api_per_hour: int = Field(
        default=150_000, ge=0, description="calls of one API a corp may make an hour [public: docs 90454]"
    )
    failed_fetches_per_hour: int = Field(
        default=2000,
        ge=0,
        description="refused gettoken calls an address may make an hour before gettoken refuses it "
        "for an hour [public: a WeCom staff answer]",
    )
    errmsg_hint: bool = Field(
        default=True,
        description="errmsg as the platform writes it since about 2019: '<text>, hint: [...], "
        "from ip: ..., more info at ...' [public]; false: the bare text",
    )


class App(Strict):
    """An app of a corp: the corp's id and the app's secret name it [public: docs 91039]. Its
    AgentId, which no token request sends, tells the audit one app of a corp from another."""

    corpid: str = Field(default_factory=lambda: "ww" + secrets.token_hex(8), min_length=1)
    corpsecret: str = Field(default_factory=lambda: secrets.token_urlsafe(32)[:43], min_length=1)
    agentid: int = Field(default_factory=lambda: 1000002 + secrets.randbelow(10**6), ge=0)
    name: str = "应用"

    def shown(self) -> dict[str, Any]:
        return self.model_dump()

    @property
    def ident(self) -> str:
        """What the audit knows the app by: its corp and AgentId (two apps of a corp share the corpid)."""
        return app_ident(self.corpid, self.agentid)


def app_ident(corpid: str, agentid: int) -> str:
    return f"{corpid}/{agentid}"


class Corp(Strict):
    """A corp with at least one app: an unknown corpid is 40013, a known one with a wrong secret 40001."""

    corpid: str


class Token(Strict):
    """An app's live token, as `current:<corpid>:<corpsecret>` keeps it."""

    token: str
    expires_at: float


class Issued(Strict):
    """What a business call checks of a token: whose it is and until when it works."""

    corpid: str
    corpsecret: str
    agentid: int
    expires_at: float


class WeComConfig(ProviderConfig):
    settings: Settings = Settings()
    apps: list[App] = Field(default_factory=list)


#: The characters of an app's secret (43 of them, as real ones have) [public: clients].
SECRET_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@drawn("wecom")
def demo_set(fake: Any) -> dict[str, tuple[App, str]]:
    """The demo apps: two apps of one corp, each with a token of its own ("每个应用有独立的secret,
    获取到的access_token只能本应用使用")."""
    corpid = "ww" + fake.hexify("^" * 16)

    def app(name: str, agentid: int) -> App:
        secret = fake.lexify("?" * 43, letters=SECRET_LETTERS)
        return App(corpid=corpid, corpsecret=secret, agentid=agentid, name=name)

    return {
        "demo": (app("考勤", 1000002), "an app in good standing"),
        "second_app": (app("审批", 1000003), "another app of the same corp: a token of its own"),
    }


class WeComModel(ProviderModel[WeComConfig]):
    slug = "wecom"
    MESSAGES = errors.MESSAGES

    _apps = Records("app", App, "app", read_mostly=True)
    _corps = Records("corp", Corp, "corp", read_mostly=True)
    _current = Records("current", Token)
    _issued = Records("token", Issued)

    def seed(self) -> None:
        for app in self.seeded(demo_set().values(), self.config.apps):
            self._add(app)

    def demo_entries(self) -> Iterator[tuple[str, App, str]]:
        return as_configured(demo_set(), self.config.apps, "corpsecret")

    def fresh_credentials(self) -> dict[str, Any]:
        app = App()
        self._add(app)
        return app.shown()

    def _add(self, app: App) -> None:
        self._corps.put(app.corpid, Corp(corpid=app.corpid))
        self._apps.put(self._app_key(app.corpid, app.corpsecret), app)

    @staticmethod
    def _app_key(corpid: str, corpsecret: str) -> str:
        return f"{corpid}:{corpsecret}"

    def token(self, corpid: str | None, corpsecret: str | None, caller: str = "") -> dict[str, Any]:
        """The app's live token, or a new one once it has expired (each fetch, without reuse).

        An address whose fetches were refused `failed_fetches_per_hour` times in an hour is
        refused every fetch for the hour after (45009) [public: a WeCom staff answer]; a corp's
        fetches count against the API limits like any call."""
        note(kind="fetch", credential=corpid or None)
        if self.store.get(self.key("blocked-address", caller)) is not None:
            note(backoff=True)
            raise ProviderError(errors.FREQUENCY)
        try:
            app = self._checked_app(corpid, corpsecret)
        except ProviderError:
            self._count_failure(caller)
            raise
        note(credential=app.ident)
        corpid, corpsecret = app.corpid, app.corpsecret
        self._count_call(corpid, "gettoken")
        now = self.clock.time()
        settings = self.config.settings
        expires_at = now + settings.token_lifetime
        fresh = Token(token=secrets.token_urlsafe(TOKEN_BYTES), expires_at=expires_at)

        def keep_or_issue(held: Token | None) -> Token:
            return held if settings.reuse_token and held is not None and now < held.expires_at else fresh

        held, live = self._current.swap(
            self._app_key(corpid, corpsecret), keep_or_issue, expires_at=expires_at
        )
        if held is not None and live.token == held.token:  # the audit: a fetch while it lived
            note_replaced(live.token, live.expires_at - now, settings.token_lifetime)
        if live.token == fresh.token:
            self._issued.put(
                live.token,
                Issued(corpid=corpid, corpsecret=corpsecret, agentid=app.agentid, expires_at=live.expires_at),
                expires_at=live.expires_at + RETAIN,
            )
        note(token=live.token, expires=live.expires_at)
        return {"access_token": live.token, "expires_in": math.ceil(live.expires_at - now)}

    def _checked_app(self, corpid: str | None, corpsecret: str | None) -> App:
        """The app the corpid and secret name, if they name one; else the documented refusal."""
        if not corpsecret:  # the secret is checked first [public: a probe: 41004 before 41002]
            raise ProviderError(errors.SECRET_MISSING)
        if not corpid:
            raise ProviderError(errors.CORPID_MISSING)
        if self._corps.find(corpid) is None:
            raise ProviderError(errors.INVALID_CORPID)
        if (app := self._apps.find(self._app_key(corpid, corpsecret))) is None:
            raise ProviderError(errors.INVALID_SECRET)
        return app

    def _count_failure(self, caller: str) -> None:
        """A refused fetch from `caller`: past the hour's allowance, its fetches are refused for an hour."""
        now = self.clock.time()
        hour = int(now // 3600)
        allowed = self.config.settings.failed_fetches_per_hour
        counted = self.store.incr(
            self.key("failed", caller, hour), limit=allowed, expires_at=(hour + 1) * 3600
        )
        if counted is None:
            self.store.set(self.key("blocked-address", caller), True, expires_at=now + 3600)

    def _count_call(self, corpid: str, api: str) -> None:
        """A corp's call of one API, against its minute's and its hour's allowance: past either,
        45009, and the API refused to the corp for the rest of 60 s, or of 60 min [public: docs
        90454: "按分钟拦截则被屏蔽60秒,按小时拦截则被屏蔽60分钟"]."""
        now = self.clock.time()
        blocked = self.key("blocked", api, corpid)
        if self.store.get(blocked) is not None:
            note(backoff=True)
            raise ProviderError(errors.FREQUENCY)
        settings = self.config.settings
        windows = ((60, settings.api_per_minute), (3600, settings.api_per_hour))
        if (over := self.over_limit((api, corpid), windows)) is not None:
            self.store.set(blocked, True, expires_at=now + over.seconds)  # blocked as long as its window
            note(backoff=True)
            raise ProviderError(errors.FREQUENCY)

    def check(self, token: str | None) -> Issued:
        """The token's record, if a business call may be made with it: missing 41001, unknown
        40014, past its expiry 42001 [public: docs and clients]."""
        if not token:
            note(kind="call", token_state="missing")
            raise ProviderError(errors.TOKEN_MISSING)
        issued = self._issued.find(token)
        if issued is None:
            note(kind="call", token=token, token_state="unknown")
            raise ProviderError(errors.INVALID_TOKEN)
        expired = self.clock.time() >= issued.expires_at
        state = "expired" if expired else "valid"
        note(kind="call", token=token, token_state=state, credential=app_ident(issued.corpid, issued.agentid))
        if expired:
            raise ProviderError(errors.TOKEN_EXPIRED)
        return issued

    def api_domain_ip(self, token: str | None) -> list[str]:
        issued = self.check(token)
        self._count_call(issued.corpid, "get_api_domain_ip")
        return list(API_DOMAIN_IPS)

    def end_token(self, token: str) -> bool:
        """End a token early, as the platform may ("提前使access_token失效"): True if it lived."""
        issued = self._issued.find(token)
        if issued is None or self.clock.time() >= issued.expires_at:
            return False
        now = self.clock.time()
        self._issued.put(token, issued.model_copy(update={"expires_at": now}), expires_at=now + RETAIN)
        app = self._app_key(issued.corpid, issued.corpsecret)
        if (current := self._current.find(app)) is not None and current.token == token:
            self._current.delete(app)  # the next fetch gets a new one
        return True

    def hint(self, code: int, text: str, caller: str) -> str:
        """`text` as the platform writes an errmsg: with a hint id, the caller's address and where
        to look the code up, unless `settings.errmsg_hint` is off."""
        if not self.config.settings.errmsg_hint:
            return text
        hint = f"{int(self.clock.time())}_{secrets.randbelow(256)}_{secrets.token_hex(16)}"
        more = errors.MORE_INFO.format(code=code)
        return f"{text}, hint: [{hint}], from ip: {caller}, more info at {more}"

    def http_error(self, status: int) -> ProviderError:
        """HTTP failures keep their status, the code its number [decided]; a crash or a store
        outage is the platform's own -1, system busy, in an HTTP 200 [public: docs]."""
        if status >= 500:
            return ProviderError(errors.SYSTEM_BUSY)
        return ProviderError(status if str(status) in self.messages else 400, http_status=status)

    # -- the admin API ---------------------------------------------------------------------

    def apps(self) -> list[App]:
        return [app for _, app in self._apps.items()]

    def create_app(self, app: App) -> App:
        """Add an app (a new corp with it, unless its corpid has one already)."""
        self._add(app)
        return app

    def tokens(self) -> list[dict[str, Any]]:
        """The apps' live tokens, with their seconds left on the virtual clock."""
        now = self.clock.time()
        return [
            {"access_token": token, **issued.model_dump(), "expires_in": math.ceil(issued.expires_at - now)}
            for token, issued in self._issued.items()
            if now < issued.expires_at
        ]

    def audit_credential(self, shown: dict[str, Any]) -> str:
        return app_ident(shown["corpid"], shown["agentid"])

    def live_tokens(self, limit: int | None = None) -> list[dict[str, Any]]:
        return self.current_tokens(self._current, "token", limit)
