"""One registry type for everything the kit collects by name: audit rules, contract cases,
fuzz hooks.

A registry belongs to the module whose entries it holds (a provider's `rules`, its contract
cases) and is reached through that module's own name, never filled in from elsewhere as a
side effect of an import. An entry is checked as it is added, so a mistake shows when the
module is loaded, not when a report is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Entries by name, in the order added. `check(name, entry)` raises a ValueError for an
    entry that is not well formed; a name is taken once."""

    def __init__(self, kind: str, check: Callable[[str, T], None] | None = None) -> None:
        #: What an entry is, for messages ("audit rule", "contract case").
        self.kind = kind
        self._check = check
        self._entries: dict[str, T] = {}

    def add(self, name: str, entry: T) -> T:
        """Add `entry` as `name`; a ValueError says why it cannot be."""
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        if self._check is not None:
            self._check(name, entry)
        self._entries[name] = entry
        return entry

    def __getitem__(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(f"no {self.kind} {name!r}; known: {', '.join(self._entries) or '-'}") from None

    def get(self, name: str) -> T | None:
        return self._entries.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        return list(self._entries)

    def items(self) -> Iterable[tuple[str, T]]:
        return self._entries.items()

    def merged(self, *others: Registry[T]) -> Registry[T]:
        """A new registry of this one's entries and then the others', each name still once."""
        merged: Registry[T] = Registry(self.kind, self._check)
        for registry in (self, *others):
            for name, entry in registry.items():
                merged.add(name, entry)
        return merged
