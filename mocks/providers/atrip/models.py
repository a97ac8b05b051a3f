"""ATRIP's rules: clients, the token request, its checks and the portal sessions.

Store layout (all under `atrip:`):
  client:<clientId>     {"client_id", "client_secret", "name", "orders"}  (Client; orders null: any order)
  session:<token>       {"token", "client_id", "client_name", "order_no", "user_name", "role",
                         "role_sent", "cid", "issued_at", "expires_at"} (Session), expiring at expires_at
  trace:...             the ring of the last `token_trace` sessions (see ProviderModel.trace):
                        a session older than those is forgotten, so load leaves memory bounded

A request is checked in this order; the first problem found is the answer:
  1. x-atlas-client-id / x-atlas-client-secret: missing, unknown or wrong → status 3
  2. the required headers (settings.required_headers) and a JSON Content-Type → status 2;
     with settings.strict_accept, an Accept sent other than */* → status 2 in an HTTP 406
  3. the body: a JSON object, then orderNo, userName, role (present, strings, valid), cid → status 2
  4. a client with its own orders and an orderNo not among them → status 3
Credentials come first, as a gateway authenticates before it reads the body; the order
check comes last, because a malformed body names no order to judge.
"""

from __future__ import annotations

import hmac
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from ...core.audit import note
from ...core.demo import drawn
from ...core.errors import ProviderError
from ...core.provider import ProviderConfig, ProviderModel, Records, Strict, as_configured
from . import errors

TOKEN_PATH = "/getAtripToken.do"
PORTAL_PREFIX = "/atrip-portal"
PORTAL_PATH = PORTAL_PREFIX + "/login"

CLIENT_ID_HEADER = "x-atlas-client-id"
CLIENT_SECRET_HEADER = "x-atlas-client-secret"
#: The only Accept third-party clients say Atlas takes: it rejects `application/json`
#: [public, observed by clients; not in the ATRIP Token page].
ANY_MEDIA = "*/*"

#: The body's fields, in the documented order [doc].
FIELDS = ("orderNo", "userName", "role")
#: The older public docs' extra body field [public]; optional, a string when sent.
LEGACY_FIELD = "cid"

#: The documented roles and the access each grants [doc], shown on the portal page.
ROLES: dict[str, str] = {
    "Customer service": "Access to manage orders and request post ticketing services",
    "Finance": "Access to manage the balance and check statements",
    "Developer": "Access to manage the system configurations",
    "Admin": "Full access",
}
#: The older public docs' spellings [public], each mapped to its current role [decided].
LEGACY_ROLES: dict[str, str] = {
    "TICKETING": "Customer service",
    "FINANCE": "Finance",
    "TECH": "Developer",
    "ADMIN": "Admin",
}

#: A well-formed orderNo [decided]: 1 to 64 ASCII letters, digits, '-' or '_'.
ORDER_NO = re.compile(r"[A-Za-z0-9_-]{1,64}")
OrderNo = Annotated[str, StringConstraints(pattern=f"^{ORDER_NO.pattern}$")]
#: Client ids and secrets travel in headers: visible ASCII only.
HeaderValue = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]+$")]
HeaderName = Literal["Accept", "Accept-Encoding", "Content-Type"]


def accept_not_any(sent: Mapping[str, str]) -> str | None:
    """The Accept sent (`sent`: names in lower case) unless it is */*; a missing or blank one is
    None too, as `required_headers` alone judges a missing header."""
    accept = sent.get("accept", "").strip()
    return None if accept in ("", ANY_MEDIA) else accept


class Settings(Strict):
    """The [decided] knobs."""

    portal_token_lifetime: int = Field(default=1800, gt=0, description="seconds a portal url works")
    required_headers: list[HeaderName] = Field(
        default_factory=lambda: list[HeaderName](["Content-Type"]),
        description="documented headers whose absence answers status 2 (Content-Type must also be JSON)",
    )
    legacy_roles: bool = Field(default=True, description="accept TICKETING, FINANCE, TECH, ADMIN")
    gzip: bool = Field(default=True, description="gzip answers when the client accepts gzip")
    strict_accept: bool = Field(
        default=False,
        description="an Accept sent other than */* answers status 2 in an HTTP 406, as clients observe "
        "Atlas does (a missing Accept: required_headers)",
    )
    portal_base_url: str | None = Field(
        default=None, description="where the portal url points; default: the host the client called"
    )

    @field_validator("portal_base_url")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError(f"give an absolute http(s) URL without query, not {value!r}")
        return None if value is None else value.rstrip("/")


