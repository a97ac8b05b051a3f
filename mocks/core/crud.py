"""A provider's admin routes, as a table of the kinds of record it serves: each listed, and
created, read and changed where its model has the operation."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast, get_type_hints

from flask import Blueprint, Response
from pydantic import BaseModel

from .admin import body
from .jsonio import json_response
from .provider import ProviderModel
from .routes import Routes

M = TypeVar("M", bound=ProviderModel[Any])
New = TypeVar("New", bound=BaseModel)
Change = TypeVar("Change", bound=BaseModel)
#: A record as the admin API shows it: a typed one, or a stored mapping.
Record = BaseModel | dict[str, Any]


def shown(record: Record) -> dict[str, Any]:
    return record.model_dump() if isinstance(record, BaseModel) else record


def body_type(operation: Callable[..., Any]) -> type[BaseModel]:
    """The model the body of a call to `operation` is read as: the type its signature gives its
    last argument (`create_app(self, app: App)`), so the table names each type once."""
    last = list(inspect.signature(operation).parameters)[-1]
    found = get_type_hints(operation).get(last)
    if not (isinstance(found, type) and issubclass(found, BaseModel)):
        raise TypeError(f"{operation.__qualname__}: its argument {last!r} is not annotated with a model")
    return found


@dataclass(frozen=True)
class Kind(Generic[M, New, Change]):
    """A kind of record at /<plural> (or `path`): GET, every record as {<plural>: [...]}; POST, the
    body as a new record (201), where `create` is given. At <path>/<ident>: GET one, PATCH one,
    where `get` and `update` are given.

    The operations are the model's methods (unbound): `listing=AppModel.apps` answers GET with
    `model().apps()`; the body of a POST or PATCH is read as the type the method takes.
    """

    plural: str
    listing: Callable[[M], Sequence[Record]]
    create: Callable[[M, New], Record] | None = None
    get: Callable[[M, str], Record] | None = None
    update: Callable[[M, str, Change], Record] | None = None
    path: str = ""

    def register(self, bp: Blueprint, model: Callable[[], M]) -> None:
        """Add this kind's routes to `bp`; `model` finds the provider's model."""
        # As locals, so the views below close over the operations as narrowed here.
        plural, listing, create, get, update = self.plural, self.listing, self.create, self.get, self.update
        path = self.path or f"/{plural}"

        @bp.get(path, endpoint=f"list_{plural}")
        def list_all() -> Response:
            return json_response({plural: [shown(record) for record in listing(model())]})

        if create is not None:
            new = cast("type[New]", body_type(create))

            @bp.post(path, endpoint=f"create_{plural}")
            def create_new() -> Response:
                return json_response(shown(create(model(), body(new))), status=201)

        if get is not None:

            @bp.get(f"{path}/<ident>", endpoint=f"get_{plural}")
            def get_one(ident: str) -> Response:
                return json_response(shown(get(model(), ident)))

        if update is not None:
            change = cast("type[Change]", body_type(update))

            @bp.patch(f"{path}/<ident>", endpoint=f"update_{plural}")
            def update_existing(ident: str) -> Response:
                return json_response(shown(update(model(), ident, body(change))))


def admin_routes(import_name: str, routes: Routes[M], *kinds: Kind[M, Any, Any]) -> Blueprint:
    """The provider's admin blueprint (`<slug>_admin`, mounted at /__admin/<slug>): the routes
    of each of `kinds`, on the model the route table `routes` finds."""
    bp = Blueprint(f"{routes.slug}_admin", import_name)
    for kind in kinds:
        kind.register(bp, routes.model)
    return bp
