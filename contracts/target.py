"""What the contract cases run against: our mock in-process, or any server at a base URL."""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from ..core.plugins import SLUGS

#: Environment variables giving a credential field: PROVIDER_MOCKS_<SLUG>_<ROLE>_<field>=value,
#: e.g. PROVIDER_MOCKS_ITRIGGER_DEMO_appSecret (the field keeps its case).
ENV_PREFIX = "PROVIDER_MOCKS_"


class NotApplicable(Exception):
    """The target cannot offer what a case needs; the reason says what."""


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as a report shows them."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int
    headers: dict[str, str]
    body: bytes

    @classmethod
    def of(
        cls, sent: requests.PreparedRequest, status: int, headers: Mapping[str, Any], body: bytes
    ) -> Exchange:
        """From the request sent and the parts of its answer (from requests or schemathesis)."""
        raw = sent.body or b""
        return cls(
            method=str(sent.method),
            url=str(sent.url),
            request_headers=dict(sent.headers),
            request_body=raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw),
            status=status,
            headers={k: ", ".join(v) if isinstance(v, list) else str(v) for k, v in headers.items()},
            body=body,
        )


@dataclass
class Target:
    """A server to verify, its credentials by role, and whether it has the mock admin API."""

    provider: str
    base_url: str
    credentials: dict[str, dict[str, Any]]
    admin: bool
    session: requests.Session = field(default_factory=requests.Session)
    exchanges: list[Exchange] = field(default_factory=list)
    #: Where our mock serves a prefixed provider's real paths (`/<slug>`; see `Provider.mount`).
    mount: str = ""

    @property
    def root(self) -> str:
        """The base URL of the provider's real paths."""
        return self.base_url + self.mount

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request to the target and keep the exchange for the report."""
        kwargs.setdefault("timeout", 30)
        response = self.session.request(method, self.root + path, **kwargs)
        self.exchanges.append(
            Exchange.of(response.request, response.status_code, response.headers, response.content)
        )
        return response

    def creds(self, role: str) -> dict[str, Any]:
        if role not in self.credentials:
            raise NotApplicable(f"no {role!r} credential for {self.provider} was given")
        return self.credentials[role]

    # -- the mock admin API (cases that need it declare needs=("admin",)) --

    def admin_call(self, method: str, path: str, **kwargs: Any) -> Any:
        if not self.admin:
            raise NotApplicable("needs the mock admin API, which this target does not offer")
        response = self.session.request(method, f"{self.base_url}/__admin{path}", timeout=30, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"admin {method} {path} answered {response.status_code}: {response.text}")
        return response.json()

    def clock(self, **change: Any) -> Any:
        return self.admin_call("POST", "/clock", json=change)

    def now(self) -> float:
        """The target's time in seconds: its clock where it has the mock admin API (which may be moved
        or frozen), else this machine's, the best guess at a real server's."""
        return float(self.admin_call("GET", "/clock")["timestamp"]) if self.admin else time.time()

    def reset_clock(self) -> None:
        if self.admin:
            self.admin_call("POST", "/clock", json={"reset": True})


def load_credentials(provider: str, path: str | Path | None, environ: Mapping[str, str]) -> dict[str, Any]:
    """Credentials by role from a TOML file (`[PROVIDER.ROLE] field = value`) and the environment."""
    found: dict[str, dict[str, Any]] = {}
    if path is not None:
        try:
            with open(path, "rb") as handle:
                table = tomllib.load(handle).get(provider, {})
        except OSError as exc:
            raise ValueError(f"cannot read credentials {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"credentials {path} are not valid TOML: {exc}") from exc
        for role, fields in table.items():
            if not isinstance(fields, dict):
                raise ValueError(f"credentials {path}: [{provider}.{role}] must be a table of fields")
            found[role] = dict(fields)
    prefix = f"{ENV_PREFIX}{provider.upper()}_"
    for name, value in environ.items():
        role, _, key = name[len(prefix) :].rpartition("_")
        if name.startswith(prefix) and role and key:
            found.setdefault(role.lower(), {})[key] = value
    return found


def _mock_listing(session: requests.Session, base_url: str, provider: str) -> dict[str, Any] | None:
    """The provider's entry in the target's /__admin/providers, if the target is one of our mocks."""
    try:
        answer = session.get(f"{base_url}/__admin/providers", timeout=10)
        listed = answer.json()["providers"] if answer.ok else []
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return None
    return next((p for p in listed if isinstance(p, dict) and p.get("slug") == provider), None)


@contextmanager
def open_target(
    provider: str,
    base_url: str | None = None,
    credentials: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Iterator[Target]:
    """A target for `provider`: our mock on a loopback port when no base URL is given."""
    if provider not in SLUGS:
        raise ValueError(f"unknown provider {provider!r}; known: {', '.join(SLUGS)}")
    if base_url is None:
        from .. import create_app, get_mocks
        from ..core.server import LiveServer

        app = create_app(providers=[provider])
        mocks = get_mocks(app)
        with LiveServer(app) as server:
            demo = mocks.model(provider).demo_credentials()
            yield Target(provider, server.url, demo, admin=True, mount=mocks.providers[provider].mount)
        return
    base_url = base_url.rstrip("/")
    session = requests.Session()
    listing = _mock_listing(session, base_url, provider)
    given = load_credentials(provider, credentials, os.environ if environ is None else environ)
    if listing is not None:
        listed = {**listing["credentials"], **given}
        mount = str(listing.get("mount", ""))
        yield Target(provider, base_url, listed, admin=True, session=session, mount=mount)
    else:
        yield Target(provider, base_url, given, admin=False, session=session)
