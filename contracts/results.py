"""One row of a verification report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .target import Exchange

Outcome = Literal["pass", "fail", "n/a"]


@dataclass
class Result:
    id: str
    title: str
    #: The documentation rule the case holds the server to.
    rule: str
    source: str
    outcome: Outcome
    #: Why it failed, or why it does not apply.
    reason: str = ""
    #: The requests and answers of a failed case.
    exchanges: list[Exchange] = field(default_factory=list)
    seconds: float = 0.0
