"""JSON answers as the providers' Java gateways write them.

Keys keep the order the code wrote them in (the documented order), Chinese
text goes out as UTF-8 rather than `\\u` escapes, and the Content-Type is the
exact `application/json;charset=UTF-8` the gateways send.
"""

from __future__ import annotations

import json
import re
from typing import Any

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


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A Flask response carrying `payload` byte for byte as the gateways would."""
    return Response(dumps(payload).encode("utf-8"), status=status, headers=headers, content_type=CONTENT_TYPE)
