"""Reading a provider's spec (specs/<slug>.yaml) and holding it against the running mock.

The machinery the spec checks share: following `$ref`s, walking the operations and the oneOf
branches that pin one code and one message, validating against a schema of the spec, the
`x-source`/`x-assumed` marks, a live answer against what the spec declares for it, the spec as
the admin API serves it, and the tables in which each provider states its values for the
checks every provider's spec gets (tests/test_specs.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import pytest
import requests
import yaml
from flask import Flask
from openapi_schema_validator import OAS30Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from provider_mocks import Mocks

SPECS = Path(__file__).resolve().parents[1] / "specs"
SOURCES = {"doc", "decided", "public"}
ASSUMED_SOURCES = {"decided", "public"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

Node = dict[str, Any]
#: An operation of a spec: (path, METHOD).
Operation = tuple[str, str]
C = TypeVar("C")


def spec_path(slug: str) -> Path:
    return SPECS / f"{slug}.yaml"


def load_spec(slug: str) -> Node:
    loaded: Node = yaml.safe_load(spec_path(slug).read_text(encoding="utf-8"))
    return loaded


# -- reading the spec -----------------------------------------------------------


def resolve(spec: Node, node: Node) -> Node:
    """`node`, its local `$ref`s followed."""
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), f"only local references are expected, not {ref}"
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def operations(spec: Node) -> Iterator[tuple[str, str, Node]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method.upper(), operation


def media(spec: Node, response: Node) -> tuple[str, Node]:
    """A response's one media type and its content."""
    content = resolve(spec, response)["content"]
    assert len(content) == 1, f"one media type per response, not {list(content)}"
    ((media_type, body),) = content.items()
    return media_type, body


def branches(spec: Node, schema: Node) -> list[Node]:
    """The schemas an answer may match: the oneOf branches, or the schema itself."""
    schema = resolve(spec, schema)
    return [resolve(spec, s) for s in schema.get("oneOf", [schema])]


def pinned(spec: Node, schema: Node, name: str) -> set[Any]:
    """The values an allOf tree allows for property `name`: the intersection of its enums, or
    of its `x-text`s (the text a `pattern` holds, with what the platform adds to it: WeChat's
    request id)."""
    schema = resolve(spec, schema)
    allowed: set[Any] | None = None
    prop = resolve(spec, schema.get("properties", {}).get(name) or {})
    if "enum" in prop:
        allowed = set(prop["enum"])
    elif "x-text" in prop:
        allowed = {prop["x-text"]}
    for part in schema.get("allOf", []):
        inner = pinned(spec, part, name)
        if inner:
            allowed = inner if allowed is None else allowed & inner
    return allowed or set()


def branch_pins(spec: Node, branch: Node, message: str = "message", code: str = "code") -> tuple[Any, Any]:
    """The one code (property `code`) and the one message (property `message`) a oneOf branch pins."""
    codes, messages = pinned(spec, branch, code), pinned(spec, branch, message)
    assert len(codes) == 1, f"a branch pins exactly one code, not {codes}: {branch}"
    assert len(messages) == 1, f"a branch pins exactly one message, not {messages}: {branch}"
    return codes.pop(), messages.pop()


def answer_branches(spec: Node) -> Iterator[tuple[str, str, int, Node]]:
    """Every oneOf branch of every response: (path, method, HTTP status, branch)."""
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            _, body = media(spec, response)
            for branch in branches(spec, body["schema"]):
                yield path, method, int(status), branch


def declared_codes(spec: Node, message: str = "message") -> dict[tuple[str, str, int, Any], Any]:
    """Every (path, method, status, code) the spec declares, with its message (property `message`)."""
    found: dict[tuple[str, str, int, Any], Any] = {}
    for path, method, status, branch in answer_branches(spec):
        code, text = branch_pins(spec, branch, message)
        key = (path, method, status, code)
        assert key not in found, f"{key} is declared twice"
        found[key] = text
    return found


