"""Demo data: realistic, and the same on every start, so printed credentials stay valid.

Each provider draws its demo set from a Faker seeded by its slug. Importing Faker
takes about 0.2 s, most of a start, and the values never change: so the calls each
provider made and what they returned are recorded in `demo_values.json`, and a start
replays them without importing Faker. A provider whose calls no longer match the
recording (its demo set changed) gets a real seeded Faker at once, with the same
values as before the recording ended; `python -m provider_mocks.core.demo` records again, and
a test says when the recording is stale.
"""

from __future__ import annotations

import importlib
import json
import zlib
from collections.abc import Callable
from contextvars import ContextVar
from functools import cache, wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # the type functools.cache makes
    from functools import _lru_cache_wrapper

RECORDING = Path(__file__).with_name("demo_values.json")
T = TypeVar("T")

#: While `record` runs: slug -> its locale and the calls made, with their results.
_recording: ContextVar[dict[str, dict[str, Any]] | None] = ContextVar("demo_recording", default=None)


def real_faker(slug: str, locale: str = "zh_CN") -> Any:
    """A Faker seeded by the provider's slug: each provider's demo set is stable on its own."""
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(zlib.crc32(slug.encode()))
    return fake


@cache
def _recorded() -> dict[str, Any]:
    try:
        found: dict[str, Any] = json.loads(RECORDING.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found


class ReplayFaker:
    """Answers each call with the recorded value while the calls match the recording; then a real Faker."""

    def __init__(self, slug: str, locale: str) -> None:
        self._slug, self._locale = slug, locale
        entry = _recorded().get(slug, {})
        self._script: list[list[Any]] = entry.get("calls", []) if entry.get("locale") == locale else []
        self._made: list[tuple[str, list[Any], dict[str, Any]]] = []
        self._real: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._call(name, list(args), kwargs)

        return call

    @property
    def fell_back(self) -> bool:
        """Whether the calls left the recording, so a real Faker answers."""
        return self._real is not None

    def _call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if self._real is None:
            step = len(self._made)
            if step < len(self._script) and self._script[step][:3] == [name, args, kwargs]:
                self._made.append((name, args, kwargs))
                return self._script[step][3]
            self._real = real_faker(self._slug, self._locale)
            for made_name, made_args, made_kwargs in self._made:  # the same state as if it had run all along
                getattr(self._real, made_name)(*made_args, **made_kwargs)
        result = getattr(self._real, name)(*args, **kwargs)
        if (recording := _recording.get()) is not None:
            entry = recording.setdefault(self._slug, {"locale": self._locale, "calls": []})
            entry["calls"].append([name, args, kwargs, result])
        return result


def seeded_faker(slug: str, locale: str = "zh_CN") -> Any:
    """The provider's seeded Faker: recorded values replayed, a real Faker when they run out."""
    if _recording.get() is not None:
        replay = ReplayFaker(slug, locale)
        replay._real = real_faker(slug, locale)
        return replay
    return ReplayFaker(slug, locale)


def drawn(slug: str, locale: str = "zh_CN") -> Callable[[Callable[[Any], T]], _lru_cache_wrapper[T]]:
    """Make `draw(fake)` the demo set of the provider `slug`: what it makes with the provider's
    seeded Faker, drawn once, so it is the same on every start and in every worker;
    `cache_clear` draws it again."""

    def make(draw: Callable[[Any], T]) -> _lru_cache_wrapper[T]:
        @wraps(draw)
        def demo_set() -> T:
            return draw(seeded_faker(slug, locale))

        return cache(demo_set)

    return make


def record() -> dict[str, Any]:
    """Run every installed provider's demo set on a real Faker and return what it drew."""
    from .plugins import SLUGS, load

    recording: dict[str, dict[str, Any]] = {}
    started = _recording.set(recording)
    try:
        for slug in SLUGS:
            module = importlib.import_module(load(slug).model.__module__)
            module.demo_set.cache_clear()
            module.demo_set()
            module.demo_set.cache_clear()
        return dict(sorted(recording.items()))
    finally:
        _recording.reset(started)


def main() -> None:
    """Write the recording (`python -m provider_mocks.core.demo`)."""
    RECORDING.write_text(json.dumps(record(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"recorded the demo sets' values in {RECORDING}")


if __name__ == "__main__":
    from provider_mocks.core import demo  # the module the providers imported, not this __main__ copy

    demo.main()
