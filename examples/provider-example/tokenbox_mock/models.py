"""TokenBox's rules: clients, and one token per client that lives `token_lifetime` seconds.

The lifecycle rule: a fetch while the client's token lives answers that same token, with
the seconds it has left; once it has expired, a fetch issues a new one.

Store layout (all under `tokenbox:`):
  client:<clientId>    {"client_id", "client_secret"}
  current:<clientId>   the client's token {"token", "expires_at"}, kept until it expires
"""

from __future__ import annotations

import hmac
import math
import secrets
from collections.abc import Iterator
from typing import Any

from pydantic import Field

from provider_mocks.core.audit import note
from provider_mocks.core.errors import ProviderError
from provider_mocks.core.provider import ProviderConfig, ProviderModel, Records, Strict, as_configured

from . import errors

TOKEN_PATH = "/tokenbox/token"


class Settings(Strict):
    token_lifetime: int = Field(default=7200, gt=0, description="seconds a token lives")


class Client(Strict):
    client_id: str = Field(default_factory=lambda: "tb-" + secrets.token_hex(8), min_length=1)
    client_secret: str = Field(default_factory=lambda: secrets.token_hex(16), min_length=1)

    def shown(self) -> dict[str, Any]:
        return {"clientId": self.client_id, "clientSecret": self.client_secret}


class Token(Strict):
    """A client's token, as `current:<clientId>` keeps it."""

    token: str
    expires_at: float


class TokenBoxConfig(ProviderConfig):
    settings: Settings = Settings()
    clients: list[Client] = Field(default_factory=list)


#: The demo client, the same on every start.
DEMO = {"demo": (Client(client_id="tb-demo", client_secret="tb-demo-secret"), "a client in good standing")}


class TokenBoxModel(ProviderModel[TokenBoxConfig]):
    slug = "tokenbox"
    MESSAGES = errors.MESSAGES

    _clients = Records("client", Client)
    _current = Records("current", Token)

    def seed(self) -> None:
        for client in self.seeded(DEMO.values(), self.config.clients):
            self._clients.put(client.client_id, client)

    def demo_entries(self) -> Iterator[tuple[str, Client, str]]:
        return as_configured(DEMO, self.config.clients, "client_id")

    def fresh_credentials(self) -> dict[str, Any]:
        client = Client()
        self._clients.put(client.client_id, client)
        return client.shown()

    def token(self, client_id: str, client_secret: str) -> dict[str, Any]:
        """The client's live token, or a new one once it has expired."""
        note(kind="fetch", credential=client_id or None)
        client = self._clients.find(client_id) if client_id else None
        if client is None or not hmac.compare_digest(client.client_secret.encode(), client_secret.encode()):
            raise ProviderError(errors.INVALID_CLIENT)
        now = self.clock.time()
        expires_at = now + self.config.settings.token_lifetime
        fresh = Token(token=secrets.token_hex(16), expires_at=expires_at)

        def keep_or_issue(held: Token | None) -> Token:
            return held if held is not None and now < held.expires_at else fresh

        _, live = self._current.swap(client_id, keep_or_issue, expires_at=expires_at)
        note(token=live.token, expires=live.expires_at)
        return {"access_token": live.token, "expires_in": math.ceil(live.expires_at - now)}

    def live_tokens(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Each client's live token, as the kit lists tokens kept at `current:<clientId>`."""
        return self.current_tokens(self._current, "token", limit)
