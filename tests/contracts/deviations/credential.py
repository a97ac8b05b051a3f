"""credential deviations: each breaks one documented behaviour."""

from __future__ import annotations

from ..deviants import Deviant

DEVIANTS: list[Deviant] = []
