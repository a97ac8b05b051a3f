"""Replaying a cassette's requests against the mock, on the recorded times, with stand-ins.

The mock cannot know the recorded credentials: their secrets are aliases. Each credential
the cassette names (by its provider's credential field: `appId`, `user`, ...) gets a stand-in,
one of the mock's demo credentials, chosen so that it behaves as the recording shows: its
first request is tried with each demo credential (and as recorded, and with a demo id but
the recorded, wrong, secret) on a fresh mock, and the first that gets the code the upstream
gave stands in. The secret aliases seen with an accepted credential become the stand-in's
secrets; any other alias stays as it is, a wrong secret. A token alias becomes the token the
mock gave where the upstream gave it, so a later call uses the mock's own.

Before each request the mock's clock is frozen at the time the request was recorded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import requests

from ..contracts.target import Exchange, Target
from .aliases import TOKEN_ALIAS
from .cassette import Recorded

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


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
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
        return _json(self.body)


def fields_of(recorded: Recorded) -> dict[str, str]:
    """A request's named values, by lower-cased name: query, form or JSON body, header fields."""
    found = {name.lower(): value for name, value in parse_qsl(recorded.query, keep_blank_values=True)}
    body = _json(recorded.body)
    if isinstance(body, dict):
        found.update({str(k).lower(): v for k, v in body.items() if isinstance(v, str)})
    elif "form" in (recorded.header("Content-Type") or ""):
        text = recorded.body.decode("utf-8", "replace")
        found.update({k.lower(): v for k, v in parse_qsl(text, keep_blank_values=True)})
    found.update({name.lower(): value for name, value in recorded.headers})
    return found


@dataclass
class StandIn:
    """The demo credential (role) that stands in for a recorded one, and the recorded secrets it accepts."""

    recorded: str
    role: str | None
    #: Lower-cased field name → the recorded value (an alias) the role's own value replaces.
    accepted: dict[str, str] = field(default_factory=dict)


def substitutions(
    recorded: Recorded, stand_in: StandIn, roles: Mapping[str, Mapping[str, Any]]
) -> dict[str, str]:
    """What a stand-in replaces in a request: the recorded id, and the accepted secrets sent with it."""
    if stand_in.role is None:
        return {}
    sent = fields_of(recorded)
    found: dict[str, str] = {}
    for name, value in roles[stand_in.role].items():
        sent_value = sent.get(name.lower())
        if not isinstance(value, str) or sent_value is None or sent_value == value:
            continue
        if sent_value == stand_in.recorded or stand_in.accepted.get(name.lower()) == sent_value:
            found[sent_value] = value
    return found


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
    roles: Mapping[str, Mapping[str, Any]]
    #: Alias or recorded value → what the mock is sent instead.
    table: dict[str, str] = field(default_factory=dict)

    def credential_of(self, recorded: Recorded) -> str | None:
        sent = fields_of(recorded)
        return next((sent[f.lower()] for f in self.credential_fields if sent.get(f.lower())), None)

    def send(self, recorded: Recorded, table: Mapping[str, str]) -> Answer:
        self.target.clock(freeze=True, set=recorded.time.isoformat())
        headers: dict[str, str | None] = dict.fromkeys(_DEFAULT_FIELDS)
        for name, value in recorded.headers:
            if name.lower() not in _OWN_FIELDS:
                headers[name] = substitute(value, table)
        target = substitute(recorded.target, table)
        body = substitute(recorded.body.decode("utf-8", "surrogateescape"), table)
        response = self.target.request(
            recorded.method,
            target,
            headers=headers,
            data=body.encode("utf-8", "surrogateescape") or None,
            allow_redirects=False,
        )
        return Answer(
            response.status_code, dict(response.headers), response.content, self.target.exchanges[-1]
        )

    def reset(self) -> None:
        self.target.admin_call("POST", "/reset")
        self.target.exchanges.clear()

    def candidates(self, credential: str, requests_: list[Recorded]) -> list[StandIn]:
        """Every demo credential with each set of secrets the recording sent, as recorded, and each
        demo id with none of them accepted (a wrong secret)."""
        variants: list[dict[str, str]] = []
        for recorded in requests_:
            sent = fields_of(recorded)
            names = {n.lower() for role in self.roles.values() for n in role} - {
                f.lower() for f in self.credential_fields
            }
            variant = {
                name: sent[name] for name in sorted(names) if name in sent and sent[name] != credential
            }
            if variant and variant not in variants:
                variants.append(variant)
        found = [StandIn(credential, role, variant) for role in self.roles for variant in variants]
        return [*found, StandIn(credential, None), *(StandIn(credential, role) for role in self.roles)]

    def choose(self, credential: str, requests_: list[Recorded]) -> StandIn:
        """The stand-in that gets the upstream's status and code on most of the credential's first
        requests, each sent alone to a fresh mock (the first such, on a tie)."""
        best, best_score = None, -1
        for candidate in self.candidates(credential, requests_):
            score = 0
            for recorded in requests_:
                self.reset()
                table = {**self.table, **substitutions(recorded, candidate, self.roles)}
                try:
                    answer = self.send(recorded, table)
                except requests.RequestException:
                    continue
                wanted = (recorded.status, code_of(recorded.json()))
                score += (answer.status, code_of(answer.json())) == wanted
            if score > best_score:
                best, best_score = candidate, score
            if score == len(requests_):
                break
        assert best is not None
        return best

    def stand_ins(self, exchanges: list[Recorded]) -> dict[str, StandIn]:
        """A stand-in for every credential the cassette names, judged by its first few requests."""
        by_credential: dict[str, list[Recorded]] = {}
        for recorded in exchanges:
            credential = self.credential_of(recorded)
            if credential is not None and len(by_credential.setdefault(credential, [])) < TRIED:
                by_credential[credential].append(recorded)
        chosen = {credential: self.choose(credential, sent) for credential, sent in by_credential.items()}
        for recorded in exchanges:
            credential = self.credential_of(recorded)
            if credential is not None:
                self.table.update(substitutions(recorded, chosen[credential], self.roles))
        self.reset()
        return chosen

    def learn_tokens(self, recorded: Any, answered: Any) -> None:
        """Where the upstream gave a token (its alias), the mock's token at the same place."""
        for alias, value in paired_tokens(recorded, answered):
            self.table.setdefault(alias, value)

    def replay(self, exchanges: list[Recorded]) -> Iterator[tuple[Recorded, Answer | None, str]]:
        """Each recorded exchange with the mock's answer (None and why, when it could not be sent)."""
        for recorded in exchanges:
            try:
                answer = self.send(recorded, self.table)
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
        for i, value in enumerate(recorded):
            mine = answered[i] if isinstance(answered, list) and i < len(answered) else None
            yield from paired_tokens(value, mine)


def _embedded(recorded: str, answered: str) -> Iterator[tuple[str, str]]:
    """Aliases inside a longer text (a link with `?token=<token:1>`): the mock's token after the same
    few characters (the rest, a host say, may differ)."""
    for found in TOKEN_ALIAS.finditer(recorded):
        before = recorded[max(0, found.start() - 12) : found.start()]
        if before and (mine := re.search(re.escape(before) + r"([A-Za-z0-9._~-]+)", answered)):
            yield found.group(0), mine.group(1)
