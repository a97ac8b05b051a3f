"""The credential platform's own behaviour rules: a unique Request-Id on every business call."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

from ...core.checks import Check, OneRequest, Recent, Violation, facts, rule, ruleset
from ...core.journal import Entry


@rule(
    "request-id-reused",
    severity="error",
    source="credential: Request-Id 每次请求唯一",
)
class RequestIdReused(Check):
    """A Request-Id was sent twice: each request needs its own.

    Each later use names the first one still in the journal.
    """

    def begin(self) -> None:
        #: Each Request-Id's uses, oldest first (trimmed to the journal at each use).
        self.uses: Recent[str, deque[int]] = Recent()
        #: The Request-Id of each request reported.
        self.reported: Recent[int, str] = Recent()
        self.oldest = 0

    def see(self, entry: Entry) -> None:
        f = facts(entry)
        if not (request_id := f.get("request_id")):
            return
        uses = self.uses.get(request_id) or deque()
        while uses and uses[0] < self.oldest:
            uses.popleft()
        uses.append(entry["id"])
        self.uses.set(request_id, entry["id"], uses)
        if len(uses) > 1:
            self.reported.set(entry["id"], entry["id"], request_id)
            self.report(entry["id"], *self._worded(request_id, uses[0], entry["id"]), f.get("credential"))

    @staticmethod
    def _worded(request_id: str, first: int, again: int) -> tuple[str, tuple[int, int]]:
        return f"Request-Id {request_id!r} was already used by request #{first}", (first, again)

    def forget(self, oldest: int) -> None:
        super().forget(oldest)
        self.uses.forget(oldest)
        self.reported.forget(oldest)
        self.oldest = oldest

    def violations(self, oldest: int, since: int = 0) -> Iterator[Violation]:
        for message, requests, credential in self.found.values(since):
            if requests[0] >= oldest:
                yield self.violation(message, requests, credential)
                continue
            again = requests[-1]
            request_id = self.reported.get(again) or ""
            first = next(i for i in self.uses.get(request_id) or () if i >= oldest)
            if first < again:
                yield self.violation(*self._worded(request_id, first, again), credential)


@rule(
    "request-id-missing",
    severity="warning",
    source="credential: HEADER Request-Id 请求Id,每次请求唯一标识 (the table lists it as required; "
    "the provider's own Java demo sends none, and the platform answers)",
)
class RequestIdMissing(OneRequest):
    """A business call came without a Request-Id: the documentation asks for a unique one on every call.

    A warning, not an error: the provider's own demo leaves it out and is answered, so the
    platform does not depend on it; a client without one still loses the per-request trace
    and `request-id-reused`'s check. It reads the `request_id` every call notes (None or "":
    none sent), so a call with one is never reported.
    """

    def judge(self, facts: dict[str, Any]) -> str | None:
        if facts.get("kind") == "call" and not facts.get("request_id"):
            return "business call without a Request-Id; the documentation asks for a unique one on every call"
        return None


RULES = ruleset(RequestIdReused, RequestIdMissing)
