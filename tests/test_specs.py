"""The checks every provider's spec gets: against the OpenAPI standard, errors.py and the running mock.

Each provider states its values in its tests/<slug>/test_spec.py (a SpecTable, and an
AnswerTable where the spec's answer branches pin one code and one message each), beside the
checks only its spec needs. The codes and messages live in the provider's errors.MESSAGES; the
spec repeats them as enums and examples. These checks hold the two together, and check that
every answer the mock can give on a declared operation is declared, and nothing more.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from openapi_spec_validator import validate

from provider_mocks import Mocks
from provider_mocks.cli import DEFAULT_PORT
from provider_mocks.core.plugins import load
from tests.appauth import test_spec as appauth
from tests.atrip import test_spec as atrip
from tests.credential import test_spec as credential
from tests.dingtalk import test_spec as dingtalk
from tests.feishu import test_spec as feishu
from tests.itrigger import test_spec as itrigger
from tests.specs import (
    AnswerTable,
    LiveCase,
    LiveContext,
    Node,
    SpecTable,
    answer_branches,
    branches,
    check_answer_marks,
    check_assumed_marks,
    check_declared,
    check_served,
    load_spec,
    marked,
    media,
    one_by_one,
    operations,
    resolve,
    schema_errors,
)
from tests.sugon import test_spec as sugon
from tests.wechat import test_spec as wechat
from tests.wecom import test_spec as wecom

SPECS = [
    atrip.SPEC,
    itrigger.SPEC,
    appauth.SPEC,
    sugon.SPEC,
    credential.SPEC,
    wechat.SPEC,
    wecom.SPEC,
    dingtalk.SPEC,
    feishu.SPEC,
]
ANSWERS: list[AnswerTable[Any]] = [
    itrigger.ANSWERS,
    appauth.ANSWERS,
    sugon.ANSWERS,
    credential.ANSWERS,
    wechat.ANSWERS,
    feishu.ANSWERS,
]
LOADED = {table.slug: load_spec(table.slug) for table in SPECS}
CASES = [(table, case) for table in ANSWERS for case in table.cases]

each_spec = pytest.mark.parametrize("table", SPECS, ids=[table.slug for table in SPECS])
each_answering = pytest.mark.parametrize("table", ANSWERS, ids=[table.slug for table in ANSWERS])

#: (path, METHOD, HTTP status, envelope code[, message])
Answer = tuple[Any, ...]


def identity(table: AnswerTable[Any], code: Any, message: Any) -> tuple[Any, ...]:
    """What tells one answer from another: its code, or its code and its message."""
    return (code, message) if table.by_message else (code,)


def branch_identity(table: AnswerTable[Any], spec: Node, branch: Node) -> tuple[Any, ...]:
    """The answer a oneOf branch pins."""
    return identity(table, *table.pins(spec, branch))


def declared(table: AnswerTable[Any], spec: Node) -> set[Answer]:
    """Every answer the spec declares: (path, method, status, *identity)."""
    found: set[Answer] = set()
    for path, method, status, branch in answer_branches(spec):
        key = (path, method, status, *branch_identity(table, spec, branch))
        assert key not in found, f"{key} is declared twice"
        found.add(key)
    return found


def text(table: AnswerTable[Any], path: str, code: Any, message: Any) -> str | None:
    """The text errors.MESSAGES gives the answer on the operation of `path` (None: a null message)."""
    key = table.text_key(path, code, message)
    if key is None:
        return None
    assert key in table.messages, f"{path}: code {code} is not in errors.MESSAGES"
    return table.messages[key]


# -- the spec on its own --------------------------------------------------------


@each_spec
def test_spec_is_valid_openapi(table: SpecTable) -> None:
    spec = LOADED[table.slug]
    validate(spec)
    assert spec["openapi"] == table.openapi
    assert spec["x-provider"] == load(table.slug).slug
    assert spec["x-envelope-keys"] == table.envelope_keys


@each_spec
def test_servers_are_the_real_hosts_and_the_mock(table: SpecTable) -> None:
    servers = {urlsplit(server["url"]).netloc for server in LOADED[table.slug][table.servers]}
    assert set(load(table.slug).hosts) <= servers
    assert f"127.0.0.1:{DEFAULT_PORT}" in servers


@each_spec
def test_every_operation_is_routed_by_the_mock(table: SpecTable, app: Flask) -> None:
    paths = LOADED[table.slug]["paths"]
    found = {(path, key.upper()) for path, item in paths.items() for key in item if not key.startswith("x-")}
    assert found == set(table.operations)
    routes = app.url_map.bind("localhost")
    mount = load(table.slug).mount  # a prefixed provider's real paths are routed under it
    for (path, method), expected in table.operations.items():
        endpoint, _ = routes.match(mount + path, method=method)
        if expected is None:
            assert endpoint.startswith(f"{table.slug}."), (path, method, endpoint)
        else:
            assert endpoint == expected, (path, method, endpoint)


@each_spec
def test_decided_and_public_statements_are_marked_assumed(table: SpecTable) -> None:
    found = marked(LOADED[table.slug])
    assert len(found) >= table.marked, "too little in the spec says where it comes from"
    check_assumed_marks(found)


@each_answering
def test_declared_answers_are_those_of_errors_py(table: AnswerTable[Any]) -> None:
    spec = LOADED[table.slug]
    answers = list(answer_branches(spec))
    assert answers, "the spec declares no answer"
    for path, method, status, branch in answers:
        code, message = table.pins(spec, branch)
        assert isinstance(code, table.code_type), f"{method} {path}: code {code!r} is not a {table.code_type}"
        assert message == text(table, path, code, message), f"{method} {path}: message of {code}"
        if status not in (200, *table.own_statuses):  # HTTP-level failures carry the status as their code
            assert str(code) == str(status), f"{method} {path}: HTTP {status} declares code {code}"


@each_answering
def test_every_message_of_errors_py_is_declared(table: AnswerTable[Any]) -> None:
    """Both ways: only the HTTP-level codes answered off the operations are left out."""
    spec = LOADED[table.slug]
    used = set()
    for path, _, _, branch in answer_branches(spec):
        used.add(table.text_key(path, *table.pins(spec, branch)))
    assert set(table.messages) - used == table.undeclared


@each_answering
def test_each_answer_schema_has_one_branch_per_answer(table: AnswerTable[Any]) -> None:
    spec = LOADED[table.slug]
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            _, body = media(spec, response)
            found = [branch_identity(table, spec, b) for b in branches(spec, body["schema"])]
            assert len(found) == len(set(found)), f"{method} {path} {status}: {found} overlap"


@each_answering
def test_examples_cover_every_answer_and_match_exactly_one_branch(table: AnswerTable[Any]) -> None:
    spec = LOADED[table.slug]
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            where = f"{method} {path} {status}"
            _, body = media(spec, response)
            schema_branches = branches(spec, body["schema"])
            sources = {branch_identity(table, spec, b): b.get("x-source") for b in schema_branches}
            examples = [resolve(spec, e) for e in body.get("examples", {}).values()]
            found = [identity(table, *table.read(e["value"])) for e in examples]
            assert sorted(found) == sorted(sources), f"{where}: one example per declared answer"
            for example, answer in zip(examples, found, strict=True):
                value = example["value"]
                assert schema_errors(spec, body["schema"], value) == [], f"{where}: example {value}"
                matching = [b for b in schema_branches if not schema_errors(spec, b, value)]
                assert len(matching) == 1, f"{where}: {value} matches {len(matching)} branches"
                code, message = table.read(value)
                assert message == text(table, path, code, message), where
                assert example.get("x-source") == sources[answer], f"{where}: x-source of {value}"
                order = table.key_order(spec, (path, method), body["schema"], value)
                assert list(value) == order, f"{where}: key order of {value}"


@each_answering
def test_every_answer_says_where_it_comes_from(table: AnswerTable[Any]) -> None:
    spec = LOADED[table.slug]
    check_answer_marks(spec, table.mark, lambda branch: f"answer {branch_identity(table, spec, branch)}")


# -- the spec against the running mock ------------------------------------------


def check_answer(table: AnswerTable[Any], case: LiveCase[Any], answer: requests.Response) -> Answer:
    """`answer` is one the spec declares for the case's operation; returns its key."""
    spec = LOADED[table.slug]
    payload = check_declared(
        spec,
        case.operation,
        case.name,
        answer,
        lambda schema, payload: table.key_order(spec, case.operation, schema, payload),
    )
    return *case.operation, answer.status_code, *identity(table, *table.read(payload))


