"""Token records stay bounded under churn: the trace of tokens no longer current keeps the
last `[server] token_trace`, so the audit still tells overwritten or expired from unknown
within it; current tokens work as before. On every store (memory, SQLite, Redis)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from provider_mocks import Mocks, create_app, get_mocks
from provider_mocks.core.server import LiveServer
from tests import support
from tests.atrip.helpers import PORTAL, portal_url
from tests.credential.helpers import ECHO, params
from tests.redis_server import RedisServer, redis_server  # noqa: F401 - the fixture

#: The trace's size in these tests.
TRACE = 3

ITRIGGER_TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
ITRIGGER_CALL = "/itrigger-tenant/v1/basic/openAPItest/test/get"
CREDENTIAL_TOKEN = "/openapi/auth/credential"


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory"
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/state.db"
    server: RedisServer = request.getfixturevalue("redis_server")
    server.flush()
    return server.url(2)


@contextmanager
def serving(store_url: str, **providers: Any) -> Iterator[tuple[str, Mocks]]:
    """A live server with a trace of TRACE tokens and `providers`' config tables."""
    app = create_app({"server": {"token_trace": TRACE}, **providers}, store=store_url)
    mocks = get_mocks(app)
    try:
        with LiveServer(app) as live:
            yield live.url, mocks
    finally:
        mocks.store.close()


def state(mocks: Mocks) -> str:
    """The token state the model noted on the last request."""
    found: str = mocks.journal.entries(limit=1)[0]["facts"]["token_state"]
    return found


def advance(http: requests.Session, base_url: str, seconds: float) -> None:
    support.clock(http, base_url, advance=seconds)


# -- fetching and using each provider's tokens -----------------------------------------------


def itrigger_fetch(http: requests.Session, base_url: str) -> str:
    creds = support.demo("itrigger", http, base_url)
    query = {"appId": creds["appId"], "appSecret": creds["appSecret"]}
    token: str = http.get(base_url + ITRIGGER_TOKEN, params=query).json()["data"]["accessToken"]
    return token


def itrigger_call(http: requests.Session, base_url: str, token: str) -> int:
    code: int = http.get(base_url + ITRIGGER_CALL, params={"accessToken": token}).json()["code"]
    return code


def appauth_fetch(http: requests.Session, base_url: str) -> str:
    """A token of the demo app whose tokens live 60 s; the clock then moves past it."""
    creds = support.demo("appauth", http, base_url, "expiring")
    query = {"appId": creds["appId"], "appSecret": creds["appSecret"]}
    token: str = http.get(f"{base_url}/auth/getAccessToken", params=query).json()["result"]["accessToken"]
    advance(http, base_url, 60)
    return token


def appauth_call(http: requests.Session, base_url: str, token: str) -> int:
    code: int = http.get(f"{base_url}/auth/hello", params={"accessToken": token}).json()["code"]
    return code


def credential_fetch(http: requests.Session, base_url: str) -> str:
    creds = support.demo("credential", http, base_url)
    token: str = http.post(base_url + CREDENTIAL_TOKEN, params=params(creds)).json()["data"]
    return token


def credential_call(http: requests.Session, base_url: str, token: str) -> int:
    headers = {"Access-Token": token, "Request-Id": "r-1"}
    code: int = http.post(base_url + ECHO, headers=headers, json={}).json()["code"]
    return code


def atrip_fetch(http: requests.Session, base_url: str) -> str:
    """A portal session's token: ATRIP's token request opens one."""
    return portal_url(http, base_url).partition("token=")[2]


def atrip_open(http: requests.Session, base_url: str, token: str) -> int:
    """The status of the portal page the session's url shows."""
    return http.get(base_url + PORTAL, params={"token": token}).status_code


# -- the bound --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "fetch", "kept", "records"),
    [
        ("itrigger", itrigger_fetch, "token", TRACE + 1),  # the trace and the app's current token
        ("appauth", appauth_fetch, "token", TRACE + 1),
        ("credential", credential_fetch, "token", TRACE),  # every token's record is in the trace
        ("atrip", atrip_fetch, "session", TRACE),  # every portal session is
    ],
)
def test_token_records_stay_bounded_however_many_tokens_are_fetched(
    http: requests.Session,
    store_url: str,
    slug: str,
    fetch: Callable[[requests.Session, str], str],
    kept: str,
    records: int,
) -> None:
    with serving(store_url) as (base_url, mocks):
        for _ in range(10 * TRACE):
            fetch(http, base_url)
        assert len(list(mocks.store.scan(f"{slug}:{kept}:"))) == records
        assert len(list(mocks.store.scan(f"{slug}:trace:"))) == TRACE + 1  # its slots and counter


# -- what the audit still tells ------------------------------------------------------------------


