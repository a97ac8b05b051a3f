"""The admin routes a kind of credential has: list them, create one, read one, change one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import Blueprint, Response
from pydantic import BaseModel

from .admin import body
from .jsonio import json_response

M = TypeVar("M")
New = TypeVar("New", bound=BaseModel)
Change = TypeVar("Change", bound=BaseModel)
#: A record as the admin API shows it: a typed one, or a stored mapping.
Record = BaseModel | dict[str, Any]


def shown(record: Record) -> dict[str, Any]:
    return record.model_dump() if isinstance(record, BaseModel) else record


def credential_routes(
    bp: Blueprint,
    plural: str,
    model: Callable[[], M],
    listing: Callable[[M], Sequence[Record]],
    create: tuple[type[New], Callable[[M, New], Record]],
    *,
    get: Callable[[M, str], Record] | None = None,
    update: tuple[type[Change], Callable[[M, str, Change], Record]] | None = None,
    path: str = "",
) -> None:
    """Register on `bp`, at `path` (default /<plural>): GET, every record as {<plural>: [...]};
    POST, the body as a new record (201). At <path>/<ident>, when given: GET one, PATCH one.

    `model` finds the provider's model; the operations are its methods (unbound), so
    `listing=AppModel.apps` answers GET with `model().apps()`.
    """
    path = path or f"/{plural}"

    @bp.get(path, endpoint=f"list_{plural}")
    def list_all() -> Response:
        return json_response({plural: [shown(record) for record in listing(model())]})

    new, create_one = create

    @bp.post(path, endpoint=f"create_{plural}")
    def create_new() -> Response:
        return json_response(shown(create_one(model(), body(new))), status=201)

    if get is not None:

        @bp.get(f"{path}/<ident>", endpoint=f"get_{plural}")
        def get_one(ident: str) -> Response:
            return json_response(shown(get(model(), ident)))

    if update is not None:
        change, update_one = update

        @bp.patch(f"{path}/<ident>", endpoint=f"update_{plural}")
        def update_existing(ident: str) -> Response:
            return json_response(shown(update_one(model(), ident, body(change))))
