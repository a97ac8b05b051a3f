"""Where the mock's answer differs from the recorded one, and the documented rule each difference touches.

These providers say everything in the body of an HTTP 200, so the body is compared as
closely as the header fields: the status, the exact Content-Type and Content-Encoding, the
escaping of non-ASCII text, key order, the set of fields and their JSON types at every depth
(lists paired by their items' key), the code and message, expiries, a time's unit, a link's
path, and the token's life: whether the upstream and the mock both gave the same token
again, or both a new one.

A difference in the envelope names the envelope rule; any other, the rule the provider's spec
states for the answer (the matching answer schema's description and its `x-source`). A
difference on a [decided] rule proposes to change the decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ..contracts.cassette import operation_of
from ..contracts.checks import answer_schemas, envelope_keys, escaping_problem, matches
from ..contracts.target import NotApplicable
from ..core.openapi import resolved
from .aliases import TOKEN_ALIAS
from .cassette import Recorded
from .replay import CODE_KEYS, Answer, item_key, paired_items, paired_tokens

#: Keys whose values are compared, not only their types: the code, the message, expiries.
MESSAGE_KEYS = ("message", "msg", "errmsg")
_EXPIRY = re.compile(r"expire|expiry|ttl", re.IGNORECASE)
#: What the envelope rule holds every answer to (key order: of the envelope itself).
ENVELOPE_ASPECTS = ("content-type", "content-encoding", "escaping", "key-order")
#: Keys of a point in time, whose unit (seconds or milliseconds) is compared by its digits.
_TIME = re.compile(r"time|stamp", re.IGNORECASE)


def _same_expiry(theirs: Any, ours: Any) -> bool:
    """Whether two expiries are the same, within a second: a request is recorded as it reaches the
    recorder, a little before the upstream reads its clock, so a count of seconds left (or a time)
    the upstream worked out may fall a second off the mock's."""
    if isinstance(theirs, dict | list) or type(theirs) is not type(ours) or theirs == ours:
        return True  # another type is a `type` difference
    if isinstance(theirs, int) and not isinstance(theirs, bool):
        return abs(theirs - int(ours)) <= (1000 if theirs >= 10**12 else 1)  # 13 digits: milliseconds
    if isinstance(theirs, str):
        try:
            return abs((datetime.fromisoformat(theirs) - datetime.fromisoformat(ours)).total_seconds()) <= 1
        except (ValueError, TypeError):  # not ISO times, or one with an offset and one without
            return False
    return False


def _duration(seconds: int) -> str:
    """`1 h 30 min`, `25 min`, `12 s`."""
    hours, minutes = divmod(seconds // 60, 60)
    if not hours and not minutes:
        return f"{seconds} s"
    parts = (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "")
    return " ".join(part for part in parts if part)


def _time_digits(theirs: Any, ours: Any) -> tuple[int, int] | None:
    """The digits of two whole-number times, where they differ (seconds against milliseconds)."""
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (theirs, ours)):
        return None
    digits = len(str(theirs)), len(str(ours))
    return digits if digits[0] != digits[1] else None


def _link_paths(theirs: str, ours: Any) -> tuple[str, str] | None:
    """The paths of two links (`http(s)://host/path`), where they differ: the host is the
    upstream's own, the path is the provider's rule."""
    try:
        links = [urlsplit(v) for v in (theirs, ours)]
    except ValueError:  # a bracketed host that is no IPv6 address: not a link
        return None
    if not all(link.scheme in ("http", "https") and link.netloc for link in links):
        return None
    paths = links[0].path.rstrip("/"), links[1].path.rstrip("/")
    return paths if paths[0] != paths[1] else None


@dataclass(frozen=True)
class Difference:
    #: What differs: status, content-type, content-encoding, escaping, key-order, fields, type,
    #: items, item-order, code, message, value, scale, link-path, token.
    aspect: str
    where: str
    upstream: str
    mock: str

    def __str__(self) -> str:
        place = f" at {self.where}" if self.where else ""
        return f"{self.aspect}{place}: upstream {self.upstream}, mock {self.mock}"

    @property
    def of_envelope(self) -> bool:
        """Whether it touches the envelope every answer shares (its media type, its encoding, its
        escaping, its keys' order), not the rule of this one answer."""
        return self.aspect in ENVELOPE_ASPECTS and not self.where


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", dict: "object", list: "array", type(None): "null"}[type(value)]


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value).lower() if value is None else str(value)


