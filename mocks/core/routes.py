"""The route table a provider declares its real paths in.

Every method reaches the provider, so a wrong one is answered in its envelope (a 405 with
`Allow`), not in werkzeug's HTML; the table also finds the provider's model for a handler,
and its failures' envelope for the app's error handlers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, cast

from flask import Blueprint, Response, request
from werkzeug.exceptions import MethodNotAllowed

from .errors import ProviderError
from .jsonio import CONTENT_TYPE, json_response
from .provider import ProviderModel
from .services import get_mocks

M = TypeVar("M", bound=ProviderModel[Any])
View = Callable[..., Response]
#: Renders a failure as the provider's envelope: its wire module's `error_body`.
ErrorBody = Callable[[M, ProviderError], dict[str, Any]]

#: The methods every provider path takes; a view refuses those it does not allow.
ANY_METHOD = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class Routes(Blueprint, Generic[M]):
    """A provider's real paths: a blueprint named by the provider's slug, whose views are its
    operations (fault rules, the journal and per-operation texts name them by the view's name)."""

    def __init__(
        self, slug: str, model: type[M], error_body: ErrorBody[M], content_type: str = CONTENT_TYPE
    ) -> None:
        super().__init__(slug, model.__module__)
        self.slug = slug
        #: The provider's model class, which the app factory builds for each app.
        self.model_type = model
        self._error_body = error_body
        #: The Content-Type of its JSON answers.
        self.content_type = content_type

    def model(self) -> M:
        """The provider's model in the current app."""
        return cast("M", get_mocks().models[self.slug])

    def answer(
        self,
        *paths: str,
        methods: Sequence[str] = ANY_METHOD,
        refuse: Callable[[Sequence[str]], Response] | None = None,
    ) -> Callable[[View], View]:
        """Register the decorated view at `paths` for the documented `methods`; any other method
        is a 405 with `Allow`, in the provider's envelope unless `refuse` answers it otherwise."""
        allowed = frozenset(methods)

        def register(view: View) -> View:
            def handle(**values: Any) -> Response:
                if request.method not in allowed:
                    if refuse is not None:
                        return refuse(methods)
                    raise MethodNotAllowed(valid_methods=list(methods))
                return view(**values)

            for path in paths:
                self.add_url_rule(
                    path, view.__name__, handle, methods=ANY_METHOD, provide_automatic_options=False
                )
            return view

        return register

    def error_response(self, error: ProviderError) -> Response:
        """`error` as the provider answers it: its envelope, status and headers."""
        body = self._error_body(self.model(), error)
        return json_response(body, error.http_status, error.headers, self.content_type)

    def json(self, payload: Any) -> Response:
        """A success, with the provider's Content-Type."""
        return json_response(payload, content_type=self.content_type)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def json_body(refusal: int | str) -> Any:
    """The request's body as JSON, `{}` when blank; a body that is not JSON (NaN and Infinity are
    not, whatever Python's parser accepts) is the provider's error `refusal`."""
    raw = request.get_data()
    try:
        return json.loads(raw, parse_constant=_not_json) if raw.strip() else {}
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep to parse
        raise ProviderError(refusal) from exc
