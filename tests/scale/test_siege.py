"""No client can stall another: 300 stalled uploads and 300 slow heads against each serving stack.

Before, one upload that sent `Content-Length: 200` and a byte froze `serve --workers 1`
(its one thread read the body), two froze `--workers 2`, and werkzeug's server held such
connections for ever. Now a normal client gets every answer while the siege lasts, and the
server closes each stalled connection once its timeout is up: a 408 for a body that stopped
coming, nothing for a head that never ended.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from .helpers import ITRIGGER_TOKEN, STACKS, Siege, raise_file_limit, serving

TIMEOUT = 3.0  # --header-timeout and --body-timeout
#: A generous bound for one answer to the normal client on a noisy 2-core machine.
ANSWER_WITHIN = 2.0


@pytest.fixture(params=list(STACKS), ids=list(STACKS))
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if not raise_file_limit(4096):  # 600 connections on each side, and the rest
        pytest.skip("needs 4096 open files")
    timeouts = ("--header-timeout", str(TIMEOUT), "--body-timeout", str(TIMEOUT))
    with serving(*STACKS[request.param], *timeouts) as url:
        yield url


def test_a_normal_client_gets_every_answer_under_siege_and_the_stalled_are_closed(base_url: str) -> None:
    with Siege(base_url, uploads=300, heads=300) as siege:
        answers = []
        while time.monotonic() - siege.begun < TIMEOUT - 0.5:  # while every stalled connection is open
            begun = time.monotonic()
            answer = requests.get(base_url + ITRIGGER_TOKEN, timeout=ANSWER_WITHIN * 2)
            answers.append((answer.json()["code"], time.monotonic() - begun))
        assert [held for held in siege.held if held.closed_after is not None] == []
        assert len(answers) >= 10
        assert {code for code, _ in answers} == {40001}  # no credentials: iTrigger's answer
        assert max(seconds for _, seconds in answers) < ANSWER_WITHIN

        deadline = time.monotonic() + TIMEOUT + 5
        while any(held.closed_after is None for held in siege.held) and time.monotonic() < deadline:
            time.sleep(0.1)
    uploads = [held for held in siege.held if held.kind == "upload"]
    heads = [held for held in siege.held if held.kind == "head"]
    assert [held.received[:12] for held in uploads] == [b"HTTP/1.1 408"] * len(uploads)
    assert [held.received for held in heads] == [b""] * len(heads)
    early = [held.closed_after for held in siege.held if (held.closed_after or 0) < TIMEOUT - 0.5]
    assert early == []  # none closed before its timeout, and every one closed
