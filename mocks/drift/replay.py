"""Replaying a cassette's requests against the mock, on the recorded times, with stand-ins.

The mock cannot know the recorded credentials: their secrets are aliases. Each credential
the cassette names (by its provider's credential field: `appId`, `user`, ...) gets a stand-in,
one of the mock's demo credentials (those that share an id as one), chosen so that it behaves
as the recording shows. For each set of secrets the recording sent with the credential, its
first few requests are tried on a fresh mock with the stand-in's own secrets (and the request
signed again with them, where the provider signs requests) or with the recorded ones, which
the mock refuses like a wrong secret; the role and the choices that get the upstream's status
and code on most of them stand in. A token alias becomes the token the mock gave where the
upstream gave it, so a later call uses the mock's own.

Before each request the mock's clock is frozen at the time the request was recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import requests

from ..contracts.target import Exchange, Target
from ..core.provider import Outgoing, SignAgain
from .aliases import SIGNATURE_ALIAS, TOKEN_ALIAS
from .cassette import Recorded, parsed

#: Header fields the HTTP client sets itself, never copied from the recording.
_OWN_FIELDS = frozenset({"host", "content-length", "connection", "transfer-encoding", "keep-alive"})
#: Fields requests would add on its own: left out unless the recording sent them.
_DEFAULT_FIELDS = ("User-Agent", "Accept-Encoding", "Accept", "Connection")
#: How many of a credential's first requests choose its stand-in.
TRIED = 4
#: Where an envelope keeps its code, by provider style.
CODE_KEYS = ("code", "status", "errcode")


def code_of(body: Any) -> Any:
    """The code of an envelope: its first code-like key's value (None where there is none)."""
    if isinstance(body, dict):
        return next((body[key] for key in CODE_KEYS if key in body), None)
    return None


