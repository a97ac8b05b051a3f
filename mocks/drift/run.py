"""`provider-mocks drift`: a cassette replayed on the mock, answer by answer against the recording."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..contracts.cassette import evidence
from ..contracts.results import Result
from ..contracts.target import open_target
from ..core.plugins import load
from .cassette import Cassette
from .compare import Rule, TokenLife, differences, rules_for
from .replay import Replayer, StandIn

Progress = Callable[[Result], None]

#: Said of every difference on a [decided] rule.
PROPOSAL = "the rule is [decided]: this proposes to change the decision"


@dataclass
class Drift:
    """A replay's outcome: a row per exchange, and which demo credential stood in for which."""

    provider: str
    results: list[Result] = field(default_factory=list)
    stand_ins: dict[str, StandIn] = field(default_factory=dict)


def drift(
    cassette: Cassette, provider: str, base_url: str | None = None, progress: Progress | None = None
) -> Drift:
    """Replay the cassette on the mock (in-process, or the provider-mocks server at `base_url`)."""
    kit = load(provider)
    outcome = Drift(provider)
    with open_target(provider, base_url) as target:
        if not target.admin:
            raise ValueError(
                f"{base_url} is not a provider-mocks server serving {provider}: drift moves its clock"
            )
        replayer = Replayer(target, kit.credential_fields, target.credentials, kit.sign_again)
        try:
            outcome.stand_ins = replayer.stand_ins(cassette.exchanges)
            tokens = TokenLife()
            for recorded, answer, why in replayer.replay(cassette.exchanges):
                result = Result(f"#{recorded.n}", f"{recorded.method} {recorded.path}", "", "doc", "pass")
                mine = [evidence(recorded, cassette.upstream)]
                if answer is None:
                    result.outcome, result.reason = "fail", why
                else:
                    rules = rules_for(provider, recorded, answer.status, answer.json())
                    found = differences(recorded, answer, tokens)
                    touched = rules.touched(found)
                    result.rule = " / ".join(rule.text for rule in touched)
                    result.source = "/".join(dict.fromkeys(rule.source for rule in touched))
                    if found:
                        told = tokens.told(recorded)
                        result.outcome, result.reason = "fail", _reason(found, touched, told)
                    mine.append(answer.sent)
                tokens.born(recorded, replayer.credential_of(recorded))
                if result.outcome == "fail":
                    result.exchanges = mine
                outcome.results.append(result)
                if progress:
                    progress(result)
        finally:
            target.reset_clock()
    return outcome


def _reason(found: list[Any], touched: list[Rule], told: str) -> str:
    """The differences, what the recording tells of the tokens the request sent, and whether a
    rule they touch is a decision this proposes to change."""
    proposal = ""
    if any(rule.decided for rule in touched):
        proposal = PROPOSAL if len(touched) == 1 else PROPOSAL.replace("the rule is", "a rule it touches is")
    notes = [note for note in (told, proposal) if note]
    text = "; ".join(map(str, found))
    return f"{text} ({'; '.join(notes)})" if notes else text