class Client(Strict):
    client_id: HeaderValue = Field(default_factory=lambda: uuid.uuid4().hex[:16])
    client_secret: HeaderValue = Field(default_factory=lambda: uuid.uuid4().hex)
    name: str = ""
    #: None: any well-formed orderNo; a list: only these (any other → status 3).
    orders: list[OrderNo] | None = None

    def shown(self) -> dict[str, Any]:
        return {
            CLIENT_ID_HEADER: self.client_id,
            CLIENT_SECRET_HEADER: self.client_secret,
            "orders": "any" if self.orders is None else ",".join(self.orders),
        }


class Session(Strict):
    """A portal session: stored under `session:<token>`, in the trace."""

    token: str
    client_id: str
    client_name: str
    order_no: str
    user_name: str
    #: The documented role, and the spelling the request sent.
    role: str
    role_sent: str
    #: The older docs' field, None when not sent.
    cid: str | None
    issued_at: float
    expires_at: float


class ClientChange(Strict, defer_build=True):
    client_secret: HeaderValue | None = None
    name: str | None = None
    #: null: any order again.
    orders: list[OrderNo] | None = None


class AtripConfig(ProviderConfig):
    settings: Settings = Settings()
    clients: list[Client] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> AtripConfig:
        ids = [client.client_id for client in self.clients]
        if doubled := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"client ids configured twice: {', '.join(doubled)}")
        for key, text in self.messages.items():
            default = errors.MESSAGES.get(int(key) if key.isdigit() else key)
            if default is None:
                known = ", ".join(str(k) for k in errors.MESSAGES)
                raise ValueError(f"messages: unknown key {key!r}; known: {known}")
            try:
                used = errors.placeholders(text)
            except ValueError as exc:
                raise ValueError(f"messages.{key}: {exc}") from exc
            if not used <= errors.placeholders(default):
                allowed = ", ".join(f"{{{p}}}" for p in sorted(errors.placeholders(default))) or "none"
                raise ValueError(f"messages.{key}: placeholders allowed: {allowed}")
        return self


@drawn("atrip")
def demo_set(fake: Any) -> dict[str, tuple[Client, str]]:
    """The demo clients: one takes any order, one its own orders only."""

    def client(**extra: Any) -> Client:
        return Client(
            client_id=fake.hexify("^" * 16),
            client_secret=fake.hexify("^" * 32),
            name=fake.company(),
            **extra,
        )

    orders = [fake.numerify("TK##########"), fake.numerify("TK##########"), fake.numerify("BG##########")]
    return {
        "demo": (client(), "accepts any well-formed orderNo"),
        "orders": (
            client(orders=orders),
            "its own orders only (TK: ticketing, BG: add bags); any other orderNo answers status 3",
        ),
    }