def differences(recorded: Recorded, answer: Answer, tokens: TokenLife) -> list[Difference]:
    """Every way the mock's answer differs from the recorded one."""
    found = []
    if recorded.status != answer.status:
        found.append(Difference("status", "", f"HTTP {recorded.status}", f"HTTP {answer.status}"))
    for name in ("Content-Type", "Content-Encoding"):
        theirs, ours = recorded.header(name, answer=True), answer.header(name)
        if theirs != ours:
            found.append(Difference(name.lower(), "", repr(theirs), repr(ours)))
    theirs_escaped = escaping_problem(recorded.response) is not None
    if theirs_escaped != (escaping_problem(answer.body) is not None):
        shown = {True: "\\u-escapes non-ASCII text", False: "sends non-ASCII text as UTF-8"}
        found.append(Difference("escaping", "", shown[theirs_escaped], shown[not theirs_escaped]))
    theirs_body, ours_body = recorded.json(), answer.json()
    if theirs_body is None or ours_body is None:
        if (theirs_body is None) != (ours_body is None):
            found.append(Difference("body", "", _json_or_not(theirs_body), _json_or_not(ours_body)))
        return found
    if isinstance(theirs_body, dict) and isinstance(ours_body, dict):
        for keys, aspect in ((CODE_KEYS, "code"), (MESSAGE_KEYS, "message")):
            key = next((k for k in keys if k in theirs_body), None)
            if key is not None and key in ours_body and theirs_body[key] != ours_body[key]:
                found.append(Difference(aspect, key, _shown(theirs_body[key]), _shown(ours_body[key])))
    found += _shape(theirs_body, ours_body, "")
    found += tokens.compare(theirs_body, ours_body)
    return found


def _json_or_not(body: Any) -> str:
    return "not JSON" if body is None else "JSON"


def _shape(theirs: Any, ours: Any, where: str) -> Iterator[Difference]:
    """Key order, fields one side has and the other lacks, JSON types, expiry values, the scale of
    a time, the path of a link: at every depth."""
    if _kind(theirs) != _kind(ours):
        if not (isinstance(theirs, str) and TOKEN_ALIAS.fullmatch(theirs) and isinstance(ours, str)):
            yield Difference("type", where or "the body", _kind(theirs), _kind(ours))
        return
    if isinstance(theirs, str) and (paths := _link_paths(theirs, ours)):
        yield Difference("link-path", where, *map(repr, paths))
    if isinstance(theirs, dict):
        if list(theirs) != list(ours) and set(theirs) == set(ours):
            yield Difference("key-order", where, str(list(theirs)), str(list(ours)))
        for key in theirs.keys() - ours.keys():
            yield Difference("fields", f"{where}.{key}".lstrip("."), "sends it", "does not")
        for key in ours.keys() - theirs.keys():
            yield Difference("fields", f"{where}.{key}".lstrip("."), "does not send it", "does")
        for key in theirs.keys() & ours.keys():
            place = f"{where}.{key}".lstrip(".")
            if _EXPIRY.search(key) and not _same_expiry(theirs[key], ours[key]):
                yield Difference("value", place, _shown(theirs[key]), _shown(ours[key]))
            elif _TIME.search(key) and (digits := _time_digits(theirs[key], ours[key])):
                yield Difference("scale", place, *(f"{n} digits" for n in digits))
            yield from _shape(theirs[key], ours[key], place)
    elif isinstance(theirs, list):
        if len(theirs) != len(ours):
            yield Difference("items", where or "the body", str(len(theirs)), str(len(ours)))
        key = item_key(theirs, ours)
        if key is not None:
            order = [item[key] for item in theirs], [item[key] for item in ours]
            if order[0] != order[1]:
                yield Difference("item-order", f"{where} by {key}", *map(str, order))
        for i, (mine, other) in enumerate(paired_items(theirs, ours)[: len(ours)]):
            yield from _shape(mine, other, f"{where}[{i}]")


@dataclass(frozen=True)
class Birth:
    """Where a token was first given: the exchange, its time, the request (method and path) and
    the credential it was given to."""

    n: int
    time: datetime
    request: str
    credential: str | None


