"""Test integrations: the pytest plugin and in-process interception of the providers' real hosts."""

from __future__ import annotations

from .intercept import Interceptor, intercept

__all__ = ["Interceptor", "intercept"]
