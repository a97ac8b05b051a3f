"""Sample iTrigger clients: one well-behaved token manager, and the classic mistakes."""

from __future__ import annotations

from typing import Any

from . import base
from .base import CachedToken

TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
GET_API = "/itrigger-tenant/v1/basic/openAPItest/test/get"
POST_API = "/itrigger-tenant/v1/basic/openAPItest/test/post"
TOKEN_INVALID = 401


class TokenManager(CachedToken):
    """The documented way: one central cache, refreshed before expiry and on 401, one fetch at a time."""

    invalid = TOKEN_INVALID

    def fetch(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.http.get(
            self.base_url + TOKEN, params={"appId": self.client_id, "appSecret": self.secret}
        ).json()
        return answer

    def read(self, answer: dict[str, Any]) -> str:
        token: str = answer["data"]["accessToken"]
        return token

    def call(self, method: str, api: str, **params: Any) -> Any:
        """A business call; on an invalid token, refresh once and retry (the passive refresh)."""
        if method == "GET":
            return self.retrying(
                lambda access: self.http.get(
                    self.base_url + api, params={"accessToken": access, **params}
                ).json()
            )
        return self.retrying(
            lambda access: self.http.post(
                self.base_url + api, params={"accessToken": access}, json=params
            ).json()
        )


class FetchPerCall(base.FetchPerCall, TokenManager):
    """Fetches a new token for every call: burns the tenant's daily limit."""


class IgnoresExpiry(base.IgnoresExpiry, TokenManager):
    """Fetches once and keeps the token forever, whatever the gateway says."""

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
            answer = self.fetch()
            if answer["code"] == 200:
                return self.read(answer)
        raise RuntimeError(f"token fetch refused: {answer}")
