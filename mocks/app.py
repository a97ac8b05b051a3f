"""The app factory: one Flask app serving any set of providers at their real paths."""

from __future__ import annotations

import io
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wsgi import LimitedStream

from .core import admin, error_handlers
from .core.addresses import parse_host_names
from .core.audit import Auditor
from .core.clock import Clock
from .core.config import parse, read_toml
from .core.faults import Faults
from .core.faults import init_app as init_faults
from .core.forwarded import ForwardedHeaders, parse_allow_ips
from .core.journal import excerpt
from .core.plugins import SLUGS, load
from .core.routing import LazyRule, MergeSlashes
from .core.services import Mocks, current_provider, get_mocks
from .core.stores import Store, StoreUnavailable, open_store

ConfigSource = Mapping[str, Any] | str | Path | None


class MockApp(Flask):
    """Flask, minus the per-call check for async views and hooks: every one here is synchronous;
    its URL rules compile their URL builders only when one is used."""

    url_rule_class = LazyRule

    def ensure_sync(self, func: Any) -> Any:
        return func


def create_app(
    config: ConfigSource = None,
    providers: Iterable[str] | None = None,
    *,
    clock: Clock | None = None,
    store: Store | str | None = None,
    admin_token: str | None = None,
    forwarded_allow_ips: str | Iterable[str] | None = None,
    allowed_hosts: str | Iterable[str] | None = None,
) -> Flask:
    """Build an app with `providers` (default: all) configured by `config`.

    `config` is a parsed TOML mapping, a path to a TOML file, or None for the
    defaults. A ConfigError says what is wrong with it.

    `store` keeps the state: None or `"memory"` for this process only (the
    default, and the fastest), a URL (`sqlite:///PATH` for worker processes on
    one machine, `redis://HOST:PORT/DB` for several machines) or a Store. The
    first app on a shared store seeds it; later ones join what is there.
    A ValueError says what is wrong with a store URL; StoreUnavailable that the
    store cannot be reached.

    `admin_token` (or `[server] admin_token`) lets clients that present it use
    the admin API from other machines; without one only loopback clients may.

    `forwarded_allow_ips` (or `[server] forwarded_allow_ips`; default loopback) names the
    reverse proxies whose `Forwarded` and `X-Forwarded-Host`/`-Proto` headers set the host
    and scheme of the URLs the mocks build; `"*"` trusts every address. A ValueError
    names an entry that is not an address or network.

    `allowed_hosts` (or `[server] allowed_hosts`) names the host names the admin API answers
    to besides localhost, *.localhost and IP addresses: a Host it does not know is refused,
    so that a page cannot reach it through a name of its own (DNS rebinding). A ValueError
    names an entry that is not a host name.
    """
    raw = read_toml(config) if isinstance(config, str | Path) else (config or {})
    mounted = {slug: load(slug) for slug in (providers or SLUGS)}
    server, configs = parse(raw, mounted, SLUGS)
    trusted_proxies = parse_allow_ips(
        server.forwarded_allow_ips if forwarded_allow_ips is None else forwarded_allow_ips
    )

    app = MockApp(__name__)
    # what the servers hold clients to (core/server.py, Limits)
    app.config.update(
        MAX_CONTENT_LENGTH=server.max_body_bytes,
        HEADER_TIMEOUT=server.header_timeout,
        BODY_TIMEOUT=server.body_timeout,
    )
    if isinstance(store, Store):
        clock = clock or store.clock
    else:
        clock = clock or Clock()
        store = open_store(store, clock)
    if store.shared:
        store.ping()
        clock.share(store)
    store.token_trace = server.token_trace
    mocks = Mocks(
        clock=clock,
        store=store,
        journal=store.journal(server.journal_size, server.journal_bytes),
        providers=mounted,
        auditor=Auditor(mounted, server.audit, configs),
        faults=Faults(store),
    )
    mocks.init_app(app)
    for slug, provider in mounted.items():
        mocks.models[slug] = provider.model(configs[slug], store, clock)
        app.register_blueprint(provider.routes)
    mocks.operations = {
        slug: sorted(
            {
                rule.endpoint.partition(".")[2]
                for rule in app.url_map.iter_rules()
                if rule.endpoint.startswith(f"{slug}.")
            }
        )
        for slug in mounted
    }
    admin.init_app(
        app,
        admin_token if admin_token is not None else server.admin_token,
        parse_host_names(server.allowed_hosts if allowed_hosts is None else allowed_hosts),
    )
    error_handlers.init_app(app)
    if store.shared:
        _init_sync(app)
    _init_journal(app)
    init_faults(app, admin_prefix=admin.PREFIX)
    app.wsgi_app = ForwardedHeaders(MergeSlashes(app.wsgi_app), trusted_proxies)  # type: ignore[method-assign]
    mocks.start()
    return app


def _init_sync(app: Flask) -> None:
    """A shared store: read the shared clock once per request (and re-seed a store that lost its state)."""

    @app.before_request
    def sync() -> None:
        get_mocks().sync()


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


def _init_journal(app: Flask) -> None:
    """Record every provider-facing request and its answer."""

    @app.before_request
    def remember_request() -> None:
        state = g._get_current_object()
        state.journal_time = get_mocks().clock.now()
        state.journal_received = time.time()
        environ = request.environ
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
        if req.path.startswith(admin.PREFIX):
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
        mocks.journal.record(
            {
                "time": state.get("journal_time", mocks.clock.now()).isoformat(),
                "received": state.get("journal_received", time.time()),
                "provider": provider.slug if provider else None,
                "operation": (req.endpoint or "").rpartition(".")[2] or None,
                "method": req.method,
                "path": req.path,
                "query": req.args.to_dict(flat=False),
                "headers": dict(req.headers),
                "body": excerpt(state.get("journal_body", b"")),
                "status": response.status_code,
                "response": excerpt(response.get_data()) if not response.is_streamed else "",
                "facts": state.get("facts", {}),
                "fault": fault.model_dump(include={"id", "action"}) if fault else None,
            }
        )
