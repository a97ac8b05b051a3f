"""Sample appauth clients: one well-behaved token manager, and the classic mistakes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests

TOKEN = "/auth/getAccessToken"
HELLO = "/auth/hello"
OK = 200
TOKEN_INVALID = 401
RATE_LIMITED = 429


class TokenManager:
    """The documented way: one central cache, one fetch at a time, the answer's expiresIn as the truth.

    It refreshes in the last `refresh_fraction` of the token's life; the platform answers that
    fetch with the same token, so the manager keeps it until it expires and fetches after that.
    A 401 from /auth/hello drops the token and fetches a new one; a 429 waits before trying
    again, twice as long each time.
    """

    def __init__(
        self,
        base_url: str,
        app_id: str,
        app_secret: str,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        refresh_fraction: float = 0.1,
        backoff: float = 30.0,
        attempts: int = 3,
    ) -> None:
        self.base_url, self.app_id, self.app_secret = base_url, app_id, app_secret
        self.now, self.sleep = now, sleep
        self.refresh_fraction, self.backoff, self.attempts = refresh_fraction, backoff, attempts
        self.http = requests.Session()
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self.fetches = 0

    def fetch(self) -> dict[str, Any]:
        """One request to /auth/getAccessToken; the whole answer."""
        answer: dict[str, Any] = self.http.get(
            self.base_url + TOKEN, params={"appId": self.app_id, "appSecret": self.app_secret}
        ).json()
        return answer

    def fetch_with_backoff(self) -> dict[str, Any]:
        for attempt in range(self.attempts):
            answer = self.fetch()
            if answer["code"] != RATE_LIMITED or attempt + 1 == self.attempts:
                break
            self.sleep(self.backoff * 2**attempt)
        if answer["code"] != OK:
            raise RuntimeError(f"token fetch refused: {answer}")
        return answer

    def token(self, stale: str | None = None) -> str:
        with self._lock:
            if self._token is None or self._token == stale or self.now() >= self._refresh_at:
                result = self.fetch_with_backoff()["result"]
                left = result["expiresIn"]
                expires = self.now() + left
                same = result["accessToken"] == self._token
                self._refresh_at = expires if same else expires - self.refresh_fraction * left
                self._token = result["accessToken"]
                self.fetches += 1
            return self._token

    def call(self) -> dict[str, Any]:
        """The validity test as a business call; on 401, refresh once and retry (the passive refresh)."""
        for _ in range(2):
            access = self.token()
            answer: dict[str, Any] = self.http.get(
                self.base_url + HELLO, params={"accessToken": access}
            ).json()
            if answer["code"] != TOKEN_INVALID:
                return answer
            self.token(stale=access)
        return answer


class FetchPerCall(TokenManager):
    """Fetches the token again for every call: wastes the fetch limit on the same token."""

    def token(self, stale: str | None = None) -> str:
        with self._lock:
            self._token = None
        return super().token(stale)


class IgnoresExpiry(TokenManager):
    """Fetches once and keeps the token forever, whatever expiresIn and /auth/hello say."""

    def token(self, stale: str | None = None) -> str:
        with self._lock:
            if self._token is None:
                self._token = str(self.fetch()["result"]["accessToken"])
            return self._token

    def call(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.http.get(
            self.base_url + HELLO, params={"accessToken": self.token()}
        ).json()
        return answer


class RetriesAtOnce(TokenManager):
    """Retries a refused fetch immediately, hammering the platform's frequency limit."""

    def fetch_with_backoff(self) -> dict[str, Any]:
        for _ in range(self.attempts):
            answer = self.fetch()
            if answer["code"] == OK:
                return answer
        raise RuntimeError(f"token fetch refused: {answer}")


class SecretInHeader(TokenManager):
    """Keeps the appSecret out of the URL by sending it as a header: the platform reads the query only."""

    def fetch(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.http.get(
            self.base_url + TOKEN, params={"appId": self.app_id}, headers={"appSecret": self.app_secret}
        ).json()
        return answer


class CredentialsInHeaders(TokenManager):
    """Sends appId and appSecret as headers: the platform sees neither."""

    def fetch(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.http.get(
            self.base_url + TOKEN, headers={"appId": self.app_id, "appSecret": self.app_secret}
        ).json()
        return answer