class TokenLife:
    """Which token each side gave where: the upstream's by alias, the mock's by value; and where
    each of the upstream's tokens was born, to tell of a token a drifted request sent."""

    def __init__(self) -> None:
        self._mock_by_alias: dict[str, Any] = {}
        self._alias_by_mock: dict[Any, str] = {}
        self._born: dict[str, Birth] = {}

    def born(self, recorded: Recorded, credential: str | None) -> None:
        """Note the tokens the recorded answer gives for the first time, given to `credential`."""
        for alias in TOKEN_ALIAS.findall(recorded.response.decode("utf-8", "replace")):
            birth = Birth(recorded.n, recorded.time, f"{recorded.method} {recorded.path}", credential)
            self._born.setdefault(alias, birth)

    def told(self, recorded: Recorded) -> str:
        """What the recording says of each token the request sent: where it came from, how old
        it was, and whether the same request of the same credential had given a newer one since."""
        sent = dict.fromkeys(TOKEN_ALIAS.findall(recorded.sent_text()))
        told = []
        for alias in sent:
            birth = self._born.get(alias)
            if birth is None:
                continue
            age = int((recorded.time - birth.time).total_seconds())
            text = f"{alias}, given at #{birth.n} {_duration(age)} before"
            newer = next(
                (
                    later
                    for later in self._born.values()
                    if birth.credential is not None
                    and (later.credential, later.request) == (birth.credential, birth.request)
                    and birth.n < later.n < recorded.n
                ),
                None,
            )
            told.append(text + (f", then a newer one at #{newer.n}" if newer else ""))
        return f"the token sent: {'; '.join(told)}" if told else ""

    def compare(self, recorded: Any, answered: Any) -> list[Difference]:
        found = []
        for alias, value in paired_tokens(recorded, answered):
            if not isinstance(value, str):
                continue
            known, earlier = self._mock_by_alias.get(alias), self._alias_by_mock.get(value)
            if known is not None and known != value:
                found.append(Difference("token", "", f"gave the same token again ({alias})", "a new token"))
            elif known is None and earlier is not None and earlier != alias:
                found.append(
                    Difference(
                        "token", "", f"a new token ({alias})", f"gave the same token again ({earlier})"
                    )
                )
            self._mock_by_alias.setdefault(alias, value)
            self._alias_by_mock.setdefault(value, alias)
        return found


@dataclass(frozen=True)
class Rule:
    """The rule an answer is held to: the spec's words and where they come from."""

    text: str
    source: str

    @property
    def decided(self) -> bool:
        return self.source == "decided"


@dataclass(frozen=True)
class Rules:
    """The rules of one answer: its own (the answer schema's) and the envelope's."""

    answer: Rule
    envelope: Rule

    def touched(self, found: list[Difference]) -> list[Rule]:
        """The rules the differences touch (the answer's, where there are none)."""
        kinds = {difference.of_envelope for difference in found}
        touched = [rule for rule, kind in ((self.answer, False), (self.envelope, True)) if kind in kinds]
        return touched or [self.answer]


def rules_for(provider: str, recorded: Recorded, status: int, body: Any) -> Rules:
    """The rule of the answer schema the mock's answer matches (else of the operation's answer),
    and the envelope's: its keys in their documented order, its exact media type, UTF-8 text."""
    try:
        operation = operation_of(provider, recorded)
    except NotApplicable as exc:
        return Rules(Rule(str(exc), "decided"), Rule(str(exc), "decided"))
    spec, raw = operation.schema.raw_schema, operation.definition.raw
    source = raw.get("x-source", "doc")
    answer = resolved(spec, raw.get("responses", {}).get(str(status), {}))
    keys, media = envelope_keys(spec, raw, status, body), next(iter(answer.get("content") or {}), None)
    envelope = "; ".join(
        part
        for part in (
            f"keys {', '.join(keys)} in that order" if keys else "",
            f"Content-Type {media}" if media else "",
            "non-ASCII text as UTF-8",
        )
        if part
    )
    envelope_rule = Rule(f"The envelope: {envelope}.", source)
    for branch in answer_schemas(spec, raw, status):
        if matches(spec, branch, body):
            return Rules(Rule(_words(branch, raw), branch.get("x-source", source)), envelope_rule)
    return Rules(Rule(_words(answer, raw), answer.get("x-source", source)), envelope_rule)


def _words(node: Mapping[str, Any], operation: Mapping[str, Any]) -> str:
    text = str(node.get("description") or operation.get("summary") or "").strip()
    return " ".join(text.split())
