"""One real server per serving stack for the whole hostile suite; its tally printed at the end."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from subprocess import Popen
from typing import IO

import pytest

from tests.scale.helpers import serving_process

#: The serving stacks, by the `serve` arguments that choose them.
STACKS = {
    "serve": (),
    "serve --workers 1": ("--workers", "1"),
    "serve --workers 2": ("--workers", "2"),
}


@dataclass
class Stack:
    """A running `provider-mocks serve`, everything it writes to stdout and stderr kept."""

    name: str
    url: str
    process: Popen[str]
    output: list[str] = field(default_factory=list)

    def watch(self) -> None:
        """Read the server's output as it comes: a full pipe would stall the server."""
        for stream in (self.process.stdout, self.process.stderr):
            threading.Thread(target=self._keep, args=(stream,), daemon=True).start()

    def _keep(self, stream: IO[str] | None) -> None:
        for line in stream or ():
            self.output.append(line)

    def crashes(self, since: int = 0) -> list[str]:
        """Lines of a traceback or an unhandled error the server wrote after line `since`."""
        return [line for line in self.output[since:] if "Traceback" in line or "unhandled error" in line]


@pytest.fixture(scope="session", params=list(STACKS))
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    with serving_process(*STACKS[request.param]) as (url, process):
        running = Stack(request.param, url, process)
        running.watch()
        yield running
        assert process.poll() is None, f"{running.name} exited: {''.join(running.output[-20:])}"
        assert not running.crashes(), "".join(running.output)


@dataclass
class Tally:
    """What the suite sent and how the servers answered."""

    inputs: set[str] = field(default_factory=set)
    paths: set[str] = field(default_factory=set)
    stacks: set[str] = field(default_factory=set)
    kinds: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


TALLY = pytest.StashKey[Tally]()


@pytest.fixture(scope="session")
def tally(request: pytest.FixtureRequest) -> Tally:
    return request.config.stash.setdefault(TALLY, Tally())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    found = config.stash.get(TALLY, None)
    if found is None or not found.kinds:
        return
    sends = sum(found.kinds.values())
    terminalreporter.section("hostile inputs")
    terminalreporter.write_line(
        f"{len(found.inputs)} inputs x {len(found.paths)} paths x {len(found.stacks)} stacks: "
        f"{sends} sends in {found.seconds:.1f} s"
    )
    terminalreporter.write_line(
        "answers: " + ", ".join(f"{kind} {count}" for kind, count in found.kinds.most_common())
    )