@dataclass(frozen=True)
class Answer:
    """The mock's answer to a replayed request, and what was sent for the report."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    sent: Exchange

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    def json(self) -> Any:
        return parsed(self.body)


#: The secrets a request sent with its credential: (lower-cased name, recorded value) pairs.
Secrets = tuple[tuple[str, str], ...]


class Trust(Enum):
    """What a stand-in does with a set of secrets the recording sent with its credential."""

    #: Replaced by the stand-in's own.
    OWN = "its own"
    #: Replaced by the stand-in's own, and the request signed again with its secret.
    SIGNED = "its own, the request signed again"
    #: Left as recorded: the upstream refused them, so a wrong secret stays wrong.
    KEPT = "as recorded (refused like a wrong secret)"


@dataclass
class StandIn:
    """The demo credential (role) that stands in for a recorded one, and what it does with each
    set of secrets the recording sent with it."""

    recorded: str
    role: str | None
    trusted: dict[Secrets, Trust] = field(default_factory=dict)

    def trust(self, secrets: Secrets) -> Trust:
        return self.trusted.get(secrets, Trust.KEPT) if secrets else Trust.OWN

    def __str__(self) -> str:
        """Its role, and what it sends for each set of recorded secrets, a line each."""
        lines = [f"stand-in for {self.recorded}: {self.role or 'none (sent as recorded)'}"]
        for secrets, trust in self.trusted.items():
            if not secrets:
                continue
            sent = ", ".join(f"{name}={value}" for name, value in secrets)
            lines.append(f"  {sent}: {trust.value}")
        return "\n".join(lines)


def merged_roles(
    roles: Mapping[str, Mapping[str, Any]], credential_fields: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """The demo credentials, the roles that share an id as one (a user's password and its access
    key): a recorded credential may use both, and one stand-in must serve both."""
    merged: dict[tuple[Any, ...], tuple[list[str], dict[str, Any]]] = {}
    for name, role in roles.items():
        names, values = merged.setdefault(tuple(role.get(f) for f in credential_fields), ([], {}))
        names.append(name)
        values.update({k: v for k, v in role.items() if k not in values})
    return {" + ".join(names): values for names, values in merged.values()}


def secrets_of(
    recorded: Recorded, roles: Mapping[str, Mapping[str, Any]], credential_fields: tuple[str, ...]
) -> Secrets:
    """What a request sent of the fields a demo credential has, its id aside, and its signature: its
    secrets. A signature makes each signed request's secrets its own: one the upstream accepted
    and one it refused are told apart."""
    sent = recorded.fields
    names = {n.lower() for role in roles.values() for n in role} - {f.lower() for f in credential_fields}
    return tuple(
        (name, value)
        for name, value in sorted(sent.items())
        if name in names or SIGNATURE_ALIAS.fullmatch(value)
    )


def substitute(text: str, table: Mapping[str, str]) -> str:
    if not table:
        return text
    pattern = re.compile("|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)))
    return pattern.sub(lambda m: table[m.group(0)], text)


@dataclass
class Replayer:
    """Sends a cassette's requests to a target that has the mock admin API."""

    target: Target
    credential_fields: tuple[str, ...]
    #: The demo credentials by role, as the target lists them (see `merged_roles`).
    roles: Mapping[str, Mapping[str, Any]]
    #: The provider's way to sign a request again, if its requests are signed.
    sign_again: SignAgain | None = None
    #: Alias or recorded value → what the mock is sent instead.
    table: dict[str, str] = field(default_factory=dict)
    #: Each recorded credential's stand-in, once chosen.
    chosen: dict[str, StandIn] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.roles = merged_roles(self.roles, self.credential_fields)

    def credential_of(self, recorded: Recorded) -> str | None:
        sent = recorded.fields
        return next((sent[f.lower()] for f in self.credential_fields if sent.get(f.lower())), None)

    def secrets_of(self, recorded: Recorded) -> Secrets:
        return secrets_of(recorded, self.roles, self.credential_fields)

    def substitutions(self, recorded: Recorded, stand_in: StandIn) -> dict[str, str]:
        """What a stand-in replaces in a request: the recorded id, and the secrets sent with it
        unless it keeps them."""
        if stand_in.role is None:
            return {}
        sent, own = recorded.fields, stand_in.trust(self.secrets_of(recorded)) is not Trust.KEPT
        found: dict[str, str] = {}
        for name, value in self.roles[stand_in.role].items():
            sent_value = sent.get(name.lower())
            if not isinstance(value, str) or sent_value is None or sent_value == value:
                continue
            if sent_value == stand_in.recorded or own:
                found[sent_value] = value
        return found

    def send(self, recorded: Recorded, table: Mapping[str, str], stand_in: StandIn | None = None) -> Answer:
        """The request as recorded, `table`'s values in it, signed again where the stand-in signs."""
        self.target.clock(freeze=True, set=recorded.time.isoformat())
        headers = {
            name: substitute(value, table)
            for name, value in recorded.headers
            if name.lower() not in _OWN_FIELDS
        }
        outgoing = Outgoing(
            recorded.method,
            substitute(recorded.target, table),
            headers,
            substitute(recorded.body.decode("utf-8", "surrogateescape"), table).encode(
                "utf-8", "surrogateescape"
            ),
        )
        if (
            self.sign_again is not None
            and stand_in is not None
            and stand_in.role is not None
            and stand_in.trust(self.secrets_of(recorded)) is Trust.SIGNED
        ):
            outgoing = self.sign_again(outgoing, self.roles[stand_in.role])
        response = self.target.request(
            outgoing.method,
            outgoing.target,
            headers={**dict.fromkeys(_DEFAULT_FIELDS), **outgoing.headers},
            data=outgoing.body or None,
            allow_redirects=False,
        )
        return Answer(
            response.status_code, dict(response.headers), response.content, self.target.exchanges[-1]
        )

    def reset(self) -> None:
        self.target.admin_call("POST", "/reset")
        self.target.exchanges.clear()

    def score(self, stand_in: StandIn, requests_: list[Recorded]) -> int:
        """On how many of the requests, each sent alone to a fresh mock, the stand-in gets the
        upstream's status and code."""
        score = 0
        for recorded in requests_:
            self.reset()
            table = {**self.table, **self.substitutions(recorded, stand_in)}
            try:
                answer = self.send(recorded, table, stand_in)
            except requests.RequestException:
                continue
            # a code compared as text: one sent as a string is still the same code
            wanted = (recorded.status, str(code_of(recorded.json())))
            score += (answer.status, str(code_of(answer.json()))) == wanted
        return score

    def choose(self, credential: str, sent: Mapping[Secrets, list[Recorded]]) -> StandIn:
        """The stand-in that gets the upstream's status and code on most of the credential's
        first requests with each set of secrets: each role, trusting each set of secrets as best
        it can (its own, its own with the request signed again, kept), then sent as recorded (the
        first such, on a tie)."""
        trusts = [t for t in Trust if t is not Trust.SIGNED or self.sign_again is not None]
        best, best_score = StandIn(credential, None), -1
        for role in self.roles:
            candidate, total = StandIn(credential, role), 0
            for secrets, requests_ in sent.items():
                scores = []
                for trust in trusts if secrets else [Trust.OWN]:
                    candidate.trusted[secrets] = trust
                    scores.append((self.score(candidate, requests_), trust))
                    if scores[-1][0] == len(requests_):
                        break
                found, candidate.trusted[secrets] = max(scores, key=lambda s: s[0])
                total += found
            if total > best_score:
                best, best_score = candidate, total
            if total == sum(map(len, sent.values())):
                return best
        as_recorded = StandIn(credential, None)
        if sum(self.score(as_recorded, r) for r in sent.values()) > best_score:
            return as_recorded
        return best

    def stand_ins(self, exchanges: list[Recorded]) -> dict[str, StandIn]:
        """A stand-in for every credential the cassette names, judged by its first few requests
        with each set of secrets it sent."""
        by_credential: dict[str, dict[Secrets, list[Recorded]]] = {}
        for recorded in exchanges:
            credential = self.credential_of(recorded)
            if credential is not None:
                sent = by_credential.setdefault(credential, {}).setdefault(self.secrets_of(recorded), [])
                if len(sent) < TRIED:
                    sent.append(recorded)
        self.chosen = {name: self.choose(name, sent) for name, sent in by_credential.items()}
        for recorded in exchanges:
            credential = self.credential_of(recorded)
            if credential is not None:
                self.table.update(self.substitutions(recorded, self.chosen[credential]))
        self.reset()
        return self.chosen

    def learn_tokens(self, recorded: Any, answered: Any) -> None:
        """Where the upstream gave a token (its alias), the mock's token at the same place."""
        for alias, value in paired_tokens(recorded, answered):
            self.table.setdefault(alias, value)

    def replay(self, exchanges: list[Recorded]) -> Iterator[tuple[Recorded, Answer | None, str]]:
        """Each recorded exchange with the mock's answer (None and why, when it could not be sent)."""
        for recorded in exchanges:
            credential = self.credential_of(recorded)
            stand_in = None if credential is None else self.chosen.get(credential)
            try:
                answer = self.send(recorded, self.table, stand_in)
            except requests.RequestException as exc:
                yield recorded, None, f"no answer from the mock: {exc}"
                continue
            yield recorded, answer, ""
            self.learn_tokens(recorded.json(), answer.json())


