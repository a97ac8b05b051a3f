"""Debian's programs for tests that need a real one (a browser, Redis, a reverse proxy).

`debian_program` finds the program and, when it is missing, installs its Debian package
with apt-get (through `sudo -n` unless root). It fails the test loudly, with apt-get's
words, when neither works: such a test is never skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence

import pytest


def find_program(names: Sequence[str], known_paths: Sequence[str] = ()) -> str | None:
    """The first of `names` on PATH, else the first of `known_paths` that can run."""
    for name in names:
        if found := shutil.which(name):
            return found
    return next((path for path in known_paths if os.access(path, os.X_OK)), None)


def apt_get(*args: str) -> subprocess.CompletedProcess[str]:
    command = ["apt-get", *args]
    if os.geteuid() != 0:
        command = ["sudo", "-n", *command]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=900, check=False)


def debian_program(package: str, names: Sequence[str], known_paths: Sequence[str] = ()) -> str:
    """The path of one of `names`, installing Debian's `package` first when none is found."""
    if found := find_program(names, known_paths):
        return found
    if shutil.which("apt-get") is None:
        pytest.fail(f"{names[0]} is missing and there is no apt-get to install it: install {package}")
    if os.geteuid() != 0 and shutil.which("sudo") is None:
        pytest.fail(f"{names[0]} is missing; installing it needs root or sudo: apt-get install {package}")
    done = apt_get("install", "-y", package)
    if done.returncode != 0:  # stale or empty package lists: refresh them once
        apt_get("update")
        done = apt_get("install", "-y", package)
    found = find_program(names, known_paths)
    if done.returncode != 0 or found is None:
        pytest.fail(
            f"{names[0]} is missing and `apt-get install {package}` failed (exit {done.returncode}):\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}",
            pytrace=False,
        )
    return found
