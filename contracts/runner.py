"""Running a provider's contract against a target: every case, then the property-based run."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from .expect import Deviation
from .fuzz import fuzz
from .registry import NEEDS, Contract, contracts_for
from .results import Result
from .target import NotApplicable, Target

Progress = Callable[[Result], None]


def run_case(target: Target, case: Contract) -> Result:
    """Run one case; a missing capability makes it not applicable, with the reason."""
    result = Result(case.id, case.title, case.rule, case.source, outcome="pass")
    missing = [need for need in case.needs if need == "admin" and not target.admin]
    if missing:
        result.outcome, result.reason = "n/a", "needs " + "; ".join(NEEDS[m] for m in missing)
        return result
    target.exchanges = []
    started = time.monotonic()
    try:
        case.run(target)
    except NotApplicable as exc:
        result.outcome, result.reason = "n/a", str(exc)
    except Deviation as exc:
        result.outcome, result.reason = "fail", str(exc)
    except requests.RequestException as exc:
        result.outcome, result.reason = "fail", f"no usable answer: {exc}"
    finally:
        if "admin" in case.needs:
            target.reset_clock()
    if result.outcome == "fail":
        result.exchanges = list(target.exchanges)
    result.seconds = time.monotonic() - started
    return result


def run(target: Target, *, fuzz_examples: int = 25, progress: Progress | None = None) -> list[Result]:
    """Every case for the target's provider, then (unless `fuzz_examples` is 0) the property run."""
    results = []
    for case in contracts_for(target.provider):
        results.append(run_case(target, case))
        if progress:
            progress(results[-1])
    if fuzz_examples:
        for result in fuzz(target, fuzz_examples):
            results.append(result)
            if progress:
                progress(result)
    return results
