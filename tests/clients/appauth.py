"""Sample appauth clients: one well-behaved token manager, and the classic mistakes."""

from __future__ import annotations

from dataclasses import dataclass, field

from .cache import Answer, BackingOff, FetchingPerCall, IgnoringExpiry, RetryingAtOnce

TOKEN = "/auth/getAccessToken"
HELLO = "/auth/hello"
OK = 200
TOKEN_INVALID = 401
RATE_LIMITED = 429


@dataclass(eq=False)
class TokenManager(BackingOff):
    """The documented way: one central cache, one fetch at a time, the answer's expiresIn as the truth.

    It refreshes in the last `refresh_fraction` of the token's life; the platform answers that
    fetch with the same token, so the manager keeps it until it expires and fetches after that.
    A 401 from /auth/hello drops the token and fetches a new one; a 429 waits before trying
    again, twice as long each time.
    """

    INVALID = TOKEN_INVALID

    app_id: str
    app_secret: str = field(repr=False)
    refresh_fraction: float = field(default=0.1, kw_only=True)

    def placement(self) -> tuple[dict[str, str], dict[str, str]]:
        """Where the credentials go: the query (as documented) and the headers."""
        return {"appId": self.app_id, "appSecret": self.app_secret}, {}

    def fetch(self) -> Answer:
        """One request to /auth/getAccessToken; the whole answer."""
        query, headers = self.placement()
        answer: Answer = self.http.get(self.base_url + TOKEN, params=query, headers=headers).json()
        return answer

    def granted(self, answer: Answer) -> bool:
        return bool(answer["code"] == OK)

    def limited(self, answer: Answer) -> bool:
        return bool(answer["code"] == RATE_LIMITED)

    def fetch_token(self) -> tuple[str, float]:
        result = self.fetch_with_backoff()["result"]
        return result["accessToken"], result["expiresIn"]

    def refresh_at(self, token: str, lifetime: float) -> float:
        """In the last `refresh_fraction` of its life; at its end when the platform answered it again."""
        expires = self.now() + lifetime
        return expires if token == self._token else expires - self.refresh_fraction * lifetime

    def call(self) -> Answer:
        """The validity test as a business call; on 401, refresh once and retry (the passive refresh)."""
        return self.with_refresh(
            lambda access: self.http.get(self.base_url + HELLO, params={"accessToken": access}).json()
        )


class FetchPerCall(FetchingPerCall, TokenManager):
    """Fetches the token again for every call: wastes the fetch limit on the same token."""


class IgnoresExpiry(IgnoringExpiry, TokenManager):
    """Fetches once and keeps the token forever, whatever expiresIn and /auth/hello say."""


class RetriesAtOnce(RetryingAtOnce, TokenManager):
    """Retries a refused fetch immediately, hammering the platform's frequency limit."""


class SecretInHeader(TokenManager):
    """Keeps the appSecret out of the URL by sending it as a header: the platform reads the query only."""

    def placement(self) -> tuple[dict[str, str], dict[str, str]]:
        return {"appId": self.app_id}, {"appSecret": self.app_secret}


class CredentialsInHeaders(TokenManager):
    """Sends appId and appSecret as headers: the platform sees neither."""

    def placement(self) -> tuple[dict[str, str], dict[str, str]]:
        return {}, {"appId": self.app_id, "appSecret": self.app_secret}
