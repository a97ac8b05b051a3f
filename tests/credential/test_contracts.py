"""The envelope checks accept `trackId` in `_trackId`'s place, and nothing looser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from flask import Flask, Response
from schemathesis.core.failures import FailureGroup

from provider_mocks import create_app, get_mocks
from provider_mocks.contracts.checks import envelope_key_order
from provider_mocks.contracts.fuzz import CHECKS
from provider_mocks.core.plugins import load
from provider_mocks.core.server import LiveServer

from .helpers import ECHO, TOKEN

schema = schemathesis.openapi.from_path(load("credential").spec_path)
TAIL = '"data":null,"extr":null,"timestamp":1772337600000,"_status":null,"ok":false}'
HEAD = '{"code":10131,"message":"缺少必要请求参数！",'


@pytest.fixture(scope="module")
def deviant() -> Iterator[tuple[str, dict[str, Any]]]:
    """A server whose token answer is whatever the test puts in `answer`."""
    answer: dict[str, Any] = {}
    app = Flask(__name__)
    app.add_url_rule(
        TOKEN,
        "token",
        lambda: Response(answer["body"], content_type="application/json;charset=UTF-8"),
        methods=["POST"],
    )
    with LiveServer(app) as server:
        yield server.url, answer


def case() -> schemathesis.Case[Any]:
    return schema[TOKEN]["POST"].Case(query={})


@pytest.mark.parametrize(
    "body",
    [HEAD + '"_trackId":null,' + TAIL, HEAD + '"trackId":null,' + TAIL, HEAD + '"_trackId":"t-1",' + TAIL],
)
def test_either_spelling_passes(deviant: tuple[str, dict[str, Any]], body: str) -> None:
    url, answer = deviant
    answer["body"] = body.encode()
    case().call_and_validate(base_url=url, checks=CHECKS)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (HEAD + '"_trackId":null,"trackId":null,' + TAIL, "envelope keys are"),
        (HEAD + TAIL, "envelope keys are"),
        (HEAD + '"data":null,"trackId":null,' + TAIL.replace('"data":null,', ""), "documented order is"),
        (HEAD + '"track_id":null,' + TAIL, "also accepted: {'trackId': '_trackId'}"),
    ],
)
def test_deviations_still_fail(deviant: tuple[str, dict[str, Any]], body: str, named: str) -> None:
    url, answer = deviant
    answer["body"] = body.encode()
    with pytest.raises(FailureGroup) as failed:
        case().call_and_validate(base_url=url, checks=[envelope_key_order])
    assert named in str(failed.value)


def test_the_mock_sending_the_documented_spelling_conforms() -> None:
    app = create_app({"credential": {"settings": {"track_id_key": "trackId"}}}, providers=["credential"])
    creds = get_mocks(app).model("credential").demo_credentials()["demo"]
    with LiveServer(app) as server:
        fetched = schema[TOKEN]["POST"].Case(
            query={"clientId": creds["clientId"], "secret": creds["secret"], "userType": "2"}
        )
        answer = fetched.call_and_validate(base_url=server.url, checks=CHECKS)
        assert list(answer.json())[2] == "trackId"
        called = schema[ECHO]["POST"].Case(
            headers={"Access-Token": answer.json()["data"], "Request-Id": "r"}, body={"k": 1}
        )
        echoed = called.call_and_validate(base_url=server.url, checks=CHECKS)
        assert echoed.json()["data"] == {"k": 1}
        assert "_trackId" not in requests.post(f"{server.url}{TOKEN}", timeout=10).json()
