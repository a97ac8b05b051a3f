"""Sample ATRIP clients: one well-behaved portal-link manager, and the classic mistakes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from .cache import Client

TOKEN = "/getAtripToken.do"
SUCCESS = 0
#: The portal url's lifetime (30 minutes) and what the portal answers once it is over.
LIFETIME = 1800
PORTAL_EXPIRED = 401

Key = tuple[str, str, str]


@dataclass(eq=False)
class PortalLinks(Client):
    """The documented way: portal urls cached per order, operator and role, one request at a time.

    Every documented header goes out (Accept: */*, which clients observe Atlas requires,
    Content-Type, Accept-Encoding: gzip and the client id and secret), the role in its
    current spelling, and the answer is judged by `status` alone. A url is asked for again
    shortly before its 30 minutes end, and at once when the portal says it has expired
    (HTTP 401).
    """

    client_id: str
    client_secret: str = field(repr=False)
    margin: float = field(default=120, kw_only=True)
    lifetime: float = field(default=LIFETIME, kw_only=True)
    _links: dict[Key, tuple[str, float]] = field(default_factory=dict, init=False, repr=False)
    fetches: int = field(default=0, init=False)

    def headers(self) -> dict[str, str | None]:
        return {
            "Accept": "*/*",
            "Content-Type": "application/json",
            "Accept-Encoding": "gzip",
            "x-atlas-client-id": self.client_id,
            "x-atlas-client-secret": self.client_secret,
        }

    def body(self, order: str, user: str, role: str) -> dict[str, str]:
        return {"orderNo": order, "userName": user, "role": role}

    def request_link(self, order: str, user: str, role: str) -> str:
        answer = self.http.post(
            self.base_url + TOKEN, json=self.body(order, user, role), headers=self.headers()
        ).json()
        if answer["status"] != SUCCESS:  # never msg: it is only a description
            raise RuntimeError(f"getAtripToken refused: {answer}")
        self.fetches += 1
        url: str = answer["url"]
        return url

    def link(self, order: str, user: str, role: str = "Customer service", stale: str | None = None) -> str:
        """A live portal url for the operator; `stale`: the portal refused it."""
        key = (order, user, role)
        with self._lock:
            url, expires = self._links.get(key, ("", 0.0))
            if not url or url == stale or self.now() >= expires - self.margin:
                url = self.request_link(order, user, role)
                self._links[key] = url, self.now() + self.lifetime
            return url

    def open(self, order: str, user: str, role: str = "Customer service") -> requests.Response:
        """The operator's portal page; an expired url is asked for again, once."""
        url = self.link(order, user, role)
        page = self.http.get(url)
        if page.status_code == PORTAL_EXPIRED:
            page = self.http.get(self.link(order, user, role, stale=url))
        return page


class BareHeaders(PortalLinks):
    """Sends only Content-Type and the credentials: no Accept, no Accept-Encoding (so no gzip)."""

    def headers(self) -> dict[str, str | None]:
        return {**super().headers(), "Accept": None, "Accept-Encoding": None}


class AcceptsJson(PortalLinks):
    """Sends Accept: application/json, which clients observe Atlas rejects."""

    def headers(self) -> dict[str, str | None]:
        return {**super().headers(), "Accept": "application/json"}


#: The older public docs' role spellings.
LEGACY: dict[str, str] = {
    "Customer service": "TICKETING",
    "Finance": "FINANCE",
    "Developer": "TECH",
    "Admin": "ADMIN",
}


class LegacyRoles(PortalLinks):
    """Written against the older public docs: TICKETING, FINANCE, TECH, ADMIN and an extra cid."""

    def body(self, order: str, user: str, role: str) -> dict[str, Any]:
        return {**super().body(order, user, LEGACY[role]), "cid": self.client_id}
