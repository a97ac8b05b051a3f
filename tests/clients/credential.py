"""Sample clients of the credential platform: one well-behaved token manager, and the classic mistakes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from .cache import Answer, FetchingPerCall, IgnoringExpiry, TokenCache

TOKEN = "/openapi/auth/credential"
ECHO = "/openapi/demo/echo"
TOKEN_INVALID = 10134
LIFETIME = 7200


@dataclass(eq=False)
class TokenManager(TokenCache):
    """The documented way: form parameters, a unique Request-Id per call, one cached token
    refreshed before its 2 hours are up and on 10134, one fetch at a time."""

    INVALID = TOKEN_INVALID

    client_id: str
    secret: str = field(repr=False)
    margin: float = field(default=600, kw_only=True)

    def form(self) -> dict[str, str]:
        return {"clientId": self.client_id, "secret": self.secret, "userType": "2"}

    def fetch(self) -> Answer:
        """The token request: form parameters in the query string (非Json格式入参)."""
        answer: Answer = self.http.post(self.base_url + TOKEN, params=self.form()).json()
        return answer

    def fetch_token(self) -> tuple[str, float]:
        answer = self.fetch()
        if answer["code"] != 200:
            raise RuntimeError(f"token fetch refused: {answer}")
        return answer["data"], LIFETIME

    def refresh_at(self, token: str, lifetime: float) -> float:
        """`margin` seconds before the token's lifetime is up."""
        return self.now() + lifetime - self.margin

    def request_id(self) -> str:
        return uuid.uuid4().hex

    def headers(self, access: str) -> dict[str, str]:
        return {"Access-Token": access, "Request-Id": self.request_id()}

    def call(self, api: str = ECHO, **params: Any) -> Answer:
        """A business call; on 10134, refresh once and retry (the token may have expired early)."""
        return self.with_refresh(
            lambda access: self.http.post(
                self.base_url + api, headers=self.headers(access), json=params
            ).json()
        )


class PostsJson(TokenManager):
    """Sends the token request's parameters as a JSON body, which the platform does not read."""

    def fetch(self) -> Answer:
        answer: Answer = self.http.post(self.base_url + TOKEN, json=self.form()).json()
        return answer


class NoRequestId(TokenManager):
    """Leaves out the Request-Id header."""

    def headers(self, access: str) -> dict[str, str]:
        return {"Access-Token": access}


class ReusesRequestId(TokenManager):
    """Sends the same Request-Id with every call."""

    def request_id(self) -> str:
        return "request-1"


class FetchPerCall(FetchingPerCall, TokenManager):
    """Fetches a new token for every call."""


class IgnoresExpiry(IgnoringExpiry, TokenManager):
    """Fetches once and keeps the token forever, whatever the platform answers."""