def schema_errors(spec: Node, schema: Node, instance: Any) -> list[str]:
    """What is wrong with `instance` against `schema`, a schema of `spec` (its `$ref`s point into spec)."""
    uri = f"urn:provider-mocks:{spec['x-provider']}"
    registry: Registry[Any] = Registry().with_resource(uri, DRAFT4.create_resource(spec))
    rebased = json.loads(json.dumps(schema).replace('"#/', f'"{uri}#/'))
    return [error.message for error in OAS30Validator(rebased, registry=registry).iter_errors(instance)]


# -- where statements come from ---------------------------------------------------


def marked(spec: Node) -> list[tuple[str, Node]]:
    """Every object of the spec that says where it comes from (x-source or x-assumed), with where it is."""

    def walk(node: Any, where: str) -> Iterator[tuple[str, Node]]:
        if isinstance(node, dict):
            yield where, node
            for key, value in node.items():
                yield from walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{where}/{index}")

    return [(where, node) for where, node in walk(spec, "#") if "x-source" in node or "x-assumed" in node]


def check_assumed_marks(found: list[tuple[str, Node]]) -> None:
    """Each statement has a known x-source; decided and public ones, and only those, are x-assumed."""
    for where, node in found:
        source = node.get("x-source")
        assert source in SOURCES, f"{where}: x-source {source!r}"
        if source in ASSUMED_SOURCES:
            assert node.get("x-assumed") is True, f"{where}: x-source {source} without x-assumed: true"
        else:
            assert "x-assumed" not in node, f"{where}: a [doc] statement marked x-assumed"


def check_answer_marks(spec: Node, mark: str, describe: Callable[[Node], Any]) -> None:
    """Every operation has an x-source; every error response, answer branch and example has `mark`:
    an x-source in SOURCES, or x-assumed true. `describe` names a branch in a finding."""

    def holds(node: Node) -> bool:
        return node.get(mark) in SOURCES if mark == "x-source" else node.get(mark) is True

    for path, method, operation in operations(spec):
        assert operation.get("x-source") in SOURCES, f"{method} {path}: no x-source"
        for status, response in operation["responses"].items():
            where = f"{method} {path} {status}"
            if status != "200":
                assert holds(resolve(spec, response)), f"{where}: no {mark}"
            _, body = media(spec, response)
            for branch in branches(spec, body["schema"]):
                assert holds(branch), f"{where}: {describe(branch)}"
            for name, example in body.get("examples", {}).items():
                assert holds(resolve(spec, example)), f"{where}: example {name}"


# -- the spec against the running mock ------------------------------------------


@dataclass
class LiveContext:
    """What a case needs to provoke an answer from the live mock of provider `slug`."""

    slug: ClassVar[str]
    #: The method `call` uses when given none.
    method: ClassVar[str] = "GET"

    base_url: str
    http: requests.Session
    mocks: Mocks
    app: Flask
    monkeypatch: pytest.MonkeyPatch

    def call(self, path: str, method: str | None = None, **kwargs: Any) -> requests.Response:
        return self.http.request(method or self.method, self.base_url + path, **kwargs)

    def demo(self, role: str = "demo") -> dict[str, str]:
        """A demo credential as the model lists it."""
        found: dict[str, str] = self.mocks.model(self.slug).demo_credentials()[role]
        return found

    def crash(self, method: str, error: type[Exception] = RuntimeError) -> None:
        """The model's `method` raises `error`, unexpected, from now on (until the test ends)."""

        def boom(*args: object, **kwargs: object) -> None:
            raise error("a crash the test provoked")

        self.monkeypatch.setattr(self.mocks.model(self.slug), method, boom)

    def too_large(self) -> bytes:
        return b"x" * (int(self.app.config["MAX_CONTENT_LENGTH"]) + 1)