class AtripModel(ProviderModel[AtripConfig]):
    slug = "atrip"
    MESSAGES = errors.MESSAGES

    # -- clients -------------------------------------------------------------

    def seed(self) -> None:
        for client in self.seeded(demo_set().values(), self.config.clients):
            self._clients.put(client.client_id, client)

    def demo_entries(self) -> Iterator[tuple[str, Client, str]]:
        """A config client may have replaced a demo one."""
        return as_configured(demo_set(), self.config.clients, "client_id")

    def fresh_credentials(self) -> dict[str, Any]:
        client = self.create_client(Client())
        return {CLIENT_ID_HEADER: client.client_id, CLIENT_SECRET_HEADER: client.client_secret}

    _clients = Records("client", Client, read_mostly=True)
    _sessions = Records("session", Session)

    def clients(self) -> list[Client]:
        return self._clients.list()

    def client(self, client_id: str) -> Client:
        return self._clients.get(client_id)

    def create_client(self, client: Client) -> Client:
        return self._clients.create(client.client_id, client)

    def update_client(self, client_id: str, change: ClientChange) -> Client:
        """A null `orders` is any order again; a null secret or name is a 400: no client is without one."""
        return self._clients.update(client_id, change)

    def sessions(self) -> list[dict[str, Any]]:
        """Live portal sessions with their seconds left on the virtual clock."""
        now = self.clock.time()
        return [
            {**session.model_dump(), "seconds_left": max(0.0, session.expires_at - now)}
            for session in self._sessions.list()
        ]

    def live_tokens(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The newest portal sessions: ATRIP's tokens are the portal url's."""
        now = self.clock.time()
        sessions = (Session.model_validate(record) for _, record in self.traced(limit))
        return [
            {
                "token": session.token,
                "credential": session.client_id,
                "seconds_left": max(0.0, session.expires_at - now),
                "valid": True,
            }
            for session in sessions
        ]

    # -- the token request ---------------------------------------------------

    def problem(self, key: str, *, http_status: int = 200, **values: str) -> ProviderError:
        """The error whose msg is the message `key`, filled in with `values`."""
        text = self.message(key).format(**values)
        return ProviderError(errors.status_of(key), detail=text, http_status=http_status)

    def issue(self, headers: Mapping[str, str], body: bytes) -> Session:
        """Check a token request (see the module's docstring) and open a portal session."""
        sent = {name.lower(): value for name, value in headers.items()}
        note(kind="fetch", credential=sent.get(CLIENT_ID_HEADER) or None)
        if (accept := accept_not_any(sent)) is not None:
            note(accept_not_any=accept)
        client = self.authenticate(sent.get(CLIENT_ID_HEADER, ""), sent.get(CLIENT_SECRET_HEADER, ""))
        self.check_headers(sent)
        fields = self.read_body(body)
        if client.orders is not None and fields["orderNo"] not in client.orders:
            raise self.problem("foreign_order")
        return self.open_session(client, fields)

    def authenticate(self, client_id: str, client_secret: str) -> Client:
        client = self._clients.find(client_id) if client_id else None
        if client is None or not hmac.compare_digest(client.client_secret.encode(), client_secret.encode()):
            raise ProviderError(errors.UNAUTHORIZED)
        return client

    def check_headers(self, sent: Mapping[str, str]) -> None:
        """`sent`: header names in lower case."""
        for name in self.config.settings.required_headers:
            if not sent.get(name.lower(), "").strip():
                raise self.problem("missing_header", header=name)
        if "Content-Type" in self.config.settings.required_headers:
            media = sent["content-type"].split(";")[0].strip().lower()
            if not (media == "application/json" or re.fullmatch(r"application/[\w.+-]+\+json", media)):
                raise self.problem("content_type")
        if self.config.settings.strict_accept and accept_not_any(sent) is not None:
            raise self.problem("not_acceptable", http_status=406)

    def roles(self) -> dict[str, str]:
        """Every accepted spelling → the documented role."""
        legacy = LEGACY_ROLES if self.config.settings.legacy_roles else {}
        return {role: role for role in ROLES} | legacy

    def read_body(self, body: bytes) -> dict[str, str]:
        """The body's fields, checked in the documented order; the first problem is the answer."""
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise self.problem("not_object") from exc
        if not isinstance(payload, dict):
            raise self.problem("not_object")
        fields: dict[str, str] = {}
        for field in FIELDS:
            value = payload.get(field)
            if value is not None and not isinstance(value, str):
                raise self.problem("not_string", field=field)
            if value is None or not value.strip():
                raise self.problem("missing_field", field=field)
            if field == "orderNo" and not ORDER_NO.fullmatch(value):
                raise self.problem("bad_order_no")
            if field == "role" and value not in self.roles():
                raise self.problem("bad_role", roles=", ".join(self.roles()))
            if field == "role" and value in LEGACY_ROLES:
                note(legacy_role=value)
            fields[field] = value
        cid = payload.get(LEGACY_FIELD)
        if cid is not None and not isinstance(cid, str):
            raise self.problem("not_string", field=LEGACY_FIELD)
        if cid is not None:
            fields[LEGACY_FIELD] = cid
        return fields

    def open_session(self, client: Client, fields: dict[str, str]) -> Session:
        now = self.clock.time()
        token = uuid.uuid4().hex
        session = Session(
            token=token,
            client_id=client.client_id,
            client_name=client.name,
            order_no=fields["orderNo"],
            user_name=fields["userName"],
            role=self.roles()[fields["role"]],
            role_sent=fields["role"],
            cid=fields.get(LEGACY_FIELD),
            issued_at=now,
            expires_at=now + self.config.settings.portal_token_lifetime,
        )
        self.trace(self.key("session", token), session.model_dump(), retain=0)
        note(token=token, expires=session.expires_at)
        return session

    def portal_url(self, host_url: str, token: str) -> str:
        """The absolute url of the portal page: the configured base, else the host the client called."""
        base = self.config.settings.portal_base_url or host_url.rstrip("/")
        return f"{base}{PORTAL_PATH}?token={token}"

    def session(self, token: str | None) -> Session | None:
        """A live portal session, or None for a missing, unknown or expired token."""
        return self._sessions.find(token) if token else None

    # -- failures ------------------------------------------------------------

    def http_error(self, status: int) -> ProviderError:
        """HTTP failures keep their status with status 2; a crash is status 2 in an HTTP 200."""
        if status >= 500:
            return ProviderError(errors.SYSTEM_ERROR)
        return self.problem(errors.HTTP_MESSAGES.get(status, "bad_request"), http_status=status)
