"""The admin API under /__admin: health, providers, reset, clock, journal, specs.

Each provider adds its own credential routes under /__admin/<slug>.

It answers loopback clients (127.0.0.0/8, ::1) only, unless an admin token is
configured: then a client elsewhere may present it as `Authorization: Bearer
<token>` or `X-Admin-Token: <token>`. Anyone else gets a 403, so mocks bound
to 0.0.0.0 in a CI network cannot be reset or reconfigured by a stranger.

The loopback client is often a browser, running pages from anywhere, so two more
checks refuse what such a page can make it send:

- a Host that is not one of the mock's names (DNS rebinding: a page on a name the
  attacker controls, pointed at 127.0.0.1, would be same-origin with the admin API);
  the mock's names are localhost and *.localhost, any IP address (an address in the
  URL cannot be rebound: no name lookup stands between the page and the connection)
  and the configured `allowed_hosts`. Behind a trusted proxy both the Host the proxy
  sent and the host it reports the client used must be names of the mock: a browser
  on loopback is itself a "trusted proxy" by default and may send X-Forwarded-Host.
- a change (any method but GET, HEAD and OPTIONS) whose `Origin` is not the mock's own,
  or whose `Sec-Fetch-Site` says another site sent it: a form or a `fetch` needs no
  preflight to POST text/plain or a form body. curl and the Python clients send
  neither header, so they need nothing new.
"""

from __future__ import annotations

import functools
import hmac
import json
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from . import timeline
from .addresses import client_ips, is_ip_literal, split_host
from .errors import AdminError
from .faults import FaultRule
from .jsonio import json_response
from .provider import Strict
from .services import get_mocks
from .stores import StoreUnavailable

PREFIX = "/__admin"

bp = Blueprint("admin", __name__, url_prefix=PREFIX)

M = TypeVar("M", bound=BaseModel)


def error_response(error: HTTPException | AdminError) -> Response:
    """Admin failures are plain `{"error": ...}` JSON with a meaningful status."""
    if isinstance(error, AdminError):
        return json_response({"error": error.message}, status=error.status)
    return json_response({"error": error.description}, status=error.code or 500)


def body(model: type[M]) -> M:
    """The request body, read as JSON whatever its Content-Type, validated by `model`; else a 400."""
    raw = request.get_data()
    try:
        payload = json.loads(raw) if raw.strip() else {}  # curl -d sends JSON as a form: read it anyway
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise AdminError(400, "the request body must be a JSON object")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise AdminError.invalid(exc) from exc


_DASHBOARD = Path(__file__).with_name("dashboard.html")
#: Where the dashboard takes the timeline's script, which the audit's report embeds too.
TIMELINE_SCRIPT = "<script>/* timeline.js */</script>"


@functools.cache
def dashboard_page() -> str:
    """The dashboard with the timeline's script in it: both are package files, put together once."""
    page = _DASHBOARD.read_text(encoding="utf-8")
    return page.replace(TIMELINE_SCRIPT, f"<script>\n{timeline.script()}</script>", 1)


@bp.get("/")
def dashboard() -> Response:
    """The live dashboard: one self-contained page, no build step and nothing from the internet."""
    return Response(
        dashboard_page(),
        content_type="text/html; charset=utf-8",
        # no page elsewhere may frame it and steer clicks onto its buttons (clickjacking)
        headers={"Content-Security-Policy": "frame-ancestors 'none'"},
    )


@bp.get("/health")
def health() -> Response:
    """`ok`, or a 503 when the shared state store cannot be reached."""
    try:
        get_mocks().store.ping()
    except StoreUnavailable as exc:
        return json_response({"status": "store unavailable", "error": str(exc)}, status=503)
    return json_response({"status": "ok"})


@bp.get("/providers")
def providers() -> Response:
    mocks = get_mocks()
    listed: list[dict[str, Any]] = []
    for slug, provider in mocks.providers.items():
        model = mocks.model(slug)
        listed.append(
            {
                "slug": slug,
                "title": provider.title,
                "base_path": provider.base_path,
                "prefixes": list(provider.prefixes),
                "hosts": list(provider.hosts),
                # reached under /<slug> too; a prefixed provider's real paths are served there only
                "prefix": f"/{slug}",
                "mount": provider.mount,
                "spec": f"{PREFIX}/specs/{slug}",
                "credentials": model.demo_credentials(),
                "settings": model.settings(),
            }
        )
    return json_response({"providers": listed})


@bp.post("/reset")
def reset() -> Response:
    get_mocks().reset()
    return json_response({"reset": True})


