"""The app factory: one Flask app serving any set of providers at their real paths."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Request
from werkzeug.routing import MapAdapter

from .core import admin, error_handlers
from .core.addresses import parse_host_names
from .core.audit import Auditor
from .core.clock import Clock
from .core.config import parse, read_toml
from .core.faults import Faults
from .core.faults import init_app as init_faults
from .core.forwarded import ForwardedHeaders, parse_allow_ips
from .core.plugins import SLUGS, load
from .core.provider import Provider
from .core.recording import init_app as init_recording
from .core.routing import MOUNTED, LazyRule, MergeSlashes, ProviderRouting
from .core.services import Mocks
from .core.stores import Store, open_store

ConfigSource = Mapping[str, Any] | str | Path | None


class MockApp(Flask):
    """Flask, minus the per-call check for async views and hooks: every one here is synchronous;
    its URL rules compile their URL builders only when one is used."""

    url_rule_class = LazyRule

    def ensure_sync(self, func: Any) -> Any:
        return func

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """A request for a prefixed provider (`ProviderRouting`) is matched under its mount, where
        its routes are, while the provider reads its real path."""
        adapter = super().create_url_adapter(request)
        provider = None if request is None else request.environ.get(MOUNTED)
        if adapter is not None and provider is not None:
            adapter.path_info = provider.mount + adapter.path_info
        return adapter


def create_app(
    config: ConfigSource = None,
    providers: Iterable[str | Provider] | None = None,
    *,
    clock: Clock | None = None,
    store: Store | str | None = None,
    admin_token: str | None = None,
    forwarded_allow_ips: str | Iterable[str] | None = None,
    allowed_hosts: str | Iterable[str] | None = None,
) -> Flask:
    """Build an app with `providers` (default: all installed; a slug or a `Provider` each)
    configured by `config`.

    `config` is a parsed TOML mapping, a path to a TOML file, or None for the
    defaults. A ConfigError says what is wrong with it.

    `store` keeps the state: None or `"memory"` for this process only (the
    default, and the fastest), a URL (`lmdb:///PATH` or `sqlite:///PATH` for worker
    processes on one machine, `redis://HOST:PORT/DB` for several machines) or a Store. The
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
    chosen = (load(p) if isinstance(p, str) else p for p in (providers or SLUGS))
    mounted = {provider.slug: provider for provider in chosen}
    server, configs = parse(raw, mounted, (*SLUGS, *mounted))
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
        app.register_blueprint(provider.routes, url_prefix=provider.mount or None)
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
    init_recording(app, admin_prefix=admin.PREFIX)
    init_faults(app, admin_prefix=admin.PREFIX)
    app.wsgi_app = ForwardedHeaders(  # type: ignore[method-assign]
        MergeSlashes(ProviderRouting(app.wsgi_app, mounted.values())), trusted_proxies
    )
    mocks.start()
    return app
