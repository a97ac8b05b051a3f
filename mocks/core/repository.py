"""A provider's stored credentials of one kind, read and written as records, not store keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import AdminError
from .stores import Store

R = TypeVar("R", bound=BaseModel)
Stored = dict[str, Any]


class Repository(Generic[R]):
    """The `record` models of one kind under `<prefix><ident>`, each stored as its JSON mapping,
    so state written by any version reads the same; the admin API's refusals (404 unknown,
    409 taken) name the kind as `what`."""

    def __init__(self, store: Store, prefix: str, what: str, record: type[R]) -> None:
        self.store = store
        self.prefix = prefix
        self.what = what
        self._load = record.model_validate
        self._dump = record.model_dump

    def find(self, ident: str) -> R | None:
        """The record `ident`, None when there is none."""
        found: Stored | None = self.store.get(self.prefix + ident)
        return None if found is None else self._load(found)

    def get(self, ident: str) -> R:
        """The record `ident`; a 404 naming it when there is none."""
        found = self.find(ident)
        if found is None:
            raise AdminError(404, f"no {self.what} {ident!r}")
        return found

    def items(self) -> Iterator[tuple[str, R]]:
        """Each record with its ident, in ident order."""
        for key, value in self.store.scan(self.prefix):
            yield key[len(self.prefix) :], self._load(value)

    def list(self) -> list[R]:
        return [record for _, record in self.items()]

    def put(self, ident: str, record: R, *, expires_at: float | None = None) -> None:
        """Store `record` as `ident`, kept until `expires_at` (None: for good)."""
        self.store.set(self.prefix + ident, self._dump(record), expires_at=expires_at)

    def swap(
        self, ident: str, change: Callable[[R | None], R], *, expires_at: float | None = None
    ) -> tuple[R | None, R]:
        """`Store.update` on the record `ident`: `change` gets it (None: there is none) and may run
        more than once; the record read and the one now there, as the last run saw and made them."""
        runs: list[tuple[R | None, R]] = []

        def step(found: Stored | None) -> Stored:
            held = None if found is None else self._load(found)
            runs.append((held, change(held)))
            return self._dump(runs[-1][1])

        self.store.update(self.prefix + ident, step, expires_at=expires_at)
        return runs[-1]

    def delete(self, ident: str) -> bool:
        """Drop the record `ident`; False when there was none."""
        return self.store.delete(self.prefix + ident)

    def create(self, ident: str, record: R) -> R:
        """Store a new record; a 409 when `ident` exists."""
        if not self.store.compare_and_set(self.prefix + ident, None, self._dump(record)):
            raise AdminError(409, f"{self.what} {ident!r} exists")
        return record

    def update(
        self,
        ident: str,
        change: BaseModel,
        *,
        exclude_none: bool = False,
        check: Callable[[R], None] | None = None,
    ) -> R:
        """The record `ident` with the fields `change` sets, stored. With `exclude_none`, a field
        sent as null is left as it is; without, null is stored (back to the default), where the
        record allows it (else a 400). `check` may refuse the changed record before it is stored
        (the records it names must exist, say)."""
        changed = change.model_dump(exclude_unset=True, exclude_none=exclude_none)
        try:
            record = self._load(self._dump(self.get(ident)) | changed)
        except ValidationError as exc:  # a null the record has no meaning for, say
            raise AdminError.invalid(exc) from exc
        if check is not None:
            check(record)
        self.put(ident, record)
        return record