def paired_tokens(recorded: Any, answered: Any) -> Iterator[tuple[str, Any]]:
    """(token alias, the mock's value at the same place) for every whole-value alias in a recorded answer."""
    if isinstance(recorded, str):
        if TOKEN_ALIAS.fullmatch(recorded):
            yield recorded, answered
        elif isinstance(answered, str):
            yield from _embedded(recorded, answered)
    elif isinstance(recorded, dict):
        for key, value in recorded.items():
            yield from paired_tokens(value, answered.get(key) if isinstance(answered, dict) else None)
    elif isinstance(recorded, list):
        for value, mine in paired_items(recorded, answered):
            yield from paired_tokens(value, mine)


def paired_items(recorded: list[Any], answered: Any) -> list[tuple[Any, Any]]:
    """Each recorded item with the answer's item that stands for it: the one with the same
    `item_key` where the items have one, else the one at the same place (None past its end)."""
    if not isinstance(answered, list):
        return [(item, None) for item in recorded]
    key = item_key(recorded, answered)
    if key is None:
        return [(item, answered[i] if i < len(answered) else None) for i, item in enumerate(recorded)]
    by_key = {item[key]: item for item in answered}
    return [(item, by_key[item[key]]) for item in recorded]


def item_key(theirs: list[Any], ours: list[Any]) -> str | None:
    """A key that names each object of both lists once, with the same names on both sides (a
    region's `clusterId`): the items are compared by it, not by their place."""
    if not theirs or not all(isinstance(item, dict) for item in (*theirs, *ours)):
        return None
    first: dict[str, Any] = theirs[0]
    for key in first:
        named = [[item.get(key) for item in side] for side in (theirs, ours)]
        if all(isinstance(v, str | int) and not isinstance(v, bool) for v in (*named[0], *named[1])) and (
            len(set(named[0])) == len(named[0]) == len(named[1]) and set(named[0]) == set(named[1])
        ):
            return key
    return None


def _embedded(recorded: str, answered: str) -> Iterator[tuple[str, str]]:
    """Aliases inside a longer text (a link with `?token=<token:1>`): the mock's token after the same
    few characters (the rest, a host say, may differ)."""
    for found in TOKEN_ALIAS.finditer(recorded):
        before = recorded[max(0, found.start() - 12) : found.start()]
        if before and (mine := re.search(re.escape(before) + r"([A-Za-z0-9._~-]+)", answered)):
            yield found.group(0), mine.group(1)
