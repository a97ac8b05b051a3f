"""Errors a model raises; the provider, not the handler, decides the envelope."""

from __future__ import annotations

from pydantic import ValidationError


class ProviderError(Exception):
    """A provider's documented (or decided) error, identified by its code.

    The message comes from the provider's message table when the answer is
    written, so each code's text lives in exactly one place. `detail` replaces
    it where a provider's message names the problem (ATRIP's `msg`, say).
    """

    def __init__(
        self,
        code: int | str,
        *,
        detail: str | None = None,
        http_status: int = 200,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(code if detail is None else f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.http_status = http_status
        self.headers = headers or {}


class AdminError(Exception):
    """A refused admin API call: answered as `{"error": message}` with `status`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    @classmethod
    def invalid(cls, error: ValidationError) -> AdminError:
        """A 400 naming each field a body or a change got wrong, and why."""
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()
        )
        return cls(400, problems)
