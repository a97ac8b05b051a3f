"""Fault injection: rules that make a provider misbehave on purpose.

A rule matches on provider, operation, method and, optionally, the credential.
Each matcher returns `(ok, reason)`, so a rule that did not fire can say why
("method differs: GET is not POST"). Its action is one small piece: a
documented provider error, a raw HTTP status, a delay, a dropped connection,
a truncated or malformed body, or a slow body. It fires once, N times, after N
matching calls, or with a seeded probability, so runs repeat.

Each action applies itself: in the request, before the provider answers
(`apply`), and an action on the answer's bytes in FaultMiddleware (`send`);
`init_app` hooks both into an app. Rules and their counters live in the
store, like all other state.
"""

from __future__ import annotations

import random
import socket
import time
import uuid
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from flask import Flask, Response, g, request
from pydantic import Field

from .audit import note
from .errors import ProviderError
from .provider import Provider, Strict
from .services import current_provider, get_mocks
from .stores import Store

if TYPE_CHECKING:
    from .services import Mocks

ENVIRON_KEY = "provider_mocks.fault"
#: Set in the WSGI environ of an in-process call (interception): a drop is the client's connection error.
IN_PROCESS_KEY = "provider_mocks.in_process"

#: WSGI's environ and start_response.
Environ = dict[str, Any]
StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class Answer:
    """The app's answer, held back for a byte-level action to send its own way."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def half(self) -> bytes:
        """The first half of the body: what a cut answer sends."""
        return self.body[: len(self.body) // 2]


class FaultAction(Strict, defer_build=True):
    """What a rule does when it fires: each action applies itself, so an action is one class."""

    def check(self, rule: FaultRule, mocks: Mocks) -> None:
        """A ValueError says why this action cannot fire in `rule` (any action can by default)."""

    @abstractmethod
    def apply(self, rule: FaultRule, faults: Faults) -> Response | None:
        """In the request, before the provider answers: an answer to send instead, or None to go on."""


class ByteAction(FaultAction, defer_build=True):
    """An action on the bytes of the provider's answer, taken by FaultMiddleware."""

    def apply(self, rule: FaultRule, faults: Faults) -> Response | None:
        request.environ[ENVIRON_KEY] = self
        return None

    @abstractmethod
    def send(self, answer: Answer, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Send `answer` this action's way."""


class ProviderErrorAction(FaultAction, defer_build=True):
    """Answer with one of the provider's documented errors, in its own envelope."""

    type: Literal["error"]
    code: int | str
    http_status: int = Field(default=200, ge=100, le=599)

    def check(self, rule: FaultRule, mocks: Mocks) -> None:
        if rule.provider is None:
            raise ValueError("action: a provider error needs the rule's provider")
        codes = mocks.model(rule.provider).messages
        if str(self.code) not in codes:
            raise ValueError(
                f"action.code: {self.code!r} is not one of {rule.provider}'s codes: {', '.join(codes)}"
            )

    def apply(self, rule: FaultRule, faults: Faults) -> Response | None:
        raise ProviderError(self.code, http_status=self.http_status)


class StatusAction(FaultAction, defer_build=True):
    """Answer with a raw HTTP status and body, as a broken gateway would."""

    type: Literal["status"]
    status: int = Field(ge=100, le=599)
    body: str = ""
    content_type: str = "text/plain; charset=utf-8"

    def apply(self, rule: FaultRule, faults: Faults) -> Response | None:
        return Response(self.body, status=self.status, content_type=self.content_type)


class DelayAction(FaultAction, defer_build=True):
    """Wait before answering: a fixed time, or a seeded random one between min and max."""

    type: Literal["delay"]
    seconds: float | None = Field(default=None, ge=0, le=300)
    min: float = Field(default=0, ge=0, le=300)
    max: float = Field(default=0, ge=0, le=300)

    def apply(self, rule: FaultRule, faults: Faults) -> Response | None:
        time.sleep(delay_seconds(self, rule, faults.seen(rule)))
        return None


class DropAction(ByteAction, defer_build=True):
    """Close the connection without an answer."""

    type: Literal["drop"]

    def send(self, answer: Answer, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get(IN_PROCESS_KEY):
            raise ConnectionDropped("the connection was dropped by a fault rule")
        connection = _socket(environ)
        if connection is None:  # a server that keeps the socket: headers, then the connection closes
            start_response(answer.status, answer.headers)
            return _broken(b"")
        connection.shutdown(socket.SHUT_RDWR)
        return []


class TruncateAction(ByteAction, defer_build=True):
    """Send the headers and half the body, then close: the client reads too few bytes."""

    type: Literal["truncate"]

    def send(self, answer: Answer, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        start_response(answer.status, answer.headers)
        connection = _socket(environ)
        if connection is not None:
            return _then_close(answer.half, connection)
        if not environ.get(IN_PROCESS_KEY):
            return _broken(answer.half)
        return [answer.half]


class MalformedAction(ByteAction, defer_build=True):
    """Send a well-framed answer whose body is cut in half: not valid JSON."""

    type: Literal["malformed"]

    def send(self, answer: Answer, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        half = answer.half
        start_response(
            answer.status,
            [(k, str(len(half)) if k.lower() == "content-length" else v) for k, v in answer.headers],
        )
        return [half]


class SlowBodyAction(ByteAction, defer_build=True):
    """Send the body a few bytes at a time."""

    type: Literal["slow_body"]
    chunk: int = Field(default=16, ge=1)
    interval: float = Field(default=0.1, ge=0, le=10)

    def send(self, answer: Answer, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        start_response(answer.status, answer.headers)
        return _slowly(answer.body, self)


Action = Annotated[
    ProviderErrorAction
    | StatusAction
    | DelayAction
    | DropAction
    | TruncateAction
    | MalformedAction
    | SlowBodyAction,
    Field(discriminator="type"),
]


class FaultRule(Strict, defer_build=True):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12], min_length=1)
    provider: str | None = None
    operation: str | None = None
    method: str | None = None
    credential: str | None = None
    action: Action
    #: Fire at most this many times (None: every time).
    times: int | None = Field(default=1, ge=1)
    #: Let this many matching calls through first.
    after: int = Field(default=0, ge=0)
    probability: float = Field(default=1.0, ge=0, le=1)
    seed: int = 0


@dataclass(frozen=True)
class Call:
    """What a matcher sees of a request."""

    provider: str | None
    operation: str | None
    method: str
    credential: str | None


Matcher = Callable[[Call], tuple[bool, str]]


def equals(name: str, expected: str, case_sensitive: bool = True) -> Matcher:
    """Matches when the call's `name` is `expected`; otherwise says how it differs."""

    def match(call: Call) -> tuple[bool, str]:
        actual = getattr(call, name)
        same = actual == expected if case_sensitive else str(actual).upper() == expected.upper()
        return same, "" if same else f"{name} differs: {actual!r} is not {expected!r}"

    return match


def matchers(rule: FaultRule) -> Iterator[Matcher]:
    if rule.provider is not None:
        yield equals("provider", rule.provider)
    if rule.operation is not None:
        yield equals("operation", rule.operation)
    if rule.method is not None:
        yield equals("method", rule.method, case_sensitive=False)
    if rule.credential is not None:
        yield equals("credential", rule.credential)


class Faults:
    """The fault rules of one app; first match wins.

    Every request reads the rules' order (and the rules, when there are any), and admin calls
    alone change them: read-mostly keys, which a store whose reads are round trips serves from
    a copy. The counters each matching call changes are not.
    """

    PREFIX = "faults:"

    def __init__(self, store: Store) -> None:
        self.store = store
        store.read_mostly(self._key("order"), self._key("rule", ""))

    def _key(self, *parts: object) -> str:
        return self.PREFIX + ":".join(map(str, parts))

    def add(self, rule: FaultRule) -> FaultRule:
        """Add a rule after the others (an existing id is replaced, counters kept)."""
        self.store.set(self._key("rule", rule.id), rule.model_dump())
        self._update_order(lambda ids: ids if rule.id in ids else [*ids, rule.id])
        return rule

    def _update_order(self, change: Callable[[list[str]], list[str]]) -> None:
        self.store.update(self._key("order"), lambda ids: change(ids or []))

    def rules(self) -> list[FaultRule]:
        order = self.store.get(self._key("order")) or []
        found = (self.store.get(self._key("rule", rule_id)) for rule_id in order)
        return [FaultRule.model_validate(raw) for raw in found if raw is not None]

    def status(self, rule: FaultRule) -> dict[str, Any]:
        """A rule with its counters and why it last did not fire."""
        return {
            **rule.model_dump(),
            "seen": self.seen(rule),
            "fired": self.store.get(self._key("fired", rule.id)) or 0,
            "last_miss": self.store.get(self._key("miss", rule.id)),
        }

    def seen(self, rule: FaultRule) -> int:
        """How many calls matched the rule."""
        seen: int = self.store.get(self._key("seen", rule.id)) or 0
        return seen

    def get(self, rule_id: str) -> FaultRule | None:
        raw = self.store.get(self._key("rule", rule_id))
        return None if raw is None else FaultRule.model_validate(raw)

    def delete(self, rule_id: str) -> bool:
        existed = self.store.delete(self._key("rule", rule_id))
        for counter in ("seen", "fired", "miss"):
            self.store.delete(self._key(counter, rule_id))
        self._update_order(lambda ids: [i for i in ids if i != rule_id])
        return existed

    def reset(self) -> None:
        for key, _ in list(self.store.scan(self.PREFIX)):
            self.store.delete(key)

    def decide(self, call: Call, rules: list[FaultRule] | None = None) -> FaultRule | None:
        """The first rule that fires for `call`; every other rule remembers why it did not.

        `rules`: the rules as just read, to save reading them again.
        """
        for rule in self.rules() if rules is None else rules:
            reason = self._why_not(rule, call)
            if reason is None:
                return rule
            self.store.set(self._key("miss", rule.id), reason)
        return None

    def _why_not(self, rule: FaultRule, call: Call) -> str | None:
        for match in matchers(rule):
            ok, reason = match(call)
            if not ok:
                return reason
        seen = self.store.incr(self._key("seen", rule.id)) or 0
        if seen <= rule.after:
            return f"waiting: matching call {seen} of the first {rule.after} is let through"
        if rule.probability < 1 and random.Random(f"{rule.seed}:{seen}").random() >= rule.probability:
            return f"probability {rule.probability:g}: not drawn for matching call {seen}"
        if self.store.incr(self._key("fired", rule.id), limit=rule.times) is None:
            return f"used up: fired {rule.times} time(s)"
        return None


def delay_seconds(action: DelayAction, rule: FaultRule, seen: int) -> float:
    """The delay to apply: fixed, or drawn from a generator seeded by the rule and the call count."""
    if action.seconds is not None:
        return action.seconds
    return random.Random(f"{rule.seed}:{seen}:delay").uniform(action.min, max(action.min, action.max))


class ConnectionDropped(ConnectionError):
    """An in-process call whose connection a fault dropped (interception turns it into the client's error)."""


class FaultMiddleware:
    """Sends the app's answer through the byte-level action (drop, truncate, malformed, slow body)
    the request decided on, if any."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            captured.update(status=status, headers=headers)
            return lambda _: None

        body = b"".join(self.app(environ, capture))
        action: ByteAction | None = environ.get(ENVIRON_KEY)
        if action is not None:
            return action.send(Answer(captured["status"], captured["headers"], body), environ, start_response)
        start_response(captured["status"], captured["headers"])
        return [body]


def _socket(environ: Environ) -> socket.socket | None:
    """The client's connection, from the development server or gunicorn."""
    found: socket.socket | None = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    return found


def _broken(sent: bytes) -> Iterator[bytes]:
    """Send `sent`, then fail: a server without the socket closes the connection mid-answer."""
    if sent:
        yield sent
    raise ConnectionDropped("the connection was cut by a fault rule")


def _then_close(sent: bytes, connection: socket.socket) -> Iterator[bytes]:
    """Send the short body, then close: the client is left waiting for the rest."""
    yield sent
    connection.shutdown(socket.SHUT_RDWR)


def _slowly(body: bytes, action: SlowBodyAction) -> Iterator[bytes]:
    for start in range(0, len(body), action.chunk):
        if start:
            time.sleep(action.interval)
        yield body[start : start + action.chunk]


def _credential(provider: Provider) -> str | None:
    """The credential the request presents, for a rule that names one."""
    for name in provider.credential_fields:
        found = request.args.get(name) or request.headers.get(name)
        if not found and request.mimetype == "application/x-www-form-urlencoded":
            found = request.form.get(name)
        if found:
            return found
    return None


def init_app(app: Flask, *, admin_prefix: str) -> None:
    """Fault rules decide before the provider answers (never on the admin API, under
    `admin_prefix`); byte-level actions happen in the middleware."""

    @app.before_request
    def inject() -> Response | None:
        faults = get_mocks().faults
        found = faults.rules()
        if not found:  # the usual case: one store read, nothing to match
            return None
        provider = current_provider()
        if provider is None or request.path.startswith(admin_prefix):
            return None
        endpoint = request.endpoint or ""
        call = Call(provider.slug, endpoint.rpartition(".")[2] or None, request.method, _credential(provider))
        rule = faults.decide(call, found)
        if rule is None:
            return None
        if call.credential:  # for the timeline: the model may never see the request
            note(presented=call.credential)
        g.fault = rule
        return rule.action.apply(rule, faults)

    app.wsgi_app = FaultMiddleware(app.wsgi_app)  # type: ignore[method-assign]
