"""Which proxies are believed about the host and scheme, and what a bad list of them says."""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest

from provider_mocks import create_app
from provider_mocks.core.config import ConfigError
from provider_mocks.core.forwarded import parse_allow_ips

from .test_cli import COMMAND


def portal_origin(app: Any, remote: str, headers: dict[str, str]) -> str:
    """Where the ATRIP portal URL points, for a request from `remote` with `headers`."""
    answer = app.test_client().post(
        "/getAtripToken.do",
        headers={
            "Accept": "*/*",
            "x-atlas-client-id": "408408f4bc6fb91e",
            "x-atlas-client-secret": "943f76c005e59eefdb23549c27102d4d",
            **headers,
        },
        json={"orderNo": "TK1", "userName": "Li Wei", "role": "Finance"},
        environ_base={"REMOTE_ADDR": remote},
    )
    url: str = answer.get_json()["url"]
    return url.split("/atrip-portal/")[0]


@pytest.mark.parametrize(
    ("headers", "origin"),
    [
        ({"X-Forwarded-Host": "a.example", "X-Forwarded-Proto": "https"}, "https://a.example"),
        ({"X-Forwarded-Host": "a.example", "X-Forwarded-Port": "8443"}, "http://a.example:8443"),
        ({"X-Forwarded-Host": "x.example, a.example"}, "http://a.example"),
        ({"Forwarded": 'proto=https;host="a.example:8443"'}, "https://a.example:8443"),
        ({"Forwarded": "host=x.example, For=1.2.3.4;Host=a.example"}, "http://a.example"),
        ({"Forwarded": "host=a.example", "X-Forwarded-Host": "x.example"}, "http://a.example"),
        ({}, "http://localhost"),
    ],
)
def test_a_loopback_proxy_sets_host_and_scheme(headers: dict[str, str], origin: str) -> None:
    """By default a proxy on 127.0.0.1 is believed: which headers it sets, and which win."""
    assert portal_origin(create_app(providers=["atrip"]), "127.0.0.1", headers) == origin


@pytest.mark.parametrize(
    ("allow", "remote", "headers", "origin"),
    [
        (None, "::1", {"X-Forwarded-Host": "a.example:81"}, "http://a.example:81"),
        (None, "127.0.0.2", {"X-Forwarded-Host": "a.example"}, "http://localhost"),
        (None, "203.0.113.9", {"X-Forwarded-Host": "a.example"}, "http://localhost"),
        ("203.0.113.0/24", "203.0.113.9", {"X-Forwarded-Host": "a.example"}, "http://a.example"),
        ("203.0.113.0/24", "127.0.0.1", {"X-Forwarded-Host": "a.example"}, "http://localhost"),
        ("*", "198.51.100.7", {"Forwarded": "proto=https;host=a.example"}, "https://a.example"),
        ("2001:db8::/32", "2001:db8::5", {"X-Forwarded-Host": "a.example"}, "http://a.example"),
        ("127.0.0.1", "::ffff:127.0.0.1", {"X-Forwarded-Host": "a.example"}, "http://a.example"),
    ],
)
def test_only_trusted_proxies_set_host_and_scheme(
    allow: str | None, remote: str, headers: dict[str, str], origin: str
) -> None:
    app = create_app(providers=["atrip"], forwarded_allow_ips=allow)
    assert portal_origin(app, remote, headers) == origin


def test_the_config_names_the_trusted_proxies() -> None:
    app = create_app({"server": {"forwarded_allow_ips": ["192.0.2.1"]}}, providers=["atrip"])
    assert portal_origin(app, "192.0.2.1", {"X-Forwarded-Host": "a.example"}) == "http://a.example"
    assert portal_origin(app, "127.0.0.1", {"X-Forwarded-Host": "a.example"}) == "http://localhost"


@pytest.mark.parametrize(
    ("value", "networks"), [("127.0.0.1, ::1", 2), (["10.0.0.0/8"], 1), ("", 0), ("10.0.0.1,*", None)]
)
def test_allow_ips_parse(value: str | list[str], networks: int | None) -> None:
    """Entries are addresses or networks; `*` anywhere trusts every address (None)."""
    parsed = parse_allow_ips(value)
    assert (None if parsed is None else len(parsed)) == networks


def test_a_bad_entry_is_named() -> None:
    with pytest.raises(ValueError, match="'nope' is not an IP address or network"):
        parse_allow_ips("127.0.0.1,nope")
    with pytest.raises(ConfigError, match=r"server\.forwarded_allow_ips"):
        create_app({"server": {"forwarded_allow_ips": ["nope"]}}, providers=["atrip"])


@pytest.mark.parametrize("how", ["option", "environment"])
def test_serve_refuses_a_bad_list_in_one_line(how: str) -> None:
    option = ["--forwarded-allow-ips", "10.0.0.0/33"] if how == "option" else []
    env = {**os.environ, "FORWARDED_ALLOW_IPS": "10.0.0.0/33"} if how == "environment" else None
    done = subprocess.run(
        [*COMMAND, "serve", "--port", "0", *option], capture_output=True, text=True, timeout=30, env=env
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "provider-mocks: error: forwarded_allow_ips: '10.0.0.0/33' is not an IP address or network (or *)"
    )
