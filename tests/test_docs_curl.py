"""Every curl block of the docs (docs/*.md and the README) runs as written against a live
`provider-mocks serve`, and each answer it shows is the answer the server gives.

A block is a ```sh block that calls curl. In it, the comment lines right after a command
show that command's output; `…` in them stands for any text, and an answer wrapped over
several comment lines is read as one line (the output's own lines are joined the same
way). Each block starts on a reset server; the documented address, 127.0.0.1:8700, is
replaced by the live server's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.debian import debian_program
from tests.scale.helpers import serving

ROOT = Path(__file__).resolve().parent.parent
#: Where the curl blocks are: the pages of the reference, then the README's front-page example.
SOURCES = (*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md")
DOCUMENTED_BASE = "http://127.0.0.1:8700"
MARK = "\x1e"


@dataclass(frozen=True)
class Command:
    line: int  # the line of its file it starts on
    text: str
    #: The answer shown after it (None: none is shown).
    shown: str | None


@dataclass(frozen=True)
class Block:
    source: str  # the file, relative to the repository
    heading: str
    line: int
    commands: tuple[Command, ...]


def _open_parens(text: str) -> int:
    return text.count("(") - text.count(")")


def parse_block(body: str, first_line: int) -> tuple[Command, ...]:
    """The block's commands (a line continued by `\\` or by an open parenthesis belongs to
    the one it continues), each with the answer lines that follow it."""
    commands: list[Command] = []
    text: list[str] = []
    shown: list[str] = []
    start = 0

    def close() -> None:
        if text:
            commands.append(Command(start, "\n".join(text), "".join(shown) if shown else None))
        text.clear()
        shown.clear()

    for number, line in enumerate(body.splitlines(), first_line):
        stripped = line.strip()
        continuing = (
            bool(text) and not shown and (text[-1].endswith("\\") or _open_parens("\n".join(text)) > 0)
        )
        if stripped.startswith("#") and not continuing:
            if text:  # an answer line: right after a command or another answer line
                shown.append(stripped.lstrip("#").strip())
            continue
        if not stripped:
            if not continuing:
                close()
            continue
        if continuing:
            text.append(line)
            continue
        close()
        start = number
        text.append(line)
    close()
    return tuple(commands)


def blocks(path: Path) -> list[Block]:
    found = []
    heading = ""
    source = path.relative_to(ROOT).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif fence := re.match(r"`{3,}", line):  # a fence: its comment lines are no headings
            # closed by a line of as many backticks or more: a ```` fence holds ``` ones
            closing = re.compile(rf"{fence.group(0)}`*\s*")
            end = next(i for i in range(index + 1, len(lines)) if closing.fullmatch(lines[i]))
            body = "\n".join(lines[index + 1 : end])
            if line.strip() == "```sh" and re.search(r"^\s*(\w+=\$\()?curl\b", body, re.M):
                found.append(Block(source, heading, index + 2, parse_block(body, index + 2)))
            index = end
        index += 1
    return found


BLOCKS = [block for path in SOURCES for block in blocks(path)]


def matches(shown: str, output: str) -> bool:
    """The output, its lines stripped and joined, is the shown answer (`…`: any text)."""
    joined = "".join(line.strip() for line in output.strip().splitlines())
    pattern = ".*?".join(re.escape(part) for part in shown.split("…"))
    return re.fullmatch(pattern, joined, re.S) is not None


def test_the_docs_have_curl_blocks_with_answers() -> None:
    """The parser finds what the docs show, so the test below cannot pass on nothing."""
    curl = {b.heading for b in BLOCKS if b.source == "docs/curl.md"}
    assert curl == {
        "atrip",
        "itrigger",
        "appauth",
        "sugon",
        "credential",
        "wechat",
        "wecom",
        "dingtalk",
        "feishu",
    }
    assert {b.source for b in BLOCKS} == {"docs/curl.md", "docs/faults.md", "README.md"}
    assert all(any(c.shown for c in block.commands) for block in BLOCKS)


def test_the_examples_need_nothing_a_fresh_debian_lacks() -> None:
    """curl, python3 and openssl only (no uuidgen, jq or httpie)."""
    missing_there = re.compile(r"\b(uuidgen|jq|httpie|wget|xxd)\b")
    assert [c.text for b in BLOCKS for c in b.commands if missing_there.search(c.text)] == []


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    debian_program("curl", ("curl",))
    debian_program("openssl", ("openssl",))
    with serving() as url:
        yield url


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{b.source}:{b.line}" for b in BLOCKS])
def test_a_curl_block_answers_what_it_shows(block: Block, base_url: str, tmp_path: Path) -> None:
    assert requests.post(f"{base_url}/__admin/reset", timeout=10).status_code == 200
    script = "\n".join(
        f"{command.text}\nprintf '\\n{MARK}%s{MARK}\\n' {index}"
        for index, command in enumerate(block.commands)
    ).replace(DOCUMENTED_BASE, base_url)
    bash = shutil.which("bash")
    assert bash
    done = subprocess.run(
        [bash, "--noprofile", "--norc", "-c", script],  # curl's progress meters go to stderr
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    outputs = re.split(rf"\n?{MARK}\d+{MARK}\n", done.stdout.decode("utf-8", errors="replace"))
    assert len(outputs) == len(block.commands) + 1, done.stderr.decode(errors="replace")
    wrong = [
        f"{block.source} line {command.line}: {command.text.splitlines()[0]}\n"
        f"  shown: {command.shown}\n  got:   {output.strip()}"
        for command, output in zip(block.commands, outputs, strict=False)
        if command.shown is not None and not matches(command.shown.replace(DOCUMENTED_BASE, base_url), output)
    ]
    assert not wrong, "\n".join(wrong)
