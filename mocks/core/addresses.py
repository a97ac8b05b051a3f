"""A connection's address, as the checks on it (admin loopback, trusted proxies) read it."""

from __future__ import annotations

import ipaddress

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_ips(address: str | None) -> tuple[IP, ...]:
    """The address, its zone (`%eth0`) dropped, and for an IPv4-mapped IPv6 address the IPv4
    address it stands for too; none for what is not an IP address (a Unix socket, nothing)."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return ()
    mapped = getattr(ip, "ipv4_mapped", None)
    return (ip,) if mapped is None else (ip, mapped)
