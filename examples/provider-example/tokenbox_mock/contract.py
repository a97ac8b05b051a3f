"""TokenBox's contract: what a server must answer to be TokenBox, run by `provider-mocks verify`."""

from __future__ import annotations

from typing import Any

import requests

from provider_mocks.contracts.expect import expect, require
from provider_mocks.contracts.registry import Cases, Refusal
from provider_mocks.contracts.target import Target

P = "tokenbox"
CASES = Cases(P)
TOKEN = "/tokenbox/token"
INVALID = {"code": 40001, "message": "invalid client", "data": None}


def fetch(t: Target, creds: dict[str, Any]) -> requests.Response:
    return t.request(
        "GET", TOKEN, params={"clientId": creds["clientId"], "clientSecret": creds["clientSecret"]}
    )


def token(t: Target) -> dict[str, Any]:
    body = expect(fetch(t, t.creds("demo")), P, code=0, message="ok")
    data: dict[str, Any] = body["data"]
    return data


@CASES.story("token.success", rule="GET /tokenbox/token: code 0, data {access_token, expires_in}")
def token_success(t: Target) -> None:
    """The demo client gets a token"""
    expires_in = token(t)["expires_in"]
    require(expires_in > 0, f"expires_in is {expires_in}")


CASES.refusals(
    Refusal(
        "token.40001.wrong-secret",
        "A wrong clientSecret answers 40001",
        "code 40001: invalid client",
        lambda t: fetch(t, {**t.creds("demo"), "clientSecret": "wrong"}),
        INVALID,
    ),
    Refusal(
        "token.405",
        "A POST answers 405 in the envelope",
        "the token endpoint takes GET",
        lambda t: t.request("POST", TOKEN),
        {"code": 405, "message": "method not allowed", "data": None},
        allow="GET",
    ),
)


@CASES.story("token.same-while-valid", rule="a fetch while the token lives answers the same token")
def same_while_valid(t: Target) -> None:
    """A second fetch answers the same token, with no more time left"""
    first, second = token(t), token(t)
    require(second["access_token"] == first["access_token"], f"a new token while the first lived: {second}")
    require(second["expires_in"] <= first["expires_in"], f"more time left the second time: {first}, {second}")


@CASES.story(
    "token.new-after-expiry", rule="an expired token is replaced by the next fetch", needs=("admin",)
)
def new_after_expiry(t: Target) -> None:
    """Once the token has expired, a fetch answers a new one"""
    first = token(t)
    t.clock(advance=first["expires_in"])
    try:
        again = token(t)
        require(again["access_token"] != first["access_token"], f"the expired token again: {again}")
    finally:
        t.reset_clock()
