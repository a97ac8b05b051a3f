"""Sample iTrigger clients: one well-behaved token manager, and the classic mistakes.

Written on its own, without the shared cache of the other samples: the docs' snippets load
this file alone as the reader's own client (tests/test_docs_snippets.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests

TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
GET_API = "/itrigger-tenant/v1/basic/openAPItest/test/get"
POST_API = "/itrigger-tenant/v1/basic/openAPItest/test/post"
TOKEN_INVALID = 401
LIFETIME = 7200


class TokenManager:
    """The documented way: one central cache, refreshed before expiry and on 401, one fetch at a time."""

    def __init__(
        self,
        base_url: str,
        app_id: str,
        app_secret: str,
        now: Callable[[], float] = time.time,
        margin: float = 600,
    ) -> None:
        self.base_url, self.app_id, self.app_secret = base_url, app_id, app_secret
        self.now, self.margin = now, margin
        self.http = requests.Session()
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0
        self.fetches = 0

    def token(self, stale: str | None = None) -> str:
        with self._lock:
            if self._token is None or self._token == stale or self.now() >= self._expires - self.margin:
                answer = self.http.get(
                    self.base_url + TOKEN, params={"appId": self.app_id, "appSecret": self.app_secret}
                ).json()
                if answer["code"] != 200:
                    raise RuntimeError(f"token fetch refused: {answer}")
                self._token, self._expires = answer["data"]["accessToken"], self.now() + LIFETIME
                self.fetches += 1
            return self._token

    def call(self, method: str, api: str, **params: Any) -> Any:
        """A business call; on an invalid token, refresh once and retry (the passive refresh)."""
        for _ in range(2):
            access = self.token()
            if method == "GET":
                answer = self.http.get(self.base_url + api, params={"accessToken": access, **params}).json()
            else:
                answer = self.http.post(
                    self.base_url + api, params={"accessToken": access}, json=params
                ).json()
            if answer["code"] != TOKEN_INVALID:
                return answer
            self.token(stale=access)
        return answer


class FetchPerCall(TokenManager):
    """Fetches a new token for every call: burns the tenant's daily limit."""

    def token(self, stale: str | None = None) -> str:
        self._token = None
        return super().token(stale)


class IgnoresExpiry(TokenManager):
    """Fetches once and keeps the token forever, whatever the gateway says."""

    def token(self, stale: str | None = None) -> str:
        with self._lock:
            if self._token is None:
                answer = self.http.get(
                    self.base_url + TOKEN, params={"appId": self.app_id, "appSecret": self.app_secret}
                ).json()
                self._token = answer["data"]["accessToken"]
            return self._token

    def call(self, method: str, api: str, **params: Any) -> Any:
        return self.http.get(self.base_url + api, params={"accessToken": self.token(), **params}).json()


class QueryParamsOnPost(TokenManager):
    """Puts a POST's business parameters in the query, where the gateway ignores them."""

    def call(self, method: str, api: str, **params: Any) -> Any:
        return self.http.post(
            self.base_url + api, params={"accessToken": self.token(), **params}, json={}
        ).json()


class RetriesAtOnce(TokenManager):
    """Retries a refused fetch immediately, hammering the gateway."""

    def token(self, stale: str | None = None) -> str:
        for _ in range(3):
            answer = self.http.get(
                self.base_url + TOKEN, params={"appId": self.app_id, "appSecret": self.app_secret}
            ).json()
            if answer["code"] == 200:
                token: str = answer["data"]["accessToken"]
                return token
        raise RuntimeError(f"token fetch refused: {answer}")
