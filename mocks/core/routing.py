"""URL rules that compile their URL builders when first asked to build a URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule

Builder = Callable[..., tuple[str, str]]


class LazyRule(Rule):
    """A rule whose URL builders are compiled on first use, not when the rule is added.

    Werkzeug compiles two builders per rule (an AST, then `compile`) as it adds the
    rule: four fifths of building the app, for URLs the mocks never build (they match
    requests; nothing calls `url_for`). Matching is untouched.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Builder:
        compile_builder = super()._compile_builder
        compiled: Builder | None = None

        def build(rule: Rule, **values: Any) -> tuple[str, str]:
            nonlocal compiled
            if compiled is None:
                compiled = compile_builder(append_unknown)
            return compiled(rule, **values)

        return build
