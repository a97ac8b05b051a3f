"""The whole contract suite, property run included, passes on every mock in-process."""

from __future__ import annotations

import time

import pytest

from provider_mocks.contracts.runner import run
from provider_mocks.contracts.target import open_target
from provider_mocks.core.plugins import SLUGS


@pytest.mark.parametrize("provider", SLUGS)
def test_contract_suite_passes_on_our_mock(provider: str, timings: dict[str, float]) -> None:
    started = time.monotonic()
    with open_target(provider) as target:
        results = run(target, fuzz_examples=15)
    timings[provider] = time.monotonic() - started
    assert len(results) >= 10, "each provider has cases for its operations and codes"
    assert [(r.id, r.reason) for r in results if r.outcome != "pass"] == []
