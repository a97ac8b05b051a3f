"""Sample clients of the credential platform: one well-behaved token manager, and the classic mistakes."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

TOKEN = "/openapi/auth/credential"
ECHO = "/openapi/demo/echo"
TOKEN_INVALID = 10134
LIFETIME = 7200


class TokenManager:
    """The documented way: form parameters, a unique Request-Id per call, one cached token
    refreshed before its 2 hours are up and on 10134, one fetch at a time."""

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
        """The token request: form parameters in the query string (非Json格式入参)."""
        answer: dict[str, Any] = self.http.post(
            self.base_url + TOKEN,
            params={"clientId": self.client_id, "secret": self.secret, "userType": "2"},
        ).json()
        return answer

    def token(self, stale: str | None = None) -> str:
        with self._lock:
            if self._token is None or self._token == stale or self.now() >= self._expires - self.margin:
                answer = self.fetch()
                if answer["code"] != 200:
                    raise RuntimeError(f"token fetch refused: {answer}")
                self._token, self._expires = answer["data"], self.now() + LIFETIME
                self.fetches += 1
            return self._token

    def request_id(self) -> str:
        return uuid.uuid4().hex

    def headers(self, access: str) -> dict[str, str]:
        return {"Access-Token": access, "Request-Id": self.request_id()}

    def call(self, api: str = ECHO, **params: Any) -> Any:
        """A business call; on 10134, refresh once and retry (the token may have expired early)."""
        for _ in range(2):
            access = self.token()
            answer = self.http.post(self.base_url + api, headers=self.headers(access), json=params).json()
            if answer["code"] != TOKEN_INVALID:
                return answer
            self.token(stale=access)
        return answer


class PostsJson(TokenManager):
    """Sends the token request's parameters as a JSON body, which the platform does not read."""

    def fetch(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.http.post(
            self.base_url + TOKEN,
            json={"clientId": self.client_id, "secret": self.secret, "userType": "2"},
        ).json()
        return answer


class NoRequestId(TokenManager):
    """Leaves out the Request-Id header."""

    def headers(self, access: str) -> dict[str, str]:
        return {"Access-Token": access}


class ReusesRequestId(TokenManager):
    """Sends the same Request-Id with every call."""

    def request_id(self) -> str:
        return "request-1"


class FetchPerCall(TokenManager):
    """Fetches a new token for every call."""

    def token(self, stale: str | None = None) -> str:
        self._token = None
        return super().token(stale)


class IgnoresExpiry(TokenManager):
    """Fetches once and keeps the token forever, whatever the platform answers."""

    def token(self, stale: str | None = None) -> str:
        with self._lock:
            if self._token is None:
                self._token = str(self.fetch()["data"])
            return self._token

    def call(self, api: str = ECHO, **params: Any) -> Any:
        return self.http.post(self.base_url + api, headers=self.headers(self.token()), json=params).json()
