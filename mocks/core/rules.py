"""The behaviour rules: one small function each, over one provider's journal entries.

They read the facts the provider's model noted (see `audit.note`):

- `credential`: the app, client or user the request acted for;
- `kind`: "fetch" (a token acquisition), "renew", or "call" (a business call or token check);
- `token`: the token fetched or used; on a fetch that replaced the credential's previous
  token: `replaced` (that token), `replaced_left` (its seconds of validity left) and
  `replaced_lifetime`;
- `token_state`: on a call, "valid", "expired", "overwritten", "unknown" or "missing";
- `backoff`: the answer asks the client to back off (a limit, a refused renewal);
- `request_id`: the client's Request-Id; `renewal_window_passed`: a renewal too late.

Add a rule with `@rule(...)` anywhere that is imported before the audit runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .audit import AuditSettings, Finding, rule
from .journal import Entry


def facts(entry: Entry) -> dict[str, Any]:
    found: dict[str, Any] = entry.get("facts") or {}
    return found


def each_noted(entries: Sequence[Entry], fact: str, message: Callable[[Any], str]) -> Iterator[Finding]:
    """One finding per request whose model noted `fact`, worded from the noted value: the
    shape of every rule that judges a request on its own."""
    for entry in entries:
        if value := facts(entry).get(fact):
            yield Finding(message(value), (entry["id"],), facts(entry).get("credential"))


@rule(
    "refetch-while-valid",
    severity="warning",
    source="iTrigger: 建议三方应用使用中控服务器统一获取和刷新accessToken; "
    "appauth: 有效期内重复获取返回同一token",
)
def refetch_while_valid(entries: Sequence[Entry], settings: AuditSettings) -> Iterator[Finding]:
    """A token was fetched while the client's own one was still valid: cache it instead.

    Not counted: a refresh in the last `early_refresh_fraction` of the lifetime (planned),
    a fetch right after a call refused for an invalid token (the passive refresh), and a
    replaced token that someone uses later (two fetchers: `overwritten-token-used`).
    """
    issued: dict[str, int] = {}
    refused: set[str] = set()
    for entry in entries:
        f = facts(entry)
        credential = str(f.get("credential"))
        if f.get("kind") == "call":
            (refused.add if f.get("token_state") in ("expired", "overwritten") else refused.discard)(
                credential
            )
        if f.get("kind") != "fetch" or "token" not in f:
            continue
        replaced = f.get("replaced")
        early = f.get("replaced_left", 0) > settings.early_refresh_fraction * f.get("replaced_lifetime", 0)
        if (
            replaced
            and early
            and credential in issued
            and credential not in refused
            and (replaced == f["token"] or not _used_after(entries, entry, replaced))  # same token reissued
        ):
            yield Finding(
                f"{credential} fetched a token while the one from request #{issued[credential]} was "
                f"valid for {f['replaced_left']:.0f} s more",
                (issued[credential], entry["id"]),
                credential,
            )
        issued[credential] = entry["id"]
        refused.discard(credential)


def _used_after(entries: Sequence[Entry], fetch: Entry, token: str) -> bool:
    return any(
        e["id"] > fetch["id"] and facts(e).get("kind") == "call" and facts(e).get("token") == token
        for e in entries
    )


@rule(
    "overwritten-token-used",
    severity="error",
    source="iTrigger: 不应该各自去刷新，否则容易造成冲突，导致accessToken覆盖而影响业务",
)
def overwritten_token_used(entries: Sequence[Entry], settings: AuditSettings) -> Iterator[Finding]:
    """A call used a token that another fetch had overwritten: several fetchers overwrite each other."""
    issued_by: dict[str, int] = {}
    overwritten_by: dict[str, int] = {}
    for entry in entries:
        f = facts(entry)
        if f.get("kind") == "fetch" and "token" in f:
            issued_by[f["token"]] = entry["id"]
            if f.get("replaced"):
                overwritten_by[f["replaced"]] = entry["id"]
        elif f.get("kind") == "call" and f.get("token_state") == "overwritten":
            token = f.get("token", "")
            involved = tuple(i for i in (issued_by.get(token), overwritten_by.get(token)) if i is not None)
            yield Finding(
                f"{f.get('credential')} called with a token that request "
                f"#{overwritten_by.get(token, '?')} had overwritten",
                (*involved, entry["id"]),
                f.get("credential"),
            )


@rule(
    "no-refresh-after-invalid",
    severity="error",
    source="iTrigger: 业务服务器在API调用获知accessToken已超时的情况下，可以触发accessToken的刷新流程",
)
def no_refresh_after_invalid(entries: Sequence[Entry], settings: AuditSettings) -> Iterator[Finding]:
    """A call was refused for an expired or overwritten token, and the client did not refresh and retry."""
    for index, entry in enumerate(entries):
        f = facts(entry)
        if f.get("kind") != "call" or f.get("token_state") not in ("expired", "overwritten"):
            continue
        credential = f.get("credential")
        later = next((e for e in entries[index + 1 :] if facts(e).get("credential") == credential), None)
        if later is None:
            yield Finding(
                f"{credential}'s call was refused ({f['token_state']} token) and never retried "
                "with a fresh token",
                (entry["id"],),
                credential,
            )
        elif facts(later).get("kind") not in ("fetch", "renew"):
            yield Finding(
                f"{credential} called again after a refusal ({f['token_state']} token) without "
                "refreshing it first",
                (entry["id"], later["id"]),
                credential,
            )


@rule(
    "retry-without-backoff",
    severity="error",
    source="iTrigger 40004 超过租户调用次数限制; appauth 429 请求过于频繁; sugon 10008",
)
def retry_without_backoff(entries: Sequence[Entry], settings: AuditSettings) -> Iterator[Finding]:
    """The client repeated a refused request at once instead of backing off."""
    for index, entry in enumerate(entries):
        f = facts(entry)
        if not f.get("backoff"):
            continue
        credential = f.get("credential")
        later = next(
            (
                e
                for e in entries[index + 1 :]
                if facts(e).get("credential") == credential and e["operation"] == entry["operation"]
            ),
            None,
        )
        if later is not None and later["received"] - entry["received"] < settings.min_backoff:
            waited = later["received"] - entry["received"]
            yield Finding(
                f"{credential} retried {entry['operation']} {waited:.3f} s after being told to back "
                f"off (less than {settings.min_backoff:g} s)",
                (entry["id"], later["id"]),
                credential,
            )


@rule(
    "request-id-reused",
    severity="error",
    source="credential: Request-Id 每次请求唯一",
    providers=("credential",),
)
def request_id_reused(entries: Sequence[Entry], settings: AuditSettings) -> Iterator[Finding]:
    """A Request-Id was sent twice: each request needs its own."""
    first: dict[str, int] = {}
    for entry in entries:
        request_id = facts(entry).get("request_id")
        if not request_id:
            continue
        if request_id in first:
            yield Finding(
                f"Request-Id {request_id!r} was already used by request #{first[request_id]}",
                (first[request_id], entry["id"]),
                facts(entry).get("credential"),
            )
        else:
            first[request_id] = entry["id"]


@rule(
    "renewal-after-window",
    severity="error",
    source="sugon: 过期超过24小时的token不能续期",
    providers=("sugon",),
)
def renewal_after_window(entries: Sequence[Entry], settings: AuditSettings) -> Iterator[Finding]:
    """A renewal was tried more than 24 h after the token expired: log in again instead."""
    return each_noted(
        entries,
        "renewal_window_passed",
        lambda _: "renewal of a token expired more than 24 h ago; a fresh login was needed",
    )


@rule(
    "legacy-role",
    severity="warning",
    source="ATRIP: role is one of Customer service, Finance, Developer, Admin",
    providers=("atrip",),
)
def legacy_role(entries: Sequence[Entry], settings: AuditSettings) -> Iterator[Finding]:
    """A token request used an older role spelling the current documentation no longer lists."""
    return each_noted(
        entries,
        "legacy_role",
        lambda role: (
            f"role {role!r} is the older spelling; the documentation lists Customer service, "
            "Finance, Developer, Admin"
        ),
    )


@rule(
    "request-id-missing",
    severity="warning",
    source="credential: HEADER Request-Id 请求Id,每次请求唯一标识 (the table lists it as required; "
    "the provider's own Java demo sends none, and the platform answers)",
    providers=("credential",),
)
def request_id_missing(entries: Sequence[Entry], settings: AuditSettings) -> Iterator[Finding]:
    """A business call came without a Request-Id: the documentation asks for a unique one on every call.

    A warning, not an error: the provider's own demo leaves it out and is answered, so the
    platform does not depend on it; a client without one still loses the per-request trace
    and `request-id-reused`'s check. It reads the `request_id` every call notes (None or "":
    none sent), so a call with one is never reported.
    """
    for entry in entries:
        f = facts(entry)
        if f.get("kind") == "call" and not f.get("request_id"):
            yield Finding(
                "business call without a Request-Id; the documentation asks for a unique one on every call",
                (entry["id"],),
                f.get("credential"),
            )


@rule(
    "accept-not-any",
    severity="warning",
    source="ATRIP [public, observed by clients; not in the ATRIP Token page]: Accept: */* is "
    "mandatory, Atlas rejects Accept: application/json",
    providers=("atrip",),
)
def accept_not_any(entries: Sequence[Entry], settings: AuditSettings) -> Iterator[Finding]:
    """A token request sent an Accept other than */*, which clients report Atlas refuses.

    A warning, not an error: the ATRIP Token page requires Accept but names no value, and the
    Atlas Flight Booking CLI (atlas-doc/atlas-flight-booking) sends application/json; only
    third-party clients (the README of fathihamdan/ADAPT-Agent, say) describe the refusal.
    It reads `accept_not_any`, the Accept sent when it is neither `*/*` nor missing: a missing
    Accept is the spec's required header, reported by `request-spec` alone.
    """
    return each_noted(
        entries,
        "accept_not_any",
        lambda accept: (
            f"Accept {accept!r} is not */*; clients observe that Atlas rejects Accept: application/json"
        ),
    )
