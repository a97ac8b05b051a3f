"""What the sample clients share: one session, one lock and a clock, and the cache of one token.

A provider's client adds only what is its own: how it fetches a token, when a token is due
again, and which answer code says a token is no longer valid. The classic mistakes that are
the same for every provider (a fetch per call, a token kept forever, a retry at once after a
limit) are written once here, and so is the backing off from a limit.
"""

from __future__ import annotations

import math
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import requests

Answer = dict[str, Any]


@dataclass(eq=False)
class Client:
    """The provider's address, the clock the client believes, and a session and lock for every caller.

    A client is its state (a session, a cache): two are never equal unless they are one.
    """

    base_url: str
    now: Callable[[], float] = field(default=time.time, kw_only=True)
    http: requests.Session = field(default_factory=requests.Session, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)


def code(answer: Answer) -> object:
    """An answer's code, where most providers put it."""
    return answer["code"]


def errcode(answer: Answer) -> object:
    """An answer's code, where the platforms of the errcode/errmsg envelope put it (a WeChat
    success carries none: 0)."""
    return answer.get("errcode", 0)


def send_with_refresh(
    token: Callable[[str | None], str],
    send: Callable[[str], Answer],
    invalid: object,
    code_of: Callable[[Answer], object] = code,
) -> Answer:
    """`send` with the cached token; answered `invalid`, refresh it and send once more (the passive refresh).

    `token(stale)` is the cache: `stale` is the token a call was refused with, or None;
    `code_of` reads an answer's code (DingTalk's legacy answers say `errcode`).
    """
    for _ in range(2):
        access = token(None)
        answer = send(access)
        if code_of(answer) != invalid:
            return answer
        token(access)
    return answer


@dataclass(eq=False)
class TokenCache(Client, ABC):
    """One token for every caller, fetched by one caller at a time: when there is none yet, when it
    is due, and when a call was refused with it."""

    #: The answer code that says the token sent is no longer valid.
    INVALID: ClassVar[object]

    _token: str | None = field(default=None, init=False, repr=False)
    _refresh_at: float = field(default=0.0, init=False, repr=False)
    fetches: int = field(default=0, init=False)

    @abstractmethod
    def fetch_token(self) -> tuple[str, float]:
        """A new token and how many seconds it lives, as the provider answers them."""

    @abstractmethod
    def refresh_at(self, token: str, lifetime: float) -> float:
        """When `token`, fetched just now and living `lifetime` seconds, is to be fetched again."""

    def token(self, stale: str | None = None) -> str:
        """The cached token, fetched again when it is due or is `stale` (a call was refused with it)."""
        with self._lock:
            if self._token is None or self._token == stale or self.now() >= self._refresh_at:
                token, lifetime = self.fetch_token()
                self._refresh_at = self.refresh_at(token, lifetime)
                self._token = token
                self.fetches += 1
            return self._token

    def code_of(self, answer: Answer) -> object:
        """An answer's code (a provider whose answers put it elsewhere says where)."""
        return code(answer)

    def with_refresh(self, send: Callable[[str], Answer]) -> Answer:
        """`send` with this cache's token, refreshed once when the answer is INVALID."""
        return send_with_refresh(self.token, send, self.INVALID, self.code_of)


class FetchingPerCall(TokenCache):
    """The mistake of fetching a token for every call: each token is due as soon as it is fetched."""

    def refresh_at(self, token: str, lifetime: float) -> float:
        return -math.inf


class IgnoringExpiry(TokenCache):
    """The mistake of keeping the first token forever and sending it whatever the provider answers."""

    def refresh_at(self, token: str, lifetime: float) -> float:
        return math.inf

    def with_refresh(self, send: Callable[[str], Answer]) -> Answer:
        return send(self.token())


@dataclass(eq=False)
class BackingOff(TokenCache, ABC):
    """A fetch refused for a limit waits before it tries again, twice as long each time, `attempts`
    times in all; a fetch refused otherwise, or each time, is an error."""

    sleep: Callable[[float], None] = field(default=time.sleep, kw_only=True)
    backoff: float = field(default=30.0, kw_only=True)
    attempts: int = field(default=3, kw_only=True)

    @abstractmethod
    def fetch(self) -> Answer:
        """One token request; the whole answer."""

    @abstractmethod
    def granted(self, answer: Answer) -> bool:
        """Whether a fetch's answer is a token."""

    @abstractmethod
    def limited(self, answer: Answer) -> bool:
        """Whether a fetch's answer asks to wait: a limit was reached."""

    def fetch_with_backoff(self) -> Answer:
        for attempt in range(self.attempts):
            answer = self.fetch()
            if not self.limited(answer) or attempt + 1 == self.attempts:
                break
            self.sleep(self.backoff * 2**attempt)
        if not self.granted(answer):
            raise RuntimeError(f"token fetch refused: {answer}")
        return answer


class RetryingAtOnce(BackingOff):
    """The mistake of retrying a refused fetch at once, hammering the limit that refused it."""

    def fetch_with_backoff(self) -> Answer:
        for _ in range(self.attempts):
            answer = self.fetch()
            if self.granted(answer):
                return answer
        raise RuntimeError(f"token fetch refused: {answer}")
