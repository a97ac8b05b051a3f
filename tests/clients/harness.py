"""How the client tests build a sample client for a mock, and read what the audit found."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pytest

from provider_mocks.testing.pytest_plugin import ProviderMock

C = TypeVar("C")


def build(
    mock: ProviderMock, kind: Callable[..., C], keys: Sequence[str], base: str | None = None, **options: Any
) -> C:
    """A `kind` client with the test's own credentials (`keys`, in its order), on the mock's clock."""
    credentials = (mock.credentials[key] for key in keys)
    return kind(base or mock.base_url, *credentials, now=mock.clock.time, **options)


def rules(mock: ProviderMock) -> set[str]:
    """The rules the audit found broken with the mock's credential."""
    return {v.rule for v in mock.violations()}


def assert_flagged(mock: ProviderMock, rule: str, mention: str, severity: str = "error") -> None:
    """The audit found one thing only, a breach of `rule` naming `mention`, and the conformance
    check fails on it; a warning passes the check that leaves warnings out."""
    found = mock.violations()
    assert [(v.rule, v.severity) for v in found] == [(rule, severity)]
    assert mention in found[0].message
    with pytest.raises(AssertionError, match=rf"\[{severity}\] {rule} \({mock.slug}\)"):
        mock.assert_conformant()
    if severity == "warning":
        mock.assert_conformant(warnings=False)
