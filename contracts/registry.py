"""Contract cases, each written once, in the `CASES` of its provider's contract module.

A case provokes one documented behaviour of a provider and checks the whole answer. It names
the documentation rule it holds the server to, where that rule comes from, and what control
of the target it needs. A case that is data (a request and the exact refusal it must get, a
method the path does not take) is a `Refusal` row of a table; a case that is a story (an
overwrite, a renewal window, a limit being reached) is a function whose docstring is its title.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import requests

from ..core.plugins import load
from ..core.registry import Registry
from .expect import not_allowed, refused
from .target import Target

SOURCES = ("doc", "public", "decided")
#: What a case may need beyond the provider's own API.
NEEDS = {"admin": "the mock admin API (moving the clock, creating or freezing credentials)"}

CaseFunction = Callable[[Target], None]
#: A case's request, sent to the target.
Send = Callable[[Target], requests.Response]


@dataclass(frozen=True)
class Contract:
    id: str
    title: str
    rule: str
    source: str
    needs: tuple[str, ...]
    run: CaseFunction


@dataclass(frozen=True)
class Refusal:
    """A request and the exact error envelope it must get. With `allow`, a method the path does
    not take: HTTP 405, and Allow naming the methods it does."""

    id: str
    title: str
    rule: str
    send: Send
    answer: Mapping[str, Any]
    source: str = "doc"
    needs: tuple[str, ...] = ()
    status: int = 200
    allow: str | None = None


def _well_formed(id: str, case: Contract) -> None:
    if case.source not in SOURCES:
        raise ValueError(f"contract {id!r}: source must be one of {SOURCES}, not {case.source!r}")
    if unknown := set(case.needs) - set(NEEDS):
        raise ValueError(f"contract {id!r}: unknown needs {sorted(unknown)}; known: {sorted(NEEDS)}")
    if not case.title:
        raise ValueError(
            f"contract {id!r}: give the case a title (a story's docstring), its title in reports"
        )


class Cases(Registry[Contract]):
    """A provider's cases, in the order they are written: tables of refusals and stories."""

    def __init__(self, provider: str) -> None:
        super().__init__("contract case", _well_formed)
        self.provider = provider

    def story(
        self, id: str, *, rule: str, source: str = "doc", needs: tuple[str, ...] = ()
    ) -> Callable[[CaseFunction], CaseFunction]:
        """Add a case told as a function; its docstring's first line is its title."""

        def register(func: CaseFunction) -> CaseFunction:
            title = (func.__doc__ or "").strip().splitlines()[:1]
            self.add(id, Contract(id, "".join(title), rule, source, tuple(needs), func))
            return func

        return register

    def extend(self, *cases: Contract) -> None:
        """Add cases in their order (a table in a provider's own form)."""
        for case in cases:
            self.add(case.id, case)

    def refusals(self, *rows: Refusal) -> None:
        """Add a table of refusals, in its order."""
        self.extend(*(Contract(r.id, r.title, r.rule, r.source, r.needs, self._refuse(r)) for r in rows))

    def _refuse(self, row: Refusal) -> CaseFunction:
        def run(t: Target) -> None:
            if row.allow is None:
                refused(row.send(t), self.provider, row.answer, row.status)
            else:
                not_allowed(row.send(t), self.provider, row.answer, row.allow)

        return run


def contract_module(provider: str) -> ModuleType | None:
    """The module of the provider's contract (its `CASES`, its fuzzing hook `prepare`), if it has one."""
    name = load(provider).contracts
    return None if name is None else importlib.import_module(name)


def contracts_for(provider: str) -> list[Contract]:
    """The provider's cases, in the order they are written."""
    module = contract_module(provider)
    cases: Cases | None = getattr(module, "CASES", None)
    return [] if cases is None else list(cases)
