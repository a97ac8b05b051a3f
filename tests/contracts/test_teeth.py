"""The contract suite has teeth: it fails on each deliberately deviating server, naming the deviation.

The kill rate (deviations caught / deviations planted) is printed at the end of the run.
"""

from __future__ import annotations

import importlib

import pytest

from provider_mocks.contracts.runner import run
from provider_mocks.contracts.target import open_target
from provider_mocks.core.plugins import SLUGS

from .deviants import Deviant, serving

DEVIANTS: dict[str, list[Deviant]] = {
    slug: importlib.import_module(f"{__package__}.deviations.{slug}").DEVIANTS for slug in SLUGS
}

CASES = [(provider, deviant) for provider, deviants in DEVIANTS.items() for deviant in deviants]


@pytest.mark.parametrize(("provider", "deviant"), CASES, ids=[f"{p}-{d.name}" for p, d in CASES])
def test_suite_fails_on_the_deviation(provider: str, deviant: Deviant, kills: dict[str, list[bool]]) -> None:
    with serving(provider, deviant) as url, open_target(provider, url) as target:
        assert target.admin, "the deviant is our mock with its admin API"
        failures = [r for r in run(target, fuzz_examples=0) if r.outcome == "fail"]
    caught = any(deviant.named in r.reason for r in failures)
    kills.setdefault(provider, []).append(caught)
    assert caught, f"no case named {deviant.named!r}; failures: {[(r.id, r.reason) for r in failures]}"


@pytest.mark.parametrize("provider", SLUGS)
def test_each_provider_has_at_least_four_deviations(provider: str) -> None:
    assert len(DEVIANTS[provider]) >= 4
