"""The behaviour rules every provider shares: token fetching, overwriting, refreshing and
backing off. A provider's own rules live in its package (see `core.checks`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .checks import Check, Recent, Violation, facts, rule, ruleset
from .journal import Entry

#: A call refused for one of these token states asks the client to refresh.
REFUSED_STATES = ("expired", "overwritten")


@rule(
    "refetch-while-valid",
    severity="warning",
    source="iTrigger: 建议三方应用使用中控服务器统一获取和刷新accessToken; "
    "appauth: 有效期内重复获取返回同一token",
)
class RefetchWhileValid(Check):
    """A token was fetched while the client's own one was still valid: cache it instead.

    Not counted: a refresh in the last `early_refresh_fraction` of the lifetime (planned),
    a fetch right after a call refused for an invalid token (the passive refresh), and a
    replaced token that someone uses later (two fetchers: `overwritten-token-used`).
    """

    def begin(self) -> None:
        #: Each credential's last fetch.
        self.issued: Recent[str, int] = Recent()
        #: Credentials whose last call since that fetch was refused for an invalid token.
        self.refused: Recent[str, int] = Recent()
        #: Fetches reported, by the token they replaced: a later call with it withdraws them.
        self.replacing: Recent[str, tuple[int, ...]] = Recent()

    def see(self, entry: Entry) -> None:
        f = facts(entry)
        credential = str(f.get("credential"))
        if f.get("kind") == "call":
            if f.get("token_state") in REFUSED_STATES:
                self.refused.set(credential, entry["id"], entry["id"])
            else:
                self.refused.pop(credential)
            if (token := f.get("token")) is not None:
                for fetch in self.replacing.pop(token) or ():
                    self.found.pop(fetch)
        if f.get("kind") != "fetch" or "token" not in f:
            return
        replaced = f.get("replaced")
        early = f.get("replaced_left", 0) > self.settings.early_refresh_fraction * f.get(
            "replaced_lifetime", 0
        )
        previous = self.issued.get(credential)
        if replaced and early and previous is not None and credential not in self.refused:
            self.report(
                entry["id"],
                f"{credential} fetched a token while the one from request #{previous} was "
                f"valid for {f['replaced_left']:.0f} s more",
                (previous, entry["id"]),
                credential,
            )
            if replaced != f["token"]:  # the same token reissued is never withdrawn
                self.replacing.set(
                    replaced, entry["id"], (*(self.replacing.get(replaced) or ()), entry["id"])
                )
        self.issued.set(credential, entry["id"], entry["id"])
        self.refused.pop(credential)

    def forget(self, oldest: int) -> None:
        super().forget(oldest)
        for kept in (self.issued, self.refused, self.replacing):
            kept.forget(oldest)


@rule(
    "overwritten-token-used",
    severity="error",
    source="iTrigger: 不应该各自去刷新，否则容易造成冲突，导致accessToken覆盖而影响业务",
)
class OverwrittenTokenUsed(Check):
    """A call used a token that another fetch had overwritten: several fetchers overwrite each other.

    The finding stays while the call is in the journal; the fetches it names are left out
    once the journal has dropped them.
    """

    def begin(self) -> None:
        #: The last fetch that issued, and the last that overwrote, each token.
        self.issued_by: Recent[str, int] = Recent()
        self.overwritten_by: Recent[str, int] = Recent()
        #: Each call reported: the fetch that issued its token and the one that overwrote it.
        self.fetches: Recent[int, tuple[int | None, int | None]] = Recent()

    def see(self, entry: Entry) -> None:
        f = facts(entry)
        if f.get("kind") == "fetch" and "token" in f:
            self.issued_by.set(f["token"], entry["id"], entry["id"])
            if f.get("replaced"):
                self.overwritten_by.set(f["replaced"], entry["id"], entry["id"])
        elif f.get("kind") == "call" and f.get("token_state") == "overwritten":
            token = f.get("token", "")
            fetches = (self.issued_by.get(token), self.overwritten_by.get(token))
            self.fetches.set(entry["id"], entry["id"], fetches)
            self.report(entry["id"], *self._worded(entry["id"], *fetches, f.get("credential")))

    def _worded(
        self, call: int, issued: int | None, overwritten: int | None, credential: str | None
    ) -> tuple[str, tuple[int, ...], str | None]:
        involved = tuple(i for i in (issued, overwritten) if i is not None)
        message = f"{credential} called with a token that request #{overwritten or '?'} had overwritten"
        return message, (*involved, call), credential

    def forget(self, oldest: int) -> None:
        super().forget(oldest)
        for kept in (self.issued_by, self.overwritten_by, self.fetches):
            kept.forget(oldest)

    def violations(self, oldest: int, since: int = 0) -> Iterator[Violation]:
        for message, requests, credential in self.found.values(since):
            call = requests[-1]
            fetches = self.fetches.get(call) or (None, None)
            if all(i is None or i >= oldest for i in fetches):
                yield self.violation(message, requests, credential)
                continue
            issued, overwritten = (i if i is not None and i >= oldest else None for i in fetches)
            yield self.violation(*self._worded(call, issued, overwritten, credential))


@rule(
    "no-refresh-after-invalid",
    severity="error",
    source="iTrigger: 业务服务器在API调用获知accessToken已超时的情况下，可以触发accessToken的刷新流程",
)
class NoRefreshAfterInvalid(Check):
    """A call was refused for an expired or overwritten token, and the client did not refresh and retry."""

    def begin(self) -> None:
        #: Each credential's refused call, while it is the credential's last request.
        self.waiting: Recent[Any, tuple[int, str]] = Recent()

    def see(self, entry: Entry) -> None:
        f = facts(entry)
        credential = f.get("credential")
        refused = self.waiting.pop(credential)
        if refused is not None:
            call, state = refused
            if f.get("kind") in ("fetch", "renew"):
                self.found.pop(call)
            else:
                self.report(
                    call,
                    f"{credential} called again after a refusal ({state} token) without refreshing it first",
                    (call, entry["id"]),
                    credential,
                )
        if f.get("kind") == "call" and f.get("token_state") in REFUSED_STATES:
            self.waiting.set(credential, entry["id"], (entry["id"], f["token_state"]))
            self.report(
                entry["id"],
                f"{credential}'s call was refused ({f['token_state']} token) and never retried "
                "with a fresh token",
                (entry["id"],),
                credential,
            )

    def forget(self, oldest: int) -> None:
        super().forget(oldest)
        self.waiting.forget(oldest)


@rule(
    "retry-without-backoff",
    severity="error",
    source="iTrigger 40004 超过租户调用次数限制; appauth 429 请求过于频繁; sugon 10008",
)
class RetryWithoutBackoff(Check):
    """The client repeated a refused request at once instead of backing off."""

    def begin(self) -> None:
        #: The last request told to back off, per credential and operation, until it is repeated.
        self.told: Recent[tuple[Any, Any], Entry] = Recent()

    def see(self, entry: Entry) -> None:
        f = facts(entry)
        credential = f.get("credential")
        key = (credential, entry.get("operation"))
        told = self.told.pop(key)
        if told is not None and (waited := entry["received"] - told["received"]) < self.settings.min_backoff:
            self.report(
                told["id"],
                f"{credential} retried {told['operation']} {waited:.3f} s after being told to back "
                f"off (less than {self.settings.min_backoff:g} s)",
                (told["id"], entry["id"]),
                credential,
            )
        if f.get("backoff"):
            self.told.set(key, entry["id"], entry)

    def forget(self, oldest: int) -> None:
        super().forget(oldest)
        self.told.forget(oldest)


RULES = ruleset(RefetchWhileValid, OverwrittenTokenUsed, NoRefreshAfterInvalid, RetryWithoutBackoff)
