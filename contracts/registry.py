"""Contract cases, each written once, in a registry behind a validating decorator.

A case provokes one documented behaviour of a provider and checks the whole
answer. It names the documentation rule it holds the server to, where that
rule comes from, and what control of the target it needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from ..core.plugins import SLUGS
from .target import Target

SOURCES = ("doc", "public", "decided")
#: What a case may need beyond the provider's own API.
NEEDS = {"admin": "the mock admin API (moving the clock, creating or freezing credentials)"}

CaseFunction = Callable[[Target], None]


@dataclass(frozen=True)
class Contract:
    provider: str
    id: str
    title: str
    rule: str
    source: str
    needs: tuple[str, ...]
    run: CaseFunction


_REGISTRY: dict[str, dict[str, Contract]] = {}


def contract(
    provider: str, id: str, *, rule: str, source: str = "doc", needs: tuple[str, ...] = ()
) -> Callable[[CaseFunction], CaseFunction]:
    """Register a case; its docstring's first line is its title."""
    if provider not in SLUGS:
        raise ValueError(f"contract {id!r}: unknown provider {provider!r}")
    if source not in SOURCES:
        raise ValueError(f"contract {id!r}: source must be one of {SOURCES}, not {source!r}")
    if unknown := set(needs) - set(NEEDS):
        raise ValueError(f"contract {id!r}: unknown needs {sorted(unknown)}; known: {sorted(NEEDS)}")

    def register(func: CaseFunction) -> CaseFunction:
        cases = _REGISTRY.setdefault(provider, {})
        if id in cases and cases[id].run.__qualname__ != func.__qualname__:
            raise ValueError(f"contract {id!r} is registered twice for {provider}")
        if not func.__doc__:
            raise ValueError(f"contract {id!r}: give the case a docstring, its title in reports")
        title = func.__doc__.strip().splitlines()[0]
        cases[id] = Contract(provider, id, title, rule, source, tuple(needs), func)
        return func

    return register


def contracts_for(provider: str) -> list[Contract]:
    """The provider's cases, in the order they are written."""
    if provider not in SLUGS:
        raise ValueError(f"unknown provider {provider!r}; known: {', '.join(SLUGS)}")
    importlib.import_module(f".providers.{provider}", __package__)
    return list(_REGISTRY.get(provider, {}).values())