class ClockChange(Strict, defer_build=True):
    reset: bool = False
    advance: float | None = None
    set: datetime | None = None
    freeze: bool | None = None


@bp.route("/clock", methods=["GET", "POST"])
def clock() -> Response:
    """`reset` (real time again) comes first, then freezing (so `set` lands exactly); unfreezing last."""
    clock = get_mocks().clock
    if request.method == "POST":
        change = body(ClockChange)
        if change.set is not None and change.set.tzinfo is None:
            raise AdminError(
                400, "set: give an RFC 3339 time with a UTC offset, e.g. 2026-01-01T00:00:00+08:00"
            )
        if change.reset:
            clock.reset()
        if change.freeze:
            clock.freeze()
        try:
            if change.set is not None:
                clock.set(change.set)
            if change.advance is not None:
                clock.advance(change.advance)
        except ValueError as exc:
            raise AdminError(400, str(exc)) from exc
        if change.freeze is False:
            clock.freeze(False)
    return json_response(clock.state())


@bp.route("/requests", methods=["GET", "DELETE"])
def requests() -> Response:
    journal = get_mocks().journal
    if request.method == "DELETE":
        journal.clear()
        return json_response({"requests": []})
    return json_response({"requests": journal.entries(provider=provider_arg(), limit=limit_arg("entries"))})


@bp.get("/requests/<int:entry_id>")
def journal_entry(entry_id: int) -> Response:
    """One entry of the journal, by its id (the dashboard's timeline opens it)."""
    found = get_mocks().journal.read().find(entry_id)
    if found is None:
        raise AdminError(404, f"request #{entry_id} is not in the journal (it holds the newest only)")
    return json_response(found)


def provider_arg() -> str | None:
    """The `provider` query parameter: a mounted provider's slug, or None when not given."""
    provider = request.args.get("provider")
    if provider is not None and provider not in get_mocks().providers:
        raise AdminError(404, f"provider {provider!r} is not mounted")
    return provider


def limit_arg(unit: str) -> int | None:
    """The `limit` query parameter: a whole number, 1 or more, or None when not given."""
    limit = request.args.get("limit", type=int)
    if "limit" in request.args and (limit is None or limit < 1):
        raise AdminError(400, f"limit: give a whole number of {unit}, 1 or more")
    return limit


@bp.get("/tokens")
def tokens() -> Response:
    """Every provider's unexpired tokens with their time left on the virtual clock; `limit=N`:
    each provider's first N (its credentials' current tokens, then the newest others)."""
    mocks, limit = get_mocks(), limit_arg("tokens")
    return json_response(
        {
            "tokens": [
                {"provider": slug, **token}
                for slug, model in mocks.models.items()
                for token in model.live_tokens(limit)
            ]
        }
    )


@bp.get("/violations")
def violations() -> Response:
    """`since=ID`: only those naming request ID or a later one (the dashboard's rows)."""
    mocks, provider = get_mocks(), provider_arg()
    since = request.args.get("since", type=int)
    if "since" in request.args and since is None:
        raise AdminError(400, "since: give a request's journal id, a whole number")
    found = mocks.violations(provider, request.args.get("credential"), since)
    return json_response({"violations": [v.as_dict() for v in found]})


@bp.get("/timeline")
def timeline_model() -> Response:
    """The timeline's model (`core.timeline`); `span=SECONDS`: only the last SECONDS of virtual time."""
    span = request.args.get("span", type=float)
    if "span" in request.args and (span is None or not 0 < span < float("inf")):
        raise AdminError(400, "span: give the seconds of virtual time to show, more than 0")
    return json_response(get_mocks().timeline(provider_arg(), span))


@bp.get("/rules")
def rules() -> Response:
    return json_response(
        {
            "rules": [
                {
                    "id": r.id,
                    "severity": r.severity,
                    "explanation": r.explanation,
                    "source": r.source,
                    "providers": list(r.providers),
                }
                for r in get_mocks().auditor.rules
            ]
        }
    )


@bp.route("/faults", methods=["GET", "POST", "DELETE"])
def faults() -> Response:
    found = get_mocks().faults
    if request.method == "POST":
        try:
            rule = get_mocks().add_fault(body(FaultRule))
        except ValueError as exc:
            raise AdminError(400, str(exc)) from exc
        return json_response(found.status(rule), status=201)
    if request.method == "DELETE":
        found.reset()
    return json_response({"faults": [found.status(rule) for rule in found.rules()]})


