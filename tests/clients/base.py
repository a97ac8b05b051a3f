"""What the sample token managers share: one cached token for all callers, one fetch at a time,
refreshed before it expires and once when a call says it is invalid."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

import requests


class CachedToken:
    """A token manager's cache; a provider's manager says how to fetch a token and what a call is."""

    #: The token's lifetime in seconds, as the documentation gives it.
    lifetime: ClassVar[float] = 7200
    #: The envelope code of a call whose token is invalid.
    invalid: ClassVar[Any]

    def __init__(
        self,
        base_url: str,
        client_id: str,
        secret: str,
        now: Callable[[], float] = time.time,
        margin: float = 600,
    ) -> None:
        self.base_url, self.client_id, self.secret = base_url, client_id, secret
        self.now, self.margin = now, margin
        self.http = requests.Session()
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0
        self.fetches = 0

    def fetch(self) -> dict[str, Any]:
        """One token request; the whole answer."""
        raise NotImplementedError

    def read(self, answer: dict[str, Any]) -> str:
        """The token in an accepted fetch's answer."""
        raise NotImplementedError

    def token(self, stale: str | None = None) -> str:
        with self._lock:
            if self._token is None or self._token == stale or self.now() >= self._expires - self.margin:
                answer = self.fetch()
                if answer["code"] != 200:
                    raise RuntimeError(f"token fetch refused: {answer}")
                self._token, self._expires = self.read(answer), self.now() + self.lifetime
                self.fetches += 1
            return self._token

    def retrying(self, send: Callable[[str], Any]) -> Any:
        """`send` with the token; on an invalid token, refresh once and send again (the passive refresh)."""
        for _ in range(2):
            access = self.token()
            answer = send(access)
            if answer["code"] != self.invalid:
                return answer
            self.token(stale=access)
        return answer


class FetchPerCall(CachedToken):
    """Fetches a new token for every call."""

    def token(self, stale: str | None = None) -> str:
        self._token = None
        return super().token(stale)


class IgnoresExpiry(CachedToken):
    """Fetches once and keeps the token forever, whatever the provider answers."""

    def token(self, stale: str | None = None) -> str:
        with self._lock:
            if self._token is None:
                self._token = self.read(self.fetch())
            return self._token
