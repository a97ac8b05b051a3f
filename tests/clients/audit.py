"""What the client tests read of the audit."""

from __future__ import annotations

from provider_mocks.testing.pytest_plugin import ProviderMock


def rules(mock: ProviderMock) -> set[str]:
    """The rules the audit found broken with the mock's credential."""
    return {v.rule for v in mock.violations()}
