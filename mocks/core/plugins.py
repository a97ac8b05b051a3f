"""Providers as plugins: every distribution installed, this one included, names its
providers in the entry point group `provider_mocks.providers`, each a `Provider`. The kit
knows no provider by name; it finds them here.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the slugs alone (the CLI's arguments) need no provider code loaded
    from .provider import Provider

GROUP = "provider_mocks.providers"
#: The built-in providers come first, in this order; installed ones follow by name.
BUILT_IN = ("atrip", "itrigger", "appauth", "sugon", "credential", "wechat", "wecom", "dingtalk", "feishu")


@cache
def _entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for point in entry_points(group=GROUP):
        found.setdefault(point.name, point)
    order = {slug: n for n, slug in enumerate(BUILT_IN)}
    return dict(sorted(found.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))


def slugs() -> tuple[str, ...]:
    """Every installed provider's slug: the names of the group's entry points."""
    return tuple(_entry_points())


#: The slugs as the process started.
SLUGS = slugs()


def load(slug: str) -> Provider:
    """The provider called `slug`; a ValueError names the known ones, or what is wrong with
    the entry point that names it."""
    from .provider import Provider

    point = _entry_points().get(slug)
    if point is None:
        raise ValueError(f"unknown provider {slug!r}; known: {', '.join(SLUGS)}")
    provider = point.load()
    if not isinstance(provider, Provider) or provider.slug != slug:
        raise ValueError(
            f"the entry point {slug} = {point.value!r} (group {GROUP}) names {provider!r}, "
            f"not a Provider with slug {slug!r}"
        )
    return provider