@dataclass
class TokenContext(LiveContext):
    """A provider whose token a demo credential's fields fetch, sent as query parameters."""

    token_path: ClassVar[str]
    #: The demo credential's fields the fetch sends, and fixed parameters besides.
    fields: ClassVar[tuple[str, ...]]
    extra: ClassVar[dict[str, str]] = {}
    #: The envelope code of a fetch that succeeded.
    ok: ClassVar[int] = 200
    #: Where that answer holds the token: the keys to it.
    token_at: ClassVar[tuple[str, ...]]

    def credentials(self, role: str = "demo") -> dict[str, str]:
        found = self.demo(role)
        return {**{name: found[name] for name in self.fields}, **self.extra}

    def fetch(self, **params: str) -> requests.Response:
        return self.call(self.token_path, params=params)

    def token(self, role: str = "demo", credentials: dict[str, str] | None = None) -> str:
        answer = self.fetch(**(credentials or self.credentials(role))).json()
        assert answer["code"] == self.ok, answer
        token = answer
        for key in self.token_at:
            token = token[key]
        assert isinstance(token, str), answer
        return token

    def limited(self, role: str = "limited") -> requests.Response:
        """Fetch with the credential of `role`, which has a small limit, until refused."""
        for _ in range(100):
            answer = self.fetch(**self.credentials(role))
            if answer.json()["code"] != self.ok:
                return answer
        raise AssertionError(f"the {role} credential was never refused")


L = TypeVar("L", bound=LiveContext)


def live_context(kind: type[L]) -> Any:
    """A `context` fixture of `kind`, for a provider's own live checks."""

    @pytest.fixture
    def context(
        base_url: str, http: requests.Session, mocks: Mocks, app: Flask, monkeypatch: pytest.MonkeyPatch
    ) -> L:
        return kind(base_url, http, mocks, app, monkeypatch)

    return context


@dataclass(frozen=True)
class LiveCase(Generic[L]):
    """A request that provokes one answer of the live mock."""

    name: str
    #: The spec operation the request is aimed at; the request may use another method.
    operation: Operation
    #: What the answer must be: its envelope code, or what `AnswerTable.outcome` reads off it.
    expected: Any
    send: Callable[[L], requests.Response]


def check_declared(
    spec: Node,
    operation: tuple[str, str],
    name: str,
    answer: requests.Response,
    key_order: Callable[[Node, Any], list[str]],
) -> Any:
    """`answer` (of case `name`) is one the spec declares for `operation`, (path, method), its keys
    in the order `key_order(schema, payload)` gives; returns its payload."""
    path, method = operation
    where = f"{name}: HTTP {answer.status_code} {answer.text}"
    responses = spec["paths"][path][method.lower()]["responses"]
    assert str(answer.status_code) in responses, f"{where}: status not declared"
    response = resolve(spec, responses[str(answer.status_code)])
    media_type, body = media(spec, response)
    assert answer.headers["Content-Type"] == media_type, where
    payload = json.loads(answer.content.decode("utf-8"))
    assert schema_errors(spec, body["schema"], payload) == [], where
    assert list(payload) == key_order(body["schema"], payload), f"{where}: key order"
    for header_name, header in response.get("headers", {}).items():
        assert header_name in answer.headers, f"{where}: no {header_name} header"
        problems = schema_errors(spec, resolve(spec, header)["schema"], answer.headers[header_name])
        assert problems == [], f"{where}: {header_name}: {answer.headers[header_name]}"
    return payload


