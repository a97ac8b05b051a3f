"""JSON answers as the providers' Java gateways write them, and JSON the mocks keep.

Keys keep the order the code wrote them in (the documented order), Chinese
text goes out as UTF-8 rather than `\\u` escapes, and the Content-Type is the
exact `application/json;charset=UTF-8` the gateways send.

What the mocks keep for themselves (the memory store's values) is written and read by orjson,
a tenth of the standard library's time; its text is never seen, so its spelling of a float
(`1e16`, not `1e+16`) does not matter, where an answer's would.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from flask import Response

CONTENT_TYPE = "application/json;charset=UTF-8"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(payload: Any) -> str:
    """Compact JSON, insertion-ordered, non-ASCII kept as is.

    A lone surrogate (a client's `\\ud800` escape, echoed back) goes out as the same escape:
    UTF-8 cannot carry it, and an answer must not fail for it.
    """
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return _LONE_SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None, content_type: str = CONTENT_TYPE
) -> Response:
    """A Flask response carrying `payload` byte for byte as the gateways would (`content_type`: a
    provider's own, where it writes another)."""
    return Response(dumps(payload).encode("utf-8"), status=status, headers=headers, content_type=content_type)


def pack(value: Any) -> bytes | str:
    """`value` as JSON to keep: orjson's bytes, or, for what orjson refuses (an int past 64 bits,
    a lone surrogate, a key that is not text), the standard library's text, read back by it."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value)


def unpack(kept: bytes | str) -> Any:
    """What `pack` kept, as it was given (orjson would read a long int as a float)."""
    return orjson.loads(kept) if isinstance(kept, bytes) else json.loads(kept)