@bp.route("/faults/<rule_id>", methods=["GET", "DELETE"])
def fault(rule_id: str) -> Response:
    found = get_mocks().faults
    rule = found.get(rule_id)
    if rule is None:
        raise AdminError(404, f"no fault rule {rule_id!r}")
    if request.method == "DELETE":
        found.delete(rule_id)
    return json_response(found.status(rule))


@bp.get("/specs/<slug>")
def spec(slug: str) -> Response:
    provider = get_mocks().providers.get(slug)
    if provider is None:
        raise AdminError(404, f"provider {slug!r} is not mounted")
    text = provider.spec_path.read_text(encoding="utf-8")
    if request.args.get("format") == "json":
        import yaml  # loaded on first use: it costs a start 20 ms

        return json_response(yaml.safe_load(text))
    return Response(text, content_type="application/yaml; charset=utf-8")


def is_loopback(address: str | None) -> bool:
    """127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6."""
    return any(ip.is_loopback for ip in client_ips(address))


def presented_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("X-Admin-Token") or None


#: Methods that change nothing, which a page elsewhere may send (it cannot read the answer).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: What a trusted proxy's `X-Forwarded-Host` or `Forwarded` replaced: werkzeug's ProxyFix keeps it here.
_ORIGINAL = "werkzeug.proxy_fix.orig"


def refused_client(token: str | None) -> str | None:
    """Why a client elsewhere may not use the admin API (loopback clients may, and token holders)."""
    if is_loopback(request.remote_addr):
        return None
    given = presented_token()
    if token is not None and given is not None and hmac.compare_digest(given.encode(), token.encode()):
        return None
    if token is None:
        return (
            "the admin API answers loopback clients only; start the mocks with --admin-token "
            "(or PROVIDER_MOCKS_ADMIN_TOKEN) to allow clients elsewhere"
        )
    if given is None:
        return "the admin API needs the admin token: send Authorization: Bearer <token>"
    return "the admin token is wrong"


def is_own_name(host: str, allowed: tuple[str, ...]) -> bool:
    """localhost and *.localhost, an IP address, or a configured name."""
    found = split_host(host)
    if found is None:
        return False
    name = found[0]
    return name == "localhost" or name.endswith(".localhost") or is_ip_literal(name) or name in allowed


def refused_host(allowed: tuple[str, ...]) -> str | None:
    """Why the Host the request names is not one of the mock's (DNS rebinding)."""
    sent = request.environ.get(_ORIGINAL, {}).get("HTTP_HOST")
    for host in dict.fromkeys(h for h in (sent, request.host) if h is not None):
        if not is_own_name(host, allowed):
            return (
                f"the admin API does not answer to the host {host!r}: a page from anywhere could "
                "reach it by such a name (DNS rebinding); if it is this server's name, start the "
                "mocks with --allowed-hosts NAME (or [server] allowed_hosts)"
            )
    return None


def _origin(scheme: str, host: str) -> tuple[str, str, int] | None:
    found = split_host(host)
    if found is None or scheme not in ("http", "https"):
        return None
    name, port = found
    return scheme, name, port or (443 if scheme == "https" else 80)


def refused_page() -> str | None:
    """Why a change looks sent by a page from another origin (the browser says so)."""
    if request.method in SAFE_METHODS:
        return None
    site = request.headers.get("Sec-Fetch-Site")
    if site in ("cross-site", "same-site"):
        return f"the admin API takes no changes from a page on another site (Sec-Fetch-Site: {site})"
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    parts = urlsplit(origin)
    if (parts.path or parts.query) or _origin(parts.scheme, parts.netloc) != _origin(
        request.scheme, request.host
    ):
        return f"the admin API takes no changes from a page on another origin (Origin: {origin})"
    return None


def guard(app: Flask, token: str | None, allowed_hosts: tuple[str, ...] = ()) -> None:
    """Refuse admin calls from other machines without the admin token, and what a browser sends
    for a page elsewhere."""

    @app.before_request
    def admin_only_for_trusted_clients() -> Response | None:
        if not request.path.startswith(PREFIX):
            return None
        why = refused_client(token) or refused_host(allowed_hosts) or refused_page()
        return None if why is None else error_response(AdminError(403, why))


def init_app(app: Flask, token: str | None = None, allowed_hosts: tuple[str, ...] = ()) -> None:
    """Mount the admin API, guarded, with every mounted provider's credential routes."""
    guard(app, token, allowed_hosts)
    app.register_blueprint(bp)
    for provider in get_mocks(app).providers.values():
        app.register_blueprint(provider.admin, url_prefix=f"{PREFIX}/{provider.slug}")
