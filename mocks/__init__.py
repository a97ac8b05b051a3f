"""Mock servers for Chinese open-platform token APIs, faithful to the providers' docs."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .core.services import Mocks, get_mocks

__all__ = ["Mocks", "__version__", "create_app", "get_mocks"]

#: The one place the version is written: the build reads it from here.
__version__ = "0.1.0"

#: Loaded on first access, so a submodule (the CLI above all) can be imported without the app.
_LAZY = {"create_app": ".app", "Mocks": ".core.services", "get_mocks": ".core.services"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name], __name__), name)
