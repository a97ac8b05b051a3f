"""A connection's address and the host name a request names, as the checks on them read them:
the admin API's loopback and Host checks, the trusted-proxy check, and the IP allow-lists
(white-lists) of the providers whose platforms keep one per app."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator

IP = ipaddress.IPv4Address | ipaddress.IPv6Address

#: A Host header: a bracketed IPv6 address or a name (or IPv4 address), then an optional port.
_HOST = re.compile(r"(?:\[(?P<ip6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9_.-]+))(?::(?P<port>\d{1,5}))?")


def client_ips(address: str | None) -> tuple[IP, ...]:
    """The address, its zone (`%eth0`) dropped, and for an IPv4-mapped IPv6 address the IPv4
    address it stands for too; none for what is not an IP address (a Unix socket, nothing)."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return ()
    mapped = getattr(ip, "ipv4_mapped", None)
    return (ip,) if mapped is None else (ip, mapped)


def split_host(host: str) -> tuple[str, int | None] | None:
    """A Host header's name (lower case, brackets and a final dot dropped) and port; None for
    anything else (user info, a path, stray characters), which no browser sends."""
    found = _HOST.fullmatch(host.strip())
    if found is None:
        return None
    name = (found["ip6"] or found["name"]).lower().removesuffix(".")
    return name, int(found["port"]) if found["port"] else None


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def parse_host_names(value: str | Iterable[str]) -> tuple[str, ...]:
    """Host names, a comma-separated string or a list, as `split_host` reads them.

    A ValueError names the entry that is not a host name (a port, a scheme or a path included).
    """
    entries = value.split(",") if isinstance(value, str) else list(value)
    names: list[str] = []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        found = split_host(entry)
        if found is None or found[1] is not None or not found[0]:
            raise ValueError(f"allowed_hosts: {entry!r} is not a host name (give it without scheme or port)")
        names.append(found[0])
    return tuple(names)


def _allowed_entry(entry: str) -> str:
    """An allow-list entry, checked and written canonically: an IP address (an IPv4-mapped IPv6
    one as the IPv4 address it stands for) or a CIDR network."""
    text = entry.strip()
    try:
        if "/" in text:
            return str(ipaddress.ip_network(text, strict=False))
        address = ipaddress.ip_address(text)
    except ValueError as exc:
        raise ValueError(f"{entry!r} is neither an IP address nor a CIDR network") from exc
    return str(getattr(address, "ipv4_mapped", None) or address)


#: IP addresses and CIDR networks (IPv4 or IPv6), written canonically; empty: any address.
Allowlist = list[Annotated[str, AfterValidator(_allowed_entry)]]


def ip_allowed(remote: str | None, allowlist: list[str]) -> bool:
    """Whether the client's address is on the allow-list; an empty list allows everyone."""
    if not allowlist:
        return True
    networks = [ipaddress.ip_network(entry, strict=False) for entry in allowlist]
    return any(address in network for address in client_ips(remote) for network in networks)
