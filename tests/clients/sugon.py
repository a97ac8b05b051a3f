"""Sample Sugon / SCNet AC clients: one well-behaved token manager, and the classic mistakes."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from .cache import Answer, Client, send_with_refresh

TOKENS = "/ac/openapi/v2/tokens"
RENEW = "/ac/openapi/v2/tokens/next"
STATE = "/ac/openapi/v2/tokens/state"
CENTER = "/ac/openapi/v2/center"
USER = "/ac/openapi/v2/user"
PLATFORM = "0"
#: "token expired, renew" as clients read it.
EXPIRED = "10008"
#: A token expired for longer than this can no longer be renewed [doc: 24小时].
RENEW_WINDOW = 24 * 3600


def expires_at(token: str) -> float:
    """The token's `expireTime` claim (milliseconds, a string) in seconds; read, not verified."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return int(claims["expireTime"]) / 1000


@dataclass(eq=False)
class TokenManager(Client):
    """The documented way: one cache for all callers, one login or renewal at a time.

    A token is renewed before it expires (or when a call answers 10008); once it has been
    expired for more than 24 hours, or when a renewal is refused, the manager logs in again.
    """

    user: str
    password: str = field(repr=False)
    org_id: str
    margin: float = field(default=3600, kw_only=True)
    _tokens: dict[str, str | None] = field(default_factory=dict, init=False, repr=False)
    logins: int = field(default=0, init=False)
    renewals: int = field(default=0, init=False)

    def login_headers(self) -> dict[str, str]:
        return {"user": self.user, "password": self.password, "orgId": self.org_id}

    def _login(self) -> None:
        answer = self.http.post(self.base_url + TOKENS, headers=self.login_headers()).json()
        if answer["code"] != "0":
            raise RuntimeError(f"login refused: {answer}")
        self._tokens = {item["clusterId"]: item["token"] for item in answer["data"]}
        self.logins += 1

    def _renew(self, cluster_id: str, token: str) -> bool:
        answer = self.http.post(self.base_url + RENEW, headers={"token": token}).json()
        if answer["code"] != "0":
            return False
        self._tokens[cluster_id] = answer["data"]
        self.renewals += 1
        return True

    def _refresh(self, cluster_id: str, token: str) -> None:
        """Renew while the window allows it; log in again when it has passed or renewal is refused."""
        if self.now() > expires_at(token) + RENEW_WINDOW or not self._renew(cluster_id, token):
            self._login()

    def _cached(self, cluster_id: str) -> str:
        token = self._tokens.get(cluster_id)
        if token is None:
            raise LookupError(f"no token for region {cluster_id}: suspended there, or not the user's")
        return token

    def token(self, cluster_id: str = PLATFORM, stale: str | None = None) -> str:
        with self._lock:
            if not self._tokens:
                self._login()
            token = self._cached(cluster_id)
            if token == stale or self.now() >= expires_at(token) - self.margin:
                self._refresh(cluster_id, token)
                token = self._cached(cluster_id)
            return token

    def request(self, method: str, path: str, token: str) -> Answer:
        answer: Answer = self.http.request(method, self.base_url + path, headers={"token": token}).json()
        return answer

    def call(self, method: str, path: str, cluster_id: str = PLATFORM) -> Answer:
        """A token-bearing call; on 10008, refresh once and retry (the passive refresh)."""
        return send_with_refresh(
            lambda stale: self.token(cluster_id, stale),
            lambda token: self.request(method, path, token),
            EXPIRED,
        )

    def data(self, path: str, cluster_id: str) -> Any:
        """A GET call's `data`; a refusal is an error."""
        answer = self.call("GET", path, cluster_id)
        if answer["code"] != "0":
            raise RuntimeError(f"{path} refused: {answer}")
        return answer["data"]

    def regions(self) -> list[str]:
        """The token list's clusterIds, in its order; the first is the region public clients
        use unless told otherwise."""
        with self._lock:
            if not self._tokens:
                self._login()
            return list(self._tokens)

    def home(self, cluster_id: str) -> str:
        """The user's home folder in a region, where clients find it: the center's clusterUserInfo."""
        return str(self.data(CENTER, cluster_id)["clusterUserInfo"]["homePath"])

    def services(self, cluster_id: str) -> dict[str, str]:
        """The first enabled URL of each center list (`enable` compared with "true", as clients do)."""
        center = self.data(CENTER, cluster_id)
        return {
            name: next(entry["url"] for entry in entries if entry["enable"] == "true")
            for name, entries in center.items()
            if name.endswith("Urls")
        }

    def account(self, cluster_id: str = PLATFORM) -> dict[str, str]:
        """The user's account (status, balance): any of its tokens may ask, as clients do with each."""
        found: dict[str, str] = self.data(USER, cluster_id)
        return found


class LoginPerCall(TokenManager):
    """Logs in for every call, though the last login's tokens live 24 hours."""

    def token(self, cluster_id: str = PLATFORM, stale: str | None = None) -> str:
        with self._lock:
            self._login()
            return self._cached(cluster_id)


class RenewsForever(TokenManager):
    """Renews however long ago the token expired, and logs in only when the renewal is refused."""

    def _refresh(self, cluster_id: str, token: str) -> None:
        if not self._renew(cluster_id, token):
            self._login()


class RetriesAtOnce(TokenManager):
    """Tries a refused renewal again at once, twice, before logging in."""

    def _renew(self, cluster_id: str, token: str) -> bool:
        tries = (super(RetriesAtOnce, self)._renew(cluster_id, token) for _ in range(3))
        return any(tries)


class IgnoresExpiry(TokenManager):
    """Logs in once and keeps its tokens forever, whatever the platform answers."""

    def token(self, cluster_id: str = PLATFORM, stale: str | None = None) -> str:
        with self._lock:
            if not self._tokens:
                self._login()
            return self._cached(cluster_id)

    def call(self, method: str, path: str, cluster_id: str = PLATFORM) -> Answer:
        return self.request(method, path, self.token(cluster_id))


class NoOrgId(TokenManager):
    """Leaves out the orgId header, as if the user and password were enough."""

    def login_headers(self) -> dict[str, str]:
        return {"user": self.user, "password": self.password}
