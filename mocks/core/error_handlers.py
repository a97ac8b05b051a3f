"""The app's error handlers: every failure on a provider's path is answered in that provider's
envelope, which its wire module renders; on the admin API and elsewhere, as admin JSON."""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, InternalServerError

from . import admin
from .errors import AdminError, ProviderError
from .jsonio import json_response
from .services import current_provider, get_mocks
from .stores import StoreUnavailable

log = logging.getLogger("provider_mocks")

#: The app's extension key of when it last logged a store outage (time.monotonic()).
_OUTAGE_LOGGED = "provider_mocks.outage_logged"


def provider_error_response(error: ProviderError) -> Response:
    """`error` in the envelope of the provider whose path this request is on."""
    provider = current_provider()
    if provider is None:  # a provider error always arises on a provider's path
        raise RuntimeError("ProviderError outside a provider") from error
    return provider.routes.error_response(error)


def note_outage(app: Flask, error: StoreUnavailable) -> None:
    """Log a store outage at most every few seconds, without a traceback."""
    now = time.monotonic()
    if now - app.extensions.get(_OUTAGE_LOGGED, -math.inf) >= 5:
        app.extensions[_OUTAGE_LOGGED] = now
        log.warning("state store unavailable (answering with system errors until it is back): %s", error)


def init_app(app: Flask) -> None:
    """Answer every failure in the envelope of the provider (or the admin API) it arose on."""

    @app.errorhandler(ProviderError)
    def provider_error(error: ProviderError) -> Response:
        return provider_error_response(error)

    @app.errorhandler(AdminError)
    def admin_error(error: AdminError) -> Response:
        return admin.error_response(error)

    @app.errorhandler(StoreUnavailable)
    def store_unavailable(error: StoreUnavailable) -> Response:
        """The shared store is down: the provider's documented system error, and one log line."""
        note_outage(app, error)
        provider = current_provider()
        if provider is None or request.path.startswith(admin.PREFIX):
            return json_response({"error": f"the state store is unavailable: {error}"}, status=503)
        return provider_error_response(get_mocks().model(provider.slug).http_error(500))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        provider = current_provider()
        if provider is None or request.path.startswith(admin.PREFIX):
            return admin.error_response(error)
        failure = get_mocks().model(provider.slug).http_error(error.code or 500)
        if error.code == 405:
            failure.headers.setdefault("Allow", ", ".join(error.valid_methods or ()))  # type: ignore[attr-defined]
        return provider_error_response(failure)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return http_error(InternalServerError())
