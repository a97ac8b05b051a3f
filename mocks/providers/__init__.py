"""The provider packages, by slug. Each has the same modules:

`__init__` (the Provider), `models` (rules and state), `routes` (thin
handlers on the real paths), `admin` (credential management), `errors` (codes,
messages and the envelope).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the slugs alone (the CLI's arguments) need no provider code loaded
    from ..core.provider import Provider

_PACKAGES = {
    "atrip": ".atrip",
    "itrigger": ".itrigger",
    "appauth": ".appauth",
    "sugon": ".sugon",
    "credential": ".credential",
}

SLUGS: tuple[str, ...] = tuple(_PACKAGES)


def load(slug: str) -> Provider:
    """The provider called `slug`; a ValueError names the known ones."""
    if slug not in _PACKAGES:
        raise ValueError(f"unknown provider {slug!r}; known: {', '.join(SLUGS)}")
    provider: Provider = importlib.import_module(_PACKAGES[slug], __name__).provider
    return provider
