"""Sample Feishu clients: one well-behaved token manager, and the classic mistakes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .cache import Answer, FetchingPerCall, IgnoringExpiry, TokenCache

TOKEN = "/open-apis/auth/v3/tenant_access_token/internal"
BOT_INFO = "/open-apis/bot/v3/info"
#: A tenant token unknown or expired [public].
TOKEN_INVALID = 99991663
FREQUENCY = 99991400
LIFETIME = 7200


@dataclass(eq=False)
class TokenManager(TokenCache):
    """As the official SDKs do it: one cached tenant token, fetched again `margin` seconds before
    its `expire` is up (the Python SDK's 10 minutes, inside the platform's 30-minute renewal
    window, so a new token comes back), and on 99991663; one fetch at a time."""

    INVALID = TOKEN_INVALID

    app_id: str
    app_secret: str = field(repr=False)
    margin: float = field(default=600, kw_only=True)

    def fetch_token(self) -> tuple[str, float]:
        body = {"app_id": self.app_id, "app_secret": self.app_secret}
        answer = self.http.post(self.base_url + TOKEN, json=body).json()
        if answer["code"] != 0:
            raise RuntimeError(f"token fetch refused: {answer}")
        return answer["tenant_access_token"], answer["expire"]

    def refresh_at(self, token: str, lifetime: float) -> float:
        return self.now() + lifetime - self.margin

    def send(self, access: str) -> Answer:
        answer: Answer = self.http.get(
            self.base_url + BOT_INFO, headers={"Authorization": f"Bearer {access}"}
        ).json()
        return answer

    def call(self) -> Answer:
        """Get bot info; on 99991663, refresh once and retry (the passive refresh)."""
        return self.with_refresh(self.send)


class FetchPerCall(FetchingPerCall, TokenManager):
    """Fetches a token for every call: the same token comes back while 30 minutes are left."""


class IgnoresExpiry(IgnoringExpiry, TokenManager):
    """Fetches once and keeps the token forever, whatever the gateway answers."""


@dataclass(eq=False)
class RefreshesAnHourEarly(TokenManager):
    """Refreshes with an hour left, before the renewal window: the fetch changes nothing."""

    margin: float = field(default=3600, kw_only=True)


class RetriesAtOnce(TokenManager):
    """Sends a call refused for its frequency again at once, not after `x-ogw-ratelimit-reset`."""

    def send(self, access: str) -> Answer:
        answer = super().send(access)
        if answer["code"] == FREQUENCY:
            answer = super().send(access)
        return answer


class WaitsTheReset(TokenManager):
    """Waits the seconds `x-ogw-ratelimit-reset` names before it sends a refused call again."""

    sleep = staticmethod(time.sleep)

    def send(self, access: str) -> Answer:
        headers = {"Authorization": f"Bearer {access}"}
        answer = self.http.get(self.base_url + BOT_INFO, headers=headers)
        if answer.json()["code"] == FREQUENCY:
            self.sleep(int(answer.headers["x-ogw-ratelimit-reset"]))
            return super().send(access)
        found: Answer = answer.json()
        return found
