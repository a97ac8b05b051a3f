"""Sample DingTalk clients: a well-behaved token manager of each API generation, and the classic
mistakes."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .cache import Answer, FetchingPerCall, IgnoringExpiry, TokenCache, errcode

TOKEN = "/gettoken"
TICKET = "/get_jsapi_ticket"
ACCESS_TOKEN = "/v1.0/oauth2/accessToken"
INNER_APPS = "/v1.0/microApp/allInnerApps"
TOKEN_INVALID = 40014
LIFETIME = 7200
#: The legacy codes that ask to back off: an app's calls of an API past its second or minute.
LIMITED = (90018, 90006)


@dataclass(eq=False)
class Pacer:
    """At most `calls` calls in any `window` seconds of real time, whatever the threads: the
    documented 20 a second, with room for the network's jitter."""

    calls: int = 20
    window: float = 1.2
    sent: deque[float] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self) -> None:
        with self.lock:
            while len(self.sent) >= self.calls:
                pause = self.sent[0] + self.window - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                self.sent.popleft()
            self.sent.append(time.monotonic())


@dataclass(eq=False)
class TokenManager(TokenCache):
    """The documented way, on the legacy API: one cached token per app, fetched again a little
    before its 7200 s are up ("建议设置缓存过期时间略小于7200秒"), once a call is refused with
    40014, one fetch at a time; calls paced under the app's 20 a second, and a refusal for a
    limit waited out before the call is made again."""

    INVALID = TOKEN_INVALID

    appkey: str
    appsecret: str = field(repr=False)
    margin: float = field(default=600, kw_only=True)
    sleep: Callable[[float], None] = field(default=time.sleep, kw_only=True)
    backoff: float = field(default=1.5, kw_only=True)
    attempts: int = field(default=3, kw_only=True)
    pacer: Pacer = field(default_factory=Pacer, kw_only=True)

    def code_of(self, answer: Answer) -> object:
        return errcode(answer)

    def fetch_token(self) -> tuple[str, float]:
        query = {"appkey": self.appkey, "appsecret": self.appsecret}
        answer = self.backing_off(lambda: self.http.get(self.base_url + TOKEN, params=query).json())
        if answer["errcode"] != 0:  # errcode, not errmsg, tells success ("不要依赖errmsg")
            raise RuntimeError(f"token fetch refused: {answer}")
        return answer["access_token"], answer["expires_in"]

    def refresh_at(self, token: str, lifetime: float) -> float:
        return self.now() + lifetime - self.margin

    def backing_off(self, send: Callable[[], Answer]) -> Answer:
        """`send`, paced; refused for a limit, waited out, twice as long each time."""
        for attempt in range(self.attempts):
            self.pacer.wait()
            answer = send()
            if answer.get("errcode") not in LIMITED or attempt + 1 == self.attempts:
                break
            self.sleep(self.backoff * 2**attempt)
        return answer

    def call(self) -> Answer:
        """The jsapi ticket as a business call; on 40014, refresh once and retry (the passive refresh)."""
        return self.with_refresh(
            lambda access: self.backing_off(
                lambda: self.http.get(self.base_url + TICKET, params={"access_token": access}).json()
            )
        )


@dataclass(eq=False)
class NewApiManager(TokenCache):
    """The documented way on the new API: a JSON body for the token, the token in the
    x-acs-dingtalk-access-token header, a fresh one when a call answers InvalidAuthentication."""

    INVALID = "InvalidAuthentication"

    appkey: str
    appsecret: str = field(repr=False)
    margin: float = field(default=600, kw_only=True)

    def code_of(self, answer: Answer) -> object:
        return answer.get("code")

    def fetch_token(self) -> tuple[str, float]:
        body = {"appKey": self.appkey, "appSecret": self.appsecret}
        answer: Answer = self.http.post(self.base_url + ACCESS_TOKEN, json=body).json()
        if "accessToken" not in answer:  # no errcode here: an error has a code instead
            raise RuntimeError(f"token fetch refused: {answer}")
        return answer["accessToken"], answer["expireIn"]

    def refresh_at(self, token: str, lifetime: float) -> float:
        return self.now() + lifetime - self.margin

    def call(self) -> Answer:
        return self.with_refresh(
            lambda access: self.http.get(
                self.base_url + INNER_APPS, headers={"x-acs-dingtalk-access-token": access}
            ).json()
        )


class FetchPerCall(FetchingPerCall, TokenManager):
    """Fetches a token for every call ("不能频繁调用gettoken接口，否则会受到频率拦截")."""


class IgnoresExpiry(IgnoringExpiry, TokenManager):
    """Fetches once and keeps the token forever, whatever the platform answers."""


class CachesFullLifetime(TokenManager):
    """Caches the token for all of its expires_in, against the docs' advice of about 7000 s."""

    def refresh_at(self, token: str, lifetime: float) -> float:
        return self.now() + lifetime


class RetriesAtOnce(TokenManager):
    """Makes a call refused for a limit again at once, neither pacing nor waiting."""

    def backing_off(self, send: Callable[[], Answer]) -> Answer:
        for _ in range(self.attempts):
            answer = send()
            if answer.get("errcode") not in LIMITED:
                break
        return answer
