"""Behind a reverse proxy: the host and scheme the client used, told by trusted proxies only.

The mocks build absolute URLs (ATRIP's portal URL, the Sugon center's service URLs) from
the request's host and scheme. Behind a proxy those are the proxy's upstream address,
unless the proxy says what the client used: `Forwarded` (RFC 7239, `host=` and `proto=`)
or `X-Forwarded-Host` / `X-Forwarded-Proto` (and `X-Forwarded-Port`). A client could
send those headers itself, so they are read only from the addresses in
`forwarded_allow_ips`, as gunicorn's and uvicorn's option of that name does (default: the
loopback addresses `127.0.0.1,::1`; `*` trusts every address). Where a proxy appended to a
list, the last entry, the one the trusted proxy wrote, counts.

The client's own address is left alone (`X-Forwarded-For` is not read): the admin API's
loopback check and the credential platform's IP allow-list judge the connection.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from werkzeug.http import parse_list_header, unquote_header_value
from werkzeug.middleware.proxy_fix import ProxyFix

from .addresses import client_ips

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: gunicorn's and uvicorn's default: the proxy runs on this machine.
DEFAULT_ALLOW_IPS = ("127.0.0.1", "::1")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: The environ keys of the headers read; a request with none of them costs one look each.
_HEADERS = ("HTTP_FORWARDED", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_PORT")


def parse_allow_ips(value: str | Iterable[str]) -> tuple[Network, ...] | None:
    """Addresses and CIDR networks, a comma-separated string or a list; None for `*` (all).

    A ValueError names the entry that is neither.
    """
    entries = value.split(",") if isinstance(value, str) else list(value)
    networks: list[Network] = []
    for entry in (e.strip() for e in entries):
        if entry == "*":
            return None
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"forwarded_allow_ips: {entry!r} is not an IP address or network (or *)"
            ) from None
    return tuple(networks)


def _forwarded_pairs(header: str) -> Iterator[dict[str, str]]:
    """Each element of a `Forwarded` header as its lower-cased parameters."""
    for element in parse_list_header(header):
        pairs: dict[str, str] = {}
        for pair in element.split(";"):
            name, equals, value = pair.partition("=")
            if equals:
                pairs[name.strip().lower()] = unquote_header_value(value.strip())
        yield pairs


class ForwardedHeaders:
    """WSGI middleware: a trusted proxy's `Forwarded` or `X-Forwarded-*` set host and scheme.

    `Forwarded` wins over the `X-Forwarded-*` headers where both are sent. werkzeug's
    ProxyFix applies the `X-Forwarded-*` values (and keeps the originals in the environ).
    """

    def __init__(self, app: WSGIApplication, allow_ips: tuple[Network, ...] | None) -> None:
        self.app = app
        self.allow_ips = allow_ips
        self._fixed = ProxyFix(app, x_for=0, x_proto=1, x_host=1, x_port=1)

    def trusted(self, address: str | None) -> bool:
        if self.allow_ips is None:
            return True
        return any(ip in net for ip in client_ips(address) for net in self.allow_ips)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not any(key in environ for key in _HEADERS) or not self.trusted(environ.get("REMOTE_ADDR")):
            return self.app(environ, start_response)
        if forwarded := environ.get("HTTP_FORWARDED"):
            last = list(_forwarded_pairs(forwarded))[-1:] or [{}]
            if host := last[0].get("host"):
                environ["HTTP_X_FORWARDED_HOST"] = host
                environ.pop("HTTP_X_FORWARDED_PORT", None)  # the host names its own port
            if proto := last[0].get("proto"):
                environ["HTTP_X_FORWARDED_PROTO"] = proto
        return self._fixed(environ, start_response)
