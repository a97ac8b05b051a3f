"""Counts the deviations the contract suite catches and times the suite; prints both at the end."""

from __future__ import annotations

import pytest

KILLS = pytest.StashKey[dict[str, list[bool]]]()
TIMINGS = pytest.StashKey[dict[str, float]]()


@pytest.fixture(scope="session")
def kills(request: pytest.FixtureRequest) -> dict[str, list[bool]]:
    return request.config.stash.setdefault(KILLS, {})


@pytest.fixture(scope="session")
def timings(request: pytest.FixtureRequest) -> dict[str, float]:
    return request.config.stash.setdefault(TIMINGS, {})


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    timed = config.stash.get(TIMINGS, {})
    if timed:
        terminalreporter.section("contract suite against our mocks, in-process")
        for provider, seconds in timed.items():
            terminalreporter.write_line(f"{provider}: {seconds:.1f} s")
        terminalreporter.write_line(f"all: {sum(timed.values()):.1f} s")
    found = config.stash.get(KILLS, {})
    if not found:
        return
    terminalreporter.section("contract suite kill rate")
    for provider, caught in sorted(found.items()):
        terminalreporter.write_line(f"{provider}: {sum(caught)}/{len(caught)} deviations caught")
    total = [c for caught in found.values() for c in caught]
    terminalreporter.write_line(f"all: {sum(total)}/{len(total)} ({100 * sum(total) / len(total):.0f}%)")