def test_an_overwritten_itrigger_token_is_overwritten_within_the_trace_unknown_beyond(
    http: requests.Session, store_url: str
) -> None:
    with serving(store_url) as (base_url, mocks):
        tokens = [itrigger_fetch(http, base_url) for _ in range(TRACE + 1)]  # TRACE of them replaced
        assert (itrigger_call(http, base_url, tokens[0]), state(mocks)) == (401, "overwritten")
        tokens.append(itrigger_fetch(http, base_url))  # one more replaced: the first leaves the trace
        assert (itrigger_call(http, base_url, tokens[0]), state(mocks)) == (401, "unknown")
        assert (itrigger_call(http, base_url, tokens[1]), state(mocks)) == (401, "overwritten")
        assert (itrigger_call(http, base_url, tokens[-1]), state(mocks)) == (200, "valid")


def test_an_expired_appauth_token_is_expired_within_the_trace_unknown_beyond(
    http: requests.Session, store_url: str
) -> None:
    with serving(store_url) as (base_url, mocks):
        tokens = [
            appauth_fetch(http, base_url) for _ in range(TRACE + 1)
        ]  # TRACE of them expired and replaced
        assert (appauth_call(http, base_url, tokens[0]), state(mocks)) == (401, "expired")
        tokens.append(appauth_fetch(http, base_url))
        assert (appauth_call(http, base_url, tokens[0]), state(mocks)) == (401, "unknown")
        assert (appauth_call(http, base_url, tokens[1]), state(mocks)) == (401, "expired")


def test_credential_tokens_keep_working_beyond_the_trace(http: requests.Session, store_url: str) -> None:
    with serving(store_url) as (base_url, mocks):
        first = credential_fetch(http, base_url)
        for _ in range(3 * TRACE):
            credential_fetch(http, base_url)
        assert (credential_call(http, base_url, first), state(mocks)) == (200, "valid")
        listed = http.get(f"{base_url}/__admin/credential/tokens").json()["tokens"]
        assert len(listed) == TRACE


def test_credential_tokens_beyond_the_trace_are_overwritten_then_expired_then_unknown(
    http: requests.Session, store_url: str
) -> None:
    with serving(store_url, credential={"settings": {"overwrite_previous": True}}) as (base_url, mocks):
        first = credential_fetch(http, base_url)
        for _ in range(3 * TRACE):
            credential_fetch(http, base_url)
        assert (credential_call(http, base_url, first), state(mocks)) == (10134, "overwritten")
        advance(http, base_url, 7200)
        assert (credential_call(http, base_url, first), state(mocks)) == (10134, "expired")
        advance(http, base_url, 86400)  # a day after its expiry the token is forgotten
        assert (credential_call(http, base_url, first), state(mocks)) == (10134, "unknown")


def test_a_portal_session_beyond_the_trace_is_forgotten(http: requests.Session, store_url: str) -> None:
    with serving(store_url) as (base_url, _):
        sessions = [atrip_fetch(http, base_url) for _ in range(TRACE + 1)]
        assert [atrip_open(http, base_url, token) for token in sessions] == [401] + [200] * TRACE


# -- the admin listing ---------------------------------------------------------------------------


def listed(http: requests.Session, base_url: str, provider: str, **query: int) -> list[tuple[str, bool]]:
    """`provider`'s (token, valid) in the order `GET /__admin/tokens` lists them."""
    tokens = http.get(f"{base_url}/__admin/tokens", params=query).json()["tokens"]
    return [(t["token"], t["valid"]) for t in tokens if t["provider"] == provider]


def test_the_listing_gives_current_tokens_then_the_newest_replaced_up_to_its_limit(
    http: requests.Session, store_url: str
) -> None:
    with serving(store_url, itrigger={"settings": {"overwrite_grace": 0}}) as (base_url, _):
        tokens = [itrigger_fetch(http, base_url) for _ in range(2 * TRACE)]  # the trace is full
        replaced = [(token, False) for token in reversed(tokens[-TRACE - 1 : -1])]
        assert listed(http, base_url, "itrigger") == [(tokens[-1], True), *replaced]
        assert listed(http, base_url, "itrigger", limit=2) == [(tokens[-1], True), replaced[0]]
        assert listed(http, base_url, "itrigger", limit=1) == [(tokens[-1], True)]


@pytest.mark.parametrize(("slug", "fetch"), [("credential", credential_fetch), ("atrip", atrip_fetch)])
def test_the_listing_gives_the_newest_first_up_to_its_limit(
    http: requests.Session, store_url: str, slug: str, fetch: Callable[[requests.Session, str], str]
) -> None:
    with serving(store_url) as (base_url, _):
        tokens = [fetch(http, base_url) for _ in range(2 * TRACE)]
        assert listed(http, base_url, slug) == [(token, True) for token in reversed(tokens[-TRACE:])]
        assert listed(http, base_url, slug, limit=2) == [(tokens[-1], True), (tokens[-2], True)]


@pytest.mark.parametrize("limit", ["0", "-1", "x", ""])
def test_a_listing_limit_that_is_not_a_count_is_400(http: requests.Session, limit: str) -> None:
    with serving("memory") as (base_url, _):
        answer = http.get(f"{base_url}/__admin/tokens", params={"limit": limit})
        assert (answer.status_code, answer.json()) == (
            400,
            {"error": "limit: give a whole number of tokens, 1 or more"},
        )
