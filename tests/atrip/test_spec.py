"""specs/atrip.yaml against the documentation, errors.py and the running mock; its values for the
checks every spec gets are its SpecTable (tests/test_specs.py).

The spec is the provider's OpenAPI document verbatim plus examples and `x-` annotations:
stripped of those, it must equal the documentation's JSON (doc_openapi.json, copied from
the provider's page). Its examples (HTTP 200) and `x-http-errors` (other HTTP statuses)
declare every answer the mock sends; the texts live in errors.MESSAGES. These tests hold
the three together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from openapi_schema_validator import OAS30Validator
from werkzeug.exceptions import BadRequest

from provider_mocks import Mocks
from provider_mocks.providers.atrip import errors
from provider_mocks.providers.atrip.models import LEGACY_ROLES, ORDER_NO, ROLES, TOKEN_PATH
from tests.specs import SOURCES, LiveContext, Node, SpecTable, live_context, load_spec, one_by_one

from .helpers import BODY, HTML_UTF8, JSON_UTF8, PORTAL, demo, headers

HERE = Path(__file__).resolve().parent
DOC_PATH = HERE / "doc_openapi.json"
#: (HTTP status, envelope status, msg)
Answer = tuple[int, int, str | None]

SPEC = SpecTable(
    slug="atrip",
    openapi="3.0.1",
    envelope_keys=["url", "status", "msg"],
    operations={(TOKEN_PATH, "POST"): "atrip.token"},
    servers="x-servers",  # the documented document has none
    marked=21,
)


@pytest.fixture(scope="module")
def spec() -> Node:
    return load_spec("atrip")


def operation(spec: Node) -> Node:
    found: Node = spec["paths"][TOKEN_PATH]["post"]
    return found


def answer_media(spec: Node) -> Node:
    found: Node = operation(spec)["responses"]["200"]["content"]["application/json"]
    return found


def without_additions(node: Any) -> Any:
    """`node` without `x-` annotations and examples: what the documentation wrote."""
    if isinstance(node, dict):
        return {
            k: without_additions(v)
            for k, v in node.items()
            if not k.startswith("x-") and k not in ("examples", "example")
        }
    if isinstance(node, list):
        return [without_additions(v) for v in node]
    return node


def declared(spec: Node) -> dict[Answer, Node]:
    """Every answer the spec declares: the HTTP 200 examples and the x-http-errors."""
    found: dict[Answer, Node] = {}
    for example in answer_media(spec)["examples"].values():
        value = example["value"]
        key = (200, value["status"], value["msg"])
        assert key not in found, f"{key} is declared twice"
        found[key] = value
    for entry in spec["x-http-errors"]["answers"]:
        value = entry["value"]
        key = (entry["http"], value["status"], value["msg"])
        assert key not in found, f"{key} is declared twice"
        found[key] = value
    return found


def template_pattern(template: str) -> re.Pattern[str]:
    """A message template as a pattern: each `{placeholder}` matches any text."""
    parts = re.split(r"\{\w+\}", template)
    return re.compile("(.+)".join(re.escape(part) for part in parts))


def keys_for(msg: str) -> list[int | str]:
    return [key for key, text in errors.MESSAGES.items() if template_pattern(text).fullmatch(msg)]


# -- the spec on its own ----------------------------------------------------------------


def test_spec_is_the_documented_document_verbatim(spec: Node) -> None:
    doc = json.loads(DOC_PATH.read_text(encoding="utf-8"))
    assert doc["openapi"] == spec["openapi"] == "3.0.1"
    assert without_additions(spec) == doc


def test_envelope_keys_are_the_documented_properties(spec: Node) -> None:
    properties = list(answer_media(spec)["schema"]["properties"])
    assert spec["x-envelope-keys"] == properties == ["url", "status", "msg"]


def test_annotations_state_the_models_rules(spec: Node) -> None:
    properties = operation(spec)["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert properties["role"]["x-enum"] == list(ROLES)
    assert properties["role"]["x-legacy-roles"]["values"] == LEGACY_ROLES
    pattern = re.compile(properties["orderNo"]["x-pattern"])
    for order_no in ("A", "a" * 64, "TK-1_2", "a" * 65, "TK 1", "TK1\n", "订单", ""):
        assert bool(pattern.fullmatch(order_no)) == bool(ORDER_NO.fullmatch(order_no)), order_no
    assert spec["x-portal"]["path"] == PORTAL


def test_examples_conform_to_the_documented_schema(spec: Node) -> None:
    schema = answer_media(spec)["schema"]
    for value in declared(spec).values():
        assert [e.message for e in OAS30Validator(schema).iter_errors(value)] == [], value
        assert list(value) == spec["x-envelope-keys"], value
        assert (value["msg"] is None) == (value["status"] == 0), value
        assert (value["url"] == "") == (value["status"] != 0), value


def test_declared_messages_and_errors_py_agree_both_ways(spec: Node) -> None:
    used: set[int | str] = set()
    for http_status, status, msg in declared(spec):
        if status == errors.SUCCESS:
            continue
        assert msg is not None
        keys = keys_for(msg)
        assert len(keys) == 1, f"{msg!r} matches the messages {keys}"
        assert errors.status_of(keys[0]) == status, f"{msg!r} is sent with status {errors.status_of(keys[0])}"
        if http_status != 200:
            assert errors.HTTP_MESSAGES.get(http_status, "bad_request") == keys[0], msg
        used.add(keys[0])
    assert used == set(errors.MESSAGES), f"messages not declared: {set(errors.MESSAGES) - used}"


def test_every_example_and_annotation_says_its_source(spec: Node) -> None:
    for name, example in answer_media(spec)["examples"].items():
        assert example.get("x-source") in SOURCES, name
    for name, example in operation(spec)["requestBody"]["content"]["application/json"]["examples"].items():
        assert example.get("x-source") in SOURCES, name
    for parameter in operation(spec)["parameters"]:
        assert parameter.get("x-source") in SOURCES, parameter["name"]
    for part in ("x-portal", "x-http-errors"):
        assert spec[part]["x-source"] == "decided", part


# -- the spec against the running mock ----------------------------------------------------


@dataclass
class Context(LiveContext):
    slug = "atrip"
    method = "POST"

    def post(
        self,
        body: Any = None,
        role: str = "demo",
        path: str = TOKEN_PATH,
        extra: dict[str, str | None] | None = None,
    ) -> requests.Response:
        data = body if isinstance(body, bytes) else json.dumps(BODY if body is None else body).encode()
        sent = headers(demo(self.http, self.base_url, role), **(extra or {}))
        return self.call(path, data=data, headers=sent)


@dataclass(frozen=True)
class Case:
    name: str
    send: Callable[[Context], requests.Response]


def _crash(error: type[Exception]) -> Callable[[Context], requests.Response]:
    def send(c: Context) -> requests.Response:
        c.crash("issue", error)
        return c.post()

    return send


def _strict_accept(c: Context) -> requests.Response:
    c.monkeypatch.setattr(c.mocks.model("atrip").config.settings, "strict_accept", True)
    return c.post(extra={"Accept": "application/json"})


def _foreign(c: Context) -> requests.Response:
    return c.post({**BODY, "orderNo": "NOT-ONE-OF-MINE"}, role="orders")


CASES = [
    Case("ok", lambda c: c.post()),
    Case("ok legacy", lambda c: c.post({**BODY, "role": "TECH", "cid": "c1"})),
    Case("no credentials", lambda c: c.http.post(c.base_url + TOKEN_PATH, json=BODY)),
    Case("wrong secret", lambda c: c.post(extra={"x-atlas-client-secret": "wrong"})),
    Case("foreign order", _foreign),
    Case("crash", _crash(RuntimeError)),
    Case("no content type", lambda c: c.post(extra={"Content-Type": None})),
    Case("text content type", lambda c: c.post(extra={"Content-Type": "text/plain"})),
    Case("Accept not */*, strict", _strict_accept),
    Case("not json", lambda c: c.post(b"{not json")),
    Case("array", lambda c: c.post([BODY])),
    Case("no orderNo", lambda c: c.post({**BODY, "orderNo": None})),
    Case("no userName", lambda c: c.post({**BODY, "userName": ""})),
    Case("no role", lambda c: c.post({k: v for k, v in BODY.items() if k != "role"})),
    Case("orderNo number", lambda c: c.post({**BODY, "orderNo": 1})),
    Case("userName list", lambda c: c.post({**BODY, "userName": ["a"]})),
    Case("role object", lambda c: c.post({**BODY, "role": {}})),
    Case("cid number", lambda c: c.post({**BODY, "cid": 7})),
    Case("bad role", lambda c: c.post({**BODY, "role": "Boss"})),
    Case("bad orderNo", lambda c: c.post({**BODY, "orderNo": "TK 1"})),
    Case("GET", lambda c: c.http.get(c.base_url + TOKEN_PATH)),
    Case("too large", lambda c: c.post(c.too_large())),
    Case("under the path", lambda c: c.post(path=TOKEN_PATH + "/x")),
    Case("HTTP-level refusal", _crash(BadRequest)),
]


context = live_context(Context)


def check_answer(spec: Node, answer: requests.Response) -> Answer:
    """`answer` is one the spec declares; returns its key."""
    assert answer.headers["Content-Type"] == JSON_UTF8
    payload = answer.json()
    assert list(payload) == spec["x-envelope-keys"]
    key = (answer.status_code, payload["status"], payload["msg"])
    declared_value = declared(spec).get(key)
    assert declared_value is not None, f"HTTP {answer.status_code} {payload} is not declared"
    if payload["status"] == errors.SUCCESS:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/atrip-portal/login\?token=[0-9a-f]{32}", payload["url"])
    else:
        assert payload == declared_value
    return key


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_mock_answer_is_declared(spec: Node, context: Context, case: Case) -> None:
    check_answer(spec, case.send(context))


def test_spec_declares_exactly_what_the_mock_sends(
    spec: Node, context: Context, mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: set[Answer] = set()
    for case in one_by_one(CASES, context, mocks, monkeypatch):
        seen.add(check_answer(spec, case.send(context)))
    assert seen == set(declared(spec))


def test_request_body_examples_are_accepted(spec: Node, context: Context) -> None:
    examples = operation(spec)["requestBody"]["content"]["application/json"]["examples"]
    assert set(examples) == {"current", "legacy"}
    for name, example in examples.items():
        answer = context.post(example["value"])
        assert answer.json()["status"] == 0, name


def test_the_portal_annotation_matches_the_portal(spec: Node, context: Context) -> None:
    url = context.post().json()["url"]
    assert urlsplit(url).path == spec["x-portal"]["path"]
    assert urlsplit(url).query.startswith(spec["x-portal"]["query"] + "=")
    answers = {a["http"]: a["content-type"] for a in spec["x-portal"]["answers"]}
    assert set(answers) == {200, 401, 404, 405}
    sent = {
        200: context.http.get(url),
        401: context.http.get(context.base_url + PORTAL),
        404: context.http.get(context.base_url + "/atrip-portal/x"),
        405: context.http.post(url),
    }
    for status, answer in sent.items():
        assert (answer.status_code, answer.headers["Content-Type"]) == (status, answers[status])
    assert set(answers.values()) == {HTML_UTF8}
