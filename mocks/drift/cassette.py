"""The cassette: a recording of a provider's traffic as JSON Lines, safe to share.

The first line says what was recorded (`{"cassette": 1, "provider": ..., "upstream": ...}`);
every further line is one exchange, written and flushed as it happened, so a killed recorder
loses at most the exchange it was writing (a reader skips a last line cut short). A line holds
the request as the upstream received it (method, path and query as on the wire, header fields
in order, the body) and the answer as the upstream gave it (status, header fields, the body),
bodies with any Content-Encoding undone, secrets and tokens replaced by aliases (`aliases.py`).
A body that is not UTF-8 text is kept as `{"base64": "..."}`. Where the upstream gave no answer,
the line holds the recorder's own (a 502) and `error` says why. Times are UTC with their
offset, so a cassette replays the same on any machine.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import IO, Any, Self
from urllib.parse import parse_qsl

VERSION = 1

Fields = tuple[tuple[str, str], ...]


class CassetteError(ValueError):
    """A file that is not a cassette this version reads; the message says where and why."""


def parsed(data: bytes) -> Any:
    """`data` as JSON, or None where it is not."""
    try:
        return json.loads(data)
    except ValueError:
        return None


def _text(data: bytes) -> str | dict[str, str]:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def _bytes(kept: Any) -> bytes:
    if isinstance(kept, dict):
        return base64.b64decode(kept["base64"])
    return str(kept).encode("utf-8")


@dataclass(frozen=True)
class Recorded:
    """One exchange as the cassette keeps it (aliases in place of secrets and tokens)."""

    n: int
    time: datetime
    method: str
    path: str
    query: str
    headers: Fields
    body: bytes
    status: int
    response_headers: Fields
    response: bytes
    ms: float = 0.0
    #: Why the upstream gave no answer; the status and answer are then the recorder's own.
    error: str | None = None

    def header(self, name: str, answer: bool = False) -> str | None:
        """A request's (or, with `answer`, the answer's) header field, by name in any case."""
        lower = name.lower()
        fields = self.response_headers if answer else self.headers
        return next((value for key, value in fields if key.lower() == lower), None)

    @property
    def target(self) -> str:
        """The path and query as on the request line."""
        return self.path + (f"?{self.query}" if self.query else "")

    def sent_text(self) -> str:
        """What the request sent, as text: its target, header fields and body."""
        fields = "\n".join(f"{name}: {value}" for name, value in self.headers)
        return f"{self.target}\n{fields}\n{self.body.decode('utf-8', 'replace')}"

    def json(self) -> Any:
        """The answer as JSON, or None where it is not."""
        return parsed(self.response)

    @cached_property
    def fields(self) -> dict[str, str]:
        """The request's named values, by lower-cased name: query, form or JSON body, header
        fields (read once: the replay asks for them several times a request)."""
        found = {name.lower(): value for name, value in parse_qsl(self.query, keep_blank_values=True)}
        body = parsed(self.body)
        if isinstance(body, dict):
            found.update({str(k).lower(): v for k, v in body.items() if isinstance(v, str)})
        elif "form" in (self.header("Content-Type") or ""):
            text = self.body.decode("utf-8", "replace")
            found.update({k.lower(): v for k, v in parse_qsl(text, keep_blank_values=True)})
        found.update({name.lower(): value for name, value in self.headers})
        return found

    def line(self) -> str:
        failed = {} if self.error is None else {"error": self.error}
        return json.dumps(
            {
                "n": self.n,
                "time": self.time.isoformat(),
                "ms": round(self.ms, 3),
                "method": self.method,
                "path": self.path,
                "query": self.query,
                "headers": [list(pair) for pair in self.headers],
                "body": _text(self.body),
                "status": self.status,
                "response_headers": [list(pair) for pair in self.response_headers],
                "response": _text(self.response),
                **failed,
            },
            ensure_ascii=False,
            separators=(", ", ": "),
        )

    @classmethod
    def of_line(cls, kept: dict[str, Any]) -> Self:
        return cls(
            n=int(kept["n"]),
            time=datetime.fromisoformat(kept["time"]),
            method=str(kept["method"]),
            path=str(kept["path"]),
            query=str(kept.get("query", "")),
            headers=tuple((str(k), str(v)) for k, v in kept.get("headers", [])),
            body=_bytes(kept.get("body", "")),
            status=int(kept["status"]),
            response_headers=tuple((str(k), str(v)) for k, v in kept.get("response_headers", [])),
            response=_bytes(kept.get("response", "")),
            ms=float(kept.get("ms", 0.0)),
            error=None if kept.get("error") is None else str(kept["error"]),
        )


@dataclass
class Cassette:
    """A cassette as read: what was recorded, and its exchanges in the order they happened."""

    provider: str | None
    upstream: str
    started: datetime
    exchanges: list[Recorded] = field(default_factory=list)
    #: A last line cut short (a recorder killed while writing it), skipped.
    truncated: bool = False

    @classmethod
    def read(cls, path: str | Path) -> Cassette:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CassetteError(f"cannot read {path}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CassetteError(f"{path} is not a cassette: it is not UTF-8 text") from exc
        return cls.parse(text, str(path))

    @classmethod
    def parse(cls, text: str, name: str = "<cassette>") -> Cassette:
        lines = text.split("\n")
        cut = bool(lines) and lines[-1] != ""  # no newline after the last line: written in part
        rows = [(number, line) for number, line in enumerate(lines, 1) if line.strip()]
        if not rows:
            raise CassetteError(f"{name} is empty: no cassette header")
        cassette: Cassette | None = None
        for number, line in rows:
            try:
                kept = json.loads(line)
                if cassette is None:
                    cassette = cls._header(kept, name)
                else:
                    cassette.exchanges.append(Recorded.of_line(kept))
            except CassetteError:
                raise  # the header's own error says what is wrong with the file
            except (ValueError, KeyError, TypeError) as exc:
                if cut and number == rows[-1][0] and cassette is not None:
                    cassette.truncated = True
                    break
                raise CassetteError(f"{name}, line {number}: not a cassette line ({exc})") from exc
        assert cassette is not None
        return cassette

    @classmethod
    def _header(cls, kept: Any, name: str) -> Cassette:
        if not isinstance(kept, dict) or "cassette" not in kept:
            raise CassetteError(f'{name} is not a cassette: its first line has no "cassette" version')
        if kept["cassette"] != VERSION:
            raise CassetteError(
                f"{name} is a version {kept['cassette']} cassette; this reads version {VERSION}"
            )
        started = datetime.fromisoformat(kept["started"])
        return cls(kept.get("provider"), str(kept.get("upstream", "")), started)

    def __iter__(self) -> Iterator[Recorded]:
        return iter(self.exchanges)


class Writer:
    """Appends exchanges to a cassette file as they happen, each line flushed to the disk."""

    def __init__(self, stream: IO[str], provider: str | None, upstream: str, started: datetime) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        header = {"cassette": VERSION, "provider": provider, "upstream": upstream}
        self._write(json.dumps({**header, "started": started.isoformat()}, ensure_ascii=False))

    def _write(self, line: str) -> None:
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    def append(self, exchange: Recorded) -> None:
        self._write(exchange.line())

    def close(self) -> None:
        with self._lock:
            self._stream.close()
