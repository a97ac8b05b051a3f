"""The property-based run of a provider's spec against the mock on a loopback port.

Each provider's tests/<slug>/test_schemathesis.py sends every generated call as it is, then
again with live credentials or a token, so the success paths are exercised too; no 5xx, and
every answer conforms to the spec and to the envelope rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.transport import Response

from provider_mocks.contracts.fuzz import CHECKS
from provider_mocks.core.plugins import load

F = TypeVar("F", bound=Callable[..., None])


def property_run(slug: str, max_examples: int) -> Callable[[F], F]:
    """The test, run for `max_examples` generated calls of each operation of `slug`'s spec."""
    schema = schemathesis.openapi.from_path(load(slug).spec_path)

    def decorate(test: F) -> F:
        run = settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck))
        parametrized: F = schema.parametrize()(run(test))
        return parametrized

    return decorate


def conform(case: schemathesis.Case[Any], base_url: str) -> Response:
    """The answer to `case`, checked against the spec and the envelope rules."""
    return case.call_and_validate(base_url=base_url, checks=CHECKS)
