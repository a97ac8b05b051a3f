"""The TOML config: server settings plus one table per provider.

```toml
[server]
journal_size = 5000
journal_bytes = 33554432
token_trace = 10000

[itrigger.settings]
daily_limit = 100
```
Each provider validates its own table with its config model, so a typo is a
clear error naming the key, not a silently ignored setting.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator

from .addresses import parse_host_names
from .checks import AuditSettings
from .forwarded import DEFAULT_ALLOW_IPS, parse_allow_ips
from .journal import JOURNAL_BYTES
from .provider import Provider, ProviderConfig, Strict


class ConfigError(ValueError):
    """A config file that cannot be used, with a message fit for the CLI."""


#: The longest a timeout may be, in seconds (granian takes a header timeout of a minute at most).
MAX_TIMEOUT = 60.0


class ServerSettings(Strict):
    #: Requests kept in the journal before the oldest fall off.
    journal_size: int = Field(default=5000, ge=1)
    #: Bytes of JSON the journal keeps before the oldest entries fall off.
    journal_bytes: int = Field(default=JOURNAL_BYTES, ge=64 * 1024)
    #: Tokens no longer current (replaced or expired) each provider remembers for the audit.
    token_trace: int = Field(default=10_000, ge=1)
    #: Larger request bodies are refused in the provider's envelope.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    #: Seconds a client has to send a request's line and headers (an idle kept-alive connection
    #: waits as long for its next request); then the connection is closed.
    header_timeout: float = Field(default=5.0, gt=0, le=MAX_TIMEOUT)
    #: Seconds a client has to send a request's whole body once its headers are in; then a 408
    #: answers and the connection is closed.
    body_timeout: float = Field(default=5.0, gt=0, le=MAX_TIMEOUT)
    audit: AuditSettings = AuditSettings()
    #: Lets clients that present it use the admin API from other machines (loopback always may).
    admin_token: str | None = Field(default=None, min_length=1)
    #: Proxies whose `Forwarded` / `X-Forwarded-Host` / `-Proto` headers are believed ("*": all).
    forwarded_allow_ips: list[str] = Field(default_factory=lambda: list(DEFAULT_ALLOW_IPS))

    #: Host names the admin API answers to besides localhost and IP addresses (DNS rebinding guard).
    allowed_hosts: list[str] = Field(default_factory=list)

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, value: list[str]) -> list[str]:
        return list(parse_host_names(value))

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        parse_allow_ips(value)
        return value


def read_toml(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from exc


def _describe(error: ValidationError, section: str) -> str:
    lines = [f"invalid [{section}] config:"]
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        lines.append(f"  {section}.{where}: {item['msg']}")
    return "\n".join(lines)


def parse(
    raw: Mapping[str, Any], providers: Mapping[str, Provider], known: Iterable[str]
) -> tuple[ServerSettings, dict[str, ProviderConfig]]:
    """Validate a whole config; tables for providers not mounted, but `known`, are ignored."""
    known = tuple(known)
    unknown = sorted(set(raw) - {"server", *known})
    if unknown:
        raise ConfigError(
            f"unknown config section(s): {', '.join(unknown)}; known: server, {', '.join(known)}"
        )
    try:
        server = ServerSettings.model_validate(raw.get("server", {}))
    except ValidationError as exc:
        raise ConfigError(_describe(exc, "server")) from exc
    configs: dict[str, ProviderConfig] = {}
    for slug, provider in providers.items():
        try:
            configs[slug] = provider.model.config_type.model_validate(raw.get(slug, {}))
        except ValidationError as exc:
            raise ConfigError(_describe(exc, slug)) from exc
    return server, configs
