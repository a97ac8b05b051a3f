"""Mock servers for Chinese open-platform token APIs, faithful to the providers' docs."""

from __future__ import annotations

from .app import create_app
from .core.services import Mocks, get_mocks

__all__ = ["Mocks", "create_app", "get_mocks"]
