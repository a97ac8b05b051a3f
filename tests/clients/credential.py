"""Sample clients of the credential platform: one well-behaved token manager, and the classic mistakes."""

from __future__ import annotations

import uuid
from typing import Any

from . import base
from .base import CachedToken

TOKEN = "/openapi/auth/credential"
ECHO = "/openapi/demo/echo"
TOKEN_INVALID = 10134


class TokenManager(CachedToken):
    """The documented way: form parameters, a unique Request-Id per call, one cached token
    refreshed before its 2 hours are up and on 10134, one fetch at a time."""

    invalid = TOKEN_INVALID

    def fetch(self) -> dict[str, Any]:
        """The token request: form parameters in the query string (非Json格式入参)."""
        answer: dict[str, Any] = self.http.post(
            self.base_url + TOKEN,
            params={"clientId": self.client_id, "secret": self.secret, "userType": "2"},
        ).json()
        return answer

    def read(self, answer: dict[str, Any]) -> str:
        token: str = answer["data"]
        return token

    def request_id(self) -> str:
        return uuid.uuid4().hex

    def headers(self, access: str) -> dict[str, str]:
        return {"Access-Token": access, "Request-Id": self.request_id()}

    def call(self, api: str = ECHO, **params: Any) -> Any:
        """A business call; on 10134, refresh once and retry (the token may have expired early)."""
        return self.retrying(
            lambda access: self.http.post(
                self.base_url + api, headers=self.headers(access), json=params
            ).json()
        )


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


class FetchPerCall(base.FetchPerCall, TokenManager):
    """Fetches a new token for every call."""


class IgnoresExpiry(base.IgnoresExpiry, TokenManager):
    """Fetches once and keeps the token forever, whatever the platform answers."""

    def call(self, api: str = ECHO, **params: Any) -> Any:
        return self.http.post(self.base_url + api, headers=self.headers(self.token()), json=params).json()
