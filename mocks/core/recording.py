"""The journal's request hooks: what each provider-facing request sent, and the answer.

The body is read before the provider's handler runs, whatever its framing, so the journal
keeps what the client sent even when the handler refuses it; the entry is written after the
answer, with the facts the model noted and the fault that fired, if one did.
"""

from __future__ import annotations

import io
import time

from flask import Flask, Request, Response, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wsgi import LimitedStream

from . import error_handlers
from .journal import Exchange
from .services import current_provider, get_mocks
from .stores import StoreUnavailable


def _body(req: Request) -> bytes:
    """The request body, however it is framed: longer than the app's limit, it is a 413.

    werkzeug checks a Content-Length against the limit, but a body the server terminates
    (chunked) it cuts at the limit without a word; here it is read one byte past the limit,
    and what was read is handed back as the request's stream for `get_data` to cache.
    """
    limit = req.max_content_length
    environ = req.environ
    if limit is not None and req.content_length is None and "wsgi.input_terminated" in environ:
        body = LimitedStream(environ["wsgi.input"], limit + 1, is_max=True).read()
        if len(body) > limit:
            raise RequestEntityTooLarge()
        environ["wsgi.input"] = io.BytesIO(body)
    return req.get_data(cache=True, parse_form_data=False)


def init_app(app: Flask, *, admin_prefix: str) -> None:
    """Record every provider-facing request and its answer (not the admin API's, under `admin_prefix`)."""

    @app.before_request
    def remember_request() -> None:
        mocks, state, environ = get_mocks(), g._get_current_object(), request.environ
        if not request.path.startswith(admin_prefix):
            mocks.auditor.request_began()
        state.journal_time = mocks.clock.now()
        state.journal_received = time.time()
        if (environ.get("CONTENT_LENGTH") or "0") == "0" and "HTTP_TRANSFER_ENCODING" not in environ:
            state.journal_body = b""  # no body by HTTP's rules: nothing to read from the server
            return
        try:
            state.journal_body = _body(request._get_current_object())  # type: ignore[attr-defined]
        except HTTPException:  # too large: the handler answers, the journal keeps no body
            state.journal_body = b""
            raise

    @app.after_request
    def record(response: Response) -> Response:
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
        if req.path.startswith(admin_prefix):
            return response
        try:
            _record(req, response)
        except StoreUnavailable as exc:  # the answer goes out; only its journal entry is lost
            error_handlers.note_outage(app, exc)
        return response

    def _record(req: Request, response: Response) -> None:
        mocks = get_mocks()
        state = g._get_current_object()
        provider = current_provider()
        fault = state.get("fault")
        exchange = Exchange(
            time=state.get("journal_time") or mocks.clock.now(),
            received=state.get("journal_received") or time.time(),
            provider=provider.slug if provider else None,
            operation=(req.endpoint or "").rpartition(".")[2] or None,
            environ=Exchange.text_of(req.environ),
            body=state.get("journal_body", b""),
            status=response.status_code,
            response=b"" if response.is_streamed else response.get_data(),
            facts=state.get("facts", {}),
            fault=fault.model_dump(include={"id", "action"}) if fault else None,
        )
        mocks.auditor.recorded(mocks.journal.keep(exchange), exchange)
