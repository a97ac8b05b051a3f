"""The property-based part: schemathesis generates requests from the spec and checks every answer.

No 5xx, every answer conforms to the spec (so invalid input gets a documented
code, not an undocumented one), and the envelope rules hold. Runs outside
pytest, against any target, with a fixed seed so reruns match.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .checks import ENVELOPE_CHECKS
from .expect import documented, failures, spec
from .registry import contract_module
from .results import Result
from .target import Exchange, Target

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    *ENVELOPE_CHECKS,
]

#: Fills a generated case with live credentials, so success paths are fuzzed too (each case is
#: also sent as generated).
Fill = Callable[[Case[Any]], None]
#: A provider's fuzzing hook, its contract module's `prepare`: the `Fill` for one run on a target
#: (what it keeps, a live token say, lasts the run).
Prepare = Callable[[Target], Fill]
#: A `Fill` told the demo credential's fields as well.
DemoFill = Callable[[Case[Any], dict[str, Any]], None]


def as_demo(t: Target, fill: DemoFill) -> Fill:
    """`fill` with the target's demo credential; a target given none leaves the cases as generated."""

    def run(case: Case[Any]) -> None:
        if "demo" in t.credentials:
            fill(case, t.creds("demo"))

    return run


def fuzz(target: Target, max_examples: int = 25) -> list[Result]:
    """One result per operation and generation mode."""
    prepare: Prepare | None = getattr(contract_module(target.provider), "prepare", None)
    fill = None if prepare is None else prepare(target)
    results = []
    for operation in documented(spec(target.provider), target.provider):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            results.append(_fuzz_operation(target, operation, mode, max_examples, fill))
    return results


def _fuzz_operation(
    target: Target, operation: Any, mode: GenerationMode, max_examples: int, fill: Fill | None
) -> Result:
    last: list[Exchange] = []

    def send(case: Case[Any]) -> None:
        response = case.call(base_url=target.root, session=target.session, timeout=30)
        last[:] = [Exchange.of(response.request, response.status_code, response.headers, response.content)]
        case.validate_response(response, checks=CHECKS)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    def explore(case: Case[Any]) -> None:
        send(case)
        if fill is not None:
            fill(case)
            send(case)

    started = time.monotonic()
    result = Result(
        id=f"property.{operation.method.upper()} {operation.path}.{mode.value}",
        title=f"{mode.value.capitalize()} requests generated from the spec for {operation.label}",
        rule="no 5xx; every answer conforms to the spec and the envelope rules",
        source="doc",
        outcome="pass",
    )
    try:
        explore()
    except (Exception, BaseExceptionGroup) as error:  # every failure becomes a report row
        result.outcome, result.reason, result.exchanges = "fail", "; ".join(failures(error)), list(last)
    result.seconds = time.monotonic() - started
    return result
