"""Sample WeCom clients: one well-behaved token manager, and the classic mistakes.

The documented way [public: docs 91039]: cache the token for the `expires_in` it was given,
fetch again only once it is up or a call answers 42001 (the platform may end a token early),
never per call ("不能频繁调用gettoken接口，否则会受到频率拦截").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .cache import Answer, FetchingPerCall, IgnoringExpiry, TokenCache, errcode

TOKEN = "/cgi-bin/gettoken"
DOMAIN_IP = "/cgi-bin/get_api_domain_ip"
TOKEN_EXPIRED = 42001
FREQUENCY = 45009
LIFETIME = 7200


@dataclass(eq=False)
class TokenManager(TokenCache):
    """One cached token per app, kept for the seconds the platform gave it, refreshed on 42001."""

    INVALID = TOKEN_EXPIRED

    corpid: str
    corpsecret: str = field(repr=False)

    def fetch(self) -> Answer:
        params = {"corpid": self.corpid, "corpsecret": self.corpsecret}
        answer: Answer = self.http.get(self.base_url + TOKEN, params=params).json()
        return answer

    def fetch_token(self) -> tuple[str, float]:
        answer = self.fetch()
        if answer["errcode"] != 0:
            raise RuntimeError(f"token fetch refused: {answer}")
        return answer["access_token"], answer["expires_in"]

    def refresh_at(self, token: str, lifetime: float) -> float:
        """When its seconds are up: a fetch before then answers the same token [public: docs]."""
        return self.now() + lifetime

    def code_of(self, answer: Answer) -> object:
        return errcode(answer)

    def call(self, api: str = DOMAIN_IP, **params: Any) -> Answer:
        def send(access: str) -> Answer:
            query = {"access_token": access, **params}
            answer: Answer = self.http.get(self.base_url + api, params=query).json()
            return answer

        return self.with_refresh(send)


class FetchPerCall(FetchingPerCall, TokenManager):
    """Fetches a token for every call: the same token again, and the corp's minute spent on it."""


class IgnoresExpiry(IgnoringExpiry, TokenManager):
    """Fetches once and keeps the token forever, whatever the platform answers."""


class RetriesAtOnce(TokenManager):
    """Sends a refused call again at once, 45009 or not (the block lasts 60 s)."""

    def call(self, api: str = DOMAIN_IP, **params: Any) -> Answer:
        answer = super().call(api, **params)
        if answer["errcode"] == FREQUENCY:
            answer = super().call(api, **params)
        return answer
