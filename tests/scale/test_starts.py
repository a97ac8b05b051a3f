"""`serve --workers` starts and stops, again and again: each start answers, each stop leaves nothing.

A stop that came while granian forked its workers was lost by a worker (it still ran the
parent's signal handlers), and the parent waited on that worker forever; the process that
announced the start outlived a server stopped before it listened. Here servers are stopped
as soon as they first answer, and at moments spread over their start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid

import pytest
import requests

from .helpers import COMMAND, ITRIGGER_TOKEN, processes_with, serving_process

#: Starts of each kind in a row; each takes about half a second.
STARTS = 16
#: Generous bounds for a noisy 2-core machine: a start answers within, a stop ends within.
FIRST_ANSWER = 20.0
STOPPED = 10.0
MARKER = "PROVIDER_MOCKS_TEST_START"


@pytest.mark.parametrize("workers", ["2", "1"])
def test_each_start_answers_and_each_stop_leaves_nothing_behind(workers: str) -> None:
    for attempt in range(STARTS):
        run = uuid.uuid4().hex
        begun = time.monotonic()
        try:
            with serving_process("--workers", workers, env={MARKER: run}, start_within=FIRST_ANSWER) as (
                url,
                process,
            ):
                answer = requests.get(url + ITRIGGER_TOKEN, timeout=FIRST_ANSWER)
                assert answer.json()["code"] == 40001  # iTrigger's answer to no credentials
                assert time.monotonic() - begun < FIRST_ANSWER, f"start {attempt}: answered late"
                process.terminate()
                process.wait(timeout=STOPPED)  # a stop that hangs fails here
            assert not _left(run), f"start {attempt}: processes left behind"
        finally:
            _kill(run)


@pytest.mark.parametrize("workers", ["2", "1"])
def test_a_stop_during_the_start_leaves_nothing_behind(workers: str) -> None:
    for attempt in range(STARTS):
        run = uuid.uuid4().hex
        process = subprocess.Popen(
            [*COMMAND, "serve", "--port", "0", "--quiet", "--workers", workers],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, MARKER: run},
        )
        try:
            time.sleep(0.1 + attempt * 0.06)  # from the imports to the workers' forks and past them
            process.terminate()
            process.wait(timeout=STOPPED)
            assert not _left(run), f"stopped after {0.1 + attempt * 0.06:.2f} s: processes left behind"
        finally:
            _kill(run)


def _left(run: str) -> list[int]:
    """The processes of `run` still alive a moment after its parent stopped."""
    deadline = time.monotonic() + 2
    while (found := processes_with(MARKER, run)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def _kill(run: str) -> None:
    """Whatever a failed attempt left, gone."""
    for pid in processes_with(MARKER, run):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
