"""The envelope checks have teeth: each fails on a server that deviates, and passes on the mock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask, Response
from schemathesis.core.failures import FailureGroup

from provider_mocks.contracts.checks import (
    ENVELOPE_CHECKS,
    envelope_key_order,
    exact_json_content_type,
    utf8_not_escaped,
)
from provider_mocks.core.plugins import load
from provider_mocks.core.server import LiveServer

TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
GOOD = '{"code":40001,"message":"appId或appSecret为空","data":null}'.encode()
schema = schemathesis.openapi.from_path(load("itrigger").spec_path)


@pytest.fixture(scope="module")
def deviant() -> Iterator[tuple[str, dict[str, Any]]]:
    """A server whose token answer is whatever the test puts in `answer`."""
    answer: dict[str, Any] = {}
    app = Flask(__name__)
    app.add_url_rule(TOKEN, "token", lambda: Response(answer["body"], content_type=answer["type"]))
    with LiveServer(app) as server:
        yield server.url, answer


def case() -> schemathesis.Case[Any]:
    return schema[TOKEN]["GET"].Case(query={"appId": "", "appSecret": ""})


@pytest.mark.parametrize(
    ("check", "body", "content_type", "named"),
    [
        (exact_json_content_type, GOOD, "application/json", "Content-Type is ['application/json']"),
        (exact_json_content_type, GOOD, "application/json; charset=utf-8", "the provider sends"),
        (
            utf8_not_escaped,
            b'{"code":40001,"message":"appId\\u6216appSecret\\u4e3a\\u7a7a","data":null}',
            "application/json;charset=UTF-8",
            "\\u-escaped",
        ),
        (
            utf8_not_escaped,
            '{"code":40001,"message":"é","data":null}'.encode("latin-1"),
            "application/json;charset=UTF-8",
            "not UTF-8",
        ),
        (
            envelope_key_order,
            '{"code":40001,"data":null,"message":"appId或appSecret为空"}'.encode(),
            "application/json;charset=UTF-8",
            "documented order is ['code', 'message', 'data']",
        ),
    ],
)
def test_each_check_names_the_deviation(
    deviant: tuple[str, dict[str, Any]], check: Any, body: bytes, content_type: str, named: str
) -> None:
    url, answer = deviant
    answer.update(body=body, type=content_type)
    with pytest.raises(FailureGroup) as failed:
        case().call_and_validate(base_url=url, checks=[check])
    assert named in str(failed.value)


def test_checks_pass_on_the_documented_bytes(deviant: tuple[str, dict[str, Any]]) -> None:
    url, answer = deviant
    answer.update(body=GOOD, type="application/json;charset=UTF-8")
    case().call_and_validate(base_url=url, checks=list(ENVELOPE_CHECKS))


def test_escaped_ascii_control_characters_are_fine(deviant: tuple[str, dict[str, Any]]) -> None:
    url, answer = deviant
    answer.update(
        body=b'{"code":40001,"message":"a\\u0001\\\\u4e2d","data":null}',
        type="application/json;charset=UTF-8",
    )
    case().call_and_validate(base_url=url, checks=[utf8_not_escaped])