@pytest.fixture
def context(
    table: AnswerTable[Any],
    base_url: str,
    http: requests.Session,
    mocks: Mocks,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> LiveContext:
    """The live context of the table's provider."""
    found: LiveContext = table.context(base_url, http, mocks, app, monkeypatch)
    return found


@pytest.mark.parametrize(("table", "case"), CASES, ids=[f"{table.slug} {case.name}" for table, case in CASES])
def test_mock_answer_is_declared(
    table: AnswerTable[Any], case: LiveCase[Any], context: LiveContext, mocks: Mocks
) -> None:
    if table.frozen:
        mocks.clock.freeze()
    answer = case.send(context)
    assert table.outcome(answer.json()) == case.expected, f"{case.name}: {answer.text}"
    check_answer(table, case, answer)


@each_answering
def test_spec_declares_exactly_what_the_mock_sends(
    table: AnswerTable[Any], context: LiveContext, mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All cases together reach every answer the spec declares, and no other."""
    seen: set[Answer] = set()
    for case in one_by_one(table.cases, context, mocks, monkeypatch):
        if table.frozen:
            mocks.clock.freeze()
        seen.add(check_answer(table, case, case.send(context)))
    assert seen == declared(table, LOADED[table.slug])


# -- the spec as the admin API serves it ----------------------------------------


@each_spec
def test_admin_serves_the_spec_file(table: SpecTable, base_url: str, http: requests.Session) -> None:
    check_served(http, base_url, table.slug)
