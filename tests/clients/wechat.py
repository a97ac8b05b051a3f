"""Sample WeChat clients: one well-behaved token manager, and the classic mistakes."""

from __future__ import annotations

from dataclasses import dataclass, field

from .cache import Answer, BackingOff, FetchingPerCall, IgnoringExpiry, RetryingAtOnce, errcode

TOKEN = "/cgi-bin/token"
CALL = "/cgi-bin/get_api_domain_ip"
#: The codes that say the token sent no longer works, as WxJava and wechatpy list them [public: clients].
INVALID = (40001, 40014, 42001)
#: What the manager reads any of them as.
TOKEN_REFUSED = "token refused"
#: The codes that ask to wait: the day's and the minute's quota.
LIMITED = (45009, 45011)
LIFETIME = 7200
#: What get_api_domain_ip answers on the mock.
API_DOMAIN_IPS = ["101.89.47.18", "101.91.34.103"]


@dataclass(eq=False)
class TokenManager(BackingOff):
    """The documented way, a central server ("中控服务器"): one token for every caller, fetched one
    at a time, refreshed `margin` seconds before its expires_in is up ("中控服务器需要根据这个有效
    时间提前去刷新") and when a call answers 40001, 40014 or 42001 ("被动刷新"). A fetch refused
    for a quota (45009, 45011) waits before it tries again, twice as long each time."""

    INVALID = TOKEN_REFUSED

    appid: str
    secret: str = field(repr=False)
    margin: float = field(default=600, kw_only=True)
    backoff: float = field(default=60.0, kw_only=True)

    def fetch(self) -> Answer:
        """One GET of cgi-bin/token; the whole answer."""
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        answer: Answer = self.http.get(self.base_url + TOKEN, params=params).json()
        return answer

    def granted(self, answer: Answer) -> bool:
        return "access_token" in answer  # a success carries no errcode

    def limited(self, answer: Answer) -> bool:
        return errcode(answer) in LIMITED

    def fetch_token(self) -> tuple[str, float]:
        answer = self.fetch_with_backoff()
        return answer["access_token"], answer["expires_in"]

    def refresh_at(self, token: str, lifetime: float) -> float:
        """`margin` seconds before the token's lifetime is up."""
        return self.now() + lifetime - self.margin

    def code_of(self, answer: Answer) -> object:
        """Its errcode, 40001, 40014 and 42001 alike as the one that says the token no longer works."""
        found = errcode(answer)
        return self.INVALID if found in INVALID else found

    def call(self) -> Answer:
        """The business call; refused for its token, refresh once and retry (the passive refresh)."""
        return self.with_refresh(
            lambda access: self.http.get(self.base_url + CALL, params={"access_token": access}).json()
        )


class FetchPerCall(FetchingPerCall, TokenManager):
    """Fetches a new token for every call: each replaces the last, and the day's 2000 go fast."""


class IgnoresExpiry(IgnoringExpiry, TokenManager):
    """Fetches once and keeps the token forever, whatever expires_in and the calls answer."""


class RetriesAtOnce(RetryingAtOnce, TokenManager):
    """Retries a fetch refused for a quota at once, which the quota refuses again."""