def one_by_one(
    cases: Iterable[C], context: Any, mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> Iterator[C]:
    """Each case in turn, the mock reset before it and its monkeypatching undone after it."""
    for case in cases:
        mocks.reset()
        with monkeypatch.context() as patched:
            context.monkeypatch = patched
            yield case


# -- the spec as the admin API serves it ----------------------------------------


def check_served(http: requests.Session, base_url: str, slug: str) -> None:
    """/__admin/specs/<slug> serves the spec file verbatim, and as JSON."""
    text = spec_path(slug).read_text(encoding="utf-8")
    served = http.get(base_url + f"/__admin/specs/{slug}")
    assert served.status_code == 200
    assert served.headers["Content-Type"].startswith("application/yaml")
    assert served.content.decode("utf-8") == text

    as_json = http.get(base_url + f"/__admin/specs/{slug}", params={"format": "json"})
    assert as_json.status_code == 200
    assert as_json.headers["Content-Type"].startswith("application/json")
    assert as_json.json() == yaml.safe_load(text)


# -- each provider's values for the checks every spec gets -----------------------


@dataclass(frozen=True)
class SpecTable:
    """What every provider's spec is held to, with the provider's values."""

    slug: str
    openapi: str
    #: The spec's x-envelope-keys: the answer's keys in their order.
    envelope_keys: list[str]
    #: Each operation and the endpoint of the mock that serves it (None: any of the provider's).
    operations: dict[Operation, str | None]
    #: The spec's list of servers: `servers`, or `x-servers` beside a documented document that has none.
    servers: str = "servers"
    #: How many statements of the spec at least say where they come from.
    marked: int = 1


def envelope_order(spec: Node, operation: Operation, schema: Node, payload: Any) -> list[str]:
    """The spec's x-envelope-keys: the key order of every answer, where no schema has its own."""
    order: list[str] = spec["x-envelope-keys"]
    return order


def branch_order(spec: Node, operation: Operation, schema: Node, payload: Any) -> list[str]:
    """The key order `payload` must have where answers differ in it: its matching branch's own,
    else its operation's, else the spec's."""
    matching = [b for b in branches(spec, schema) if not schema_errors(spec, b, payload)]
    assert len(matching) == 1, f"{payload} matches {len(matching)} branches"
    path, method = operation
    found = spec["paths"][path][method.lower()]
    order = matching[0].get("x-envelope-keys", found.get("x-envelope-keys", spec["x-envelope-keys"]))
    assert isinstance(order, list)
    return order


def code_key(path: str, code: Any, message: Any) -> int | str | None:
    """An answer's errors.MESSAGES key where each code has one text: its code."""
    key: int | str = code
    return key


@dataclass(frozen=True)
class AnswerTable(Generic[L]):
    """A provider whose answer branches each pin one code and one message: how its spec, its
    errors.MESSAGES and its live mock are held together."""

    context: type[L]
    cases: Sequence[LiveCase[L]]
    messages: Mapping[int | str, str]
    #: The errors.MESSAGES key of an answer (path, code, message); None: an answer with a null message.
    text_key: Callable[[str, Any, Any], int | str | None] = code_key
    #: The keys of errors.MESSAGES no operation declares: HTTP-level, answered off the operations.
    undeclared: frozenset[int | str] = frozenset({400, 404, 414})
    #: HTTP statuses the platform itself answers with its own codes (Feishu's 400 and 429); at
    #: any other status but 200 the code is the status (an HTTP-level failure).
    own_statuses: frozenset[int] = frozenset()
    code_type: type = int
    #: The envelope's message property.
    message: str = "message"
    #: An answer is known by its code and its message (a code with several texts), not by its code.
    by_message: bool = False
    #: What every answer branch and example carries: an `x-source`, or `x-assumed` where all are decided.
    mark: str = "x-source"
    #: The key order an answer (payload) of `schema` on an operation must have.
    key_order: Callable[[Node, Operation, Node, Any], list[str]] = envelope_order
    #: The clock is frozen before each case.
    frozen: bool = False
    #: What a case's `expected` is compared with, read off the answer's payload: its code by default.
    outcome: Callable[[Node], Any] = field(default=lambda payload: payload["code"])
    #: The envelope's code property.
    code: str = "code"
    #: The code and message an answer that carries neither stands for (WeChat's successes, which
    #: have no errcode); None: every answer carries both.
    bare: tuple[Any, Any] | None = None
    #: The text errors.MESSAGES holds for an answer's message (WeChat's errmsg without its request id).
    text_of: Callable[[Any], Any] = field(default=lambda message: message)

    @property
    def slug(self) -> str:
        return self.context.slug

    def pins(self, spec: Node, branch: Node) -> tuple[Any, Any]:
        """The one code and message a oneOf branch of the spec pins (`bare` where it pins neither)."""
        if self.bare is not None and not pinned(spec, branch, self.code) | pinned(spec, branch, self.message):
            return self.bare
        return branch_pins(spec, branch, self.message, self.code)

    def read(self, payload: Node) -> tuple[Any, Any]:
        """An answer's code and its message's text (`bare` where it carries neither)."""
        if self.bare is not None and self.code not in payload and self.message not in payload:
            return self.bare
        return payload[self.code], self.text_of(payload[self.message])
