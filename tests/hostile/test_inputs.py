"""Every hostile input to every provider route on every serving stack: an allowed answer
(answers.py), never a 5xx, a traceback or a hang."""

from __future__ import annotations

import functools
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .answers import PROTOCOL_ONLY, exchange, kinds
from .conftest import Stack, Tally
from .inputs import INPUTS, Hostile
from .routes import Plain, Route, plain_requests, provider_routes

#: Sends at once: enough to keep two cores busy, few enough not to crowd other test runs.
PARALLEL = 6


@functools.cache
def _plain(url: str) -> dict[Route, Plain]:
    """Each route's well-formed request on one server, its tokens fetched once."""
    return plain_requests(url)


def _sent(stack: Stack, hostile: Hostile, route: Route, plain: Plain) -> list[str]:
    built = hostile.send(plain)
    pieces = [built] if isinstance(built, bytes) else list(built)
    head = pieces[0].startswith(b"HEAD ")
    answer = exchange(stack.url, pieces, half_close=hostile.half_close, head=head)
    try:
        found = kinds(answer, route, head, hostile.status)
    except AssertionError as problem:
        raise AssertionError(f"{route}: {problem}") from None
    if not hostile.protocol and PROTOCOL_ONLY.intersection(found):
        raise AssertionError(f"{route}: {found}, to an input that is not a protocol error")
    return found


@pytest.mark.parametrize(
    "hostile",
    [pytest.param(h, id=h.name) for h in INPUTS],
)
def test_hostile_input(stack: Stack, tally: Tally, hostile: Hostile) -> None:
    plain = _plain(stack.url)
    since = len(stack.output)
    started = time.monotonic()
    problems: list[str] = []

    def send(route: Route) -> list[str]:
        if problems:  # one failure says enough: a hang would cost a timeout per route
            return []
        try:
            return _sent(stack, hostile, route, plain[route])
        except AssertionError as problem:
            problems.append(str(problem))
            return ["failed"]

    with ThreadPoolExecutor(PARALLEL) as pool:
        answered = list(pool.map(send, provider_routes()))
    tally.seconds += time.monotonic() - started
    tally.inputs.add(hostile.name)
    tally.stacks.add(stack.name)
    tally.paths.update(str(route) for route in provider_routes())
    tally.kinds.update(kind for found in answered for kind in found)
    assert not problems, "\n".join(problems)
    assert stack.process.poll() is None, "the server exited"
    assert not stack.crashes(since), "".join(stack.crashes(since)[:1] + stack.output[since:][-40:])
