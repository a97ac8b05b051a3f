"""ATRIP's real path and the mock customer-service portal its url opens.

`POST /getAtripToken.do` answers the `{url, status, msg}` envelope, gzip-compressed
when the client accepts gzip. The portal is plain server-rendered HTML under
/atrip-portal: the session's order, operator and role, or an error page (HTTP 401
for a missing, unknown or expired token).
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask import Response, render_template_string, request

from ...core.jsonio import CONTENT_TYPE, json_response
from ...core.routes import Routes
from ...core.services import current_provider
from . import errors
from .models import PORTAL_PATH, PORTAL_PREFIX, ROLES, TOKEN_PATH, AtripModel

bp = Routes("atrip", AtripModel, errors.error_body)


@bp.answer(TOKEN_PATH, methods=["POST"])
def token() -> Response:
    model = bp.model()
    session = model.issue(dict(request.headers), request.get_data())
    return json_response(errors.ok(model.portal_url(request.host_url, session.token)))


@bp.after_app_request
def compress(response: Response) -> Response:
    """ATRIP answers go out gzip-compressed when the client accepts gzip [public].

    This runs after the journal has recorded the answer, so the journal keeps the JSON.
    """
    provider = current_provider()
    if provider is None or provider.routes is not bp or request.path.startswith(PORTAL_PREFIX):
        return response
    if response.headers.get("Content-Type") != CONTENT_TYPE or not bp.model().config.settings.gzip:
        return response
    response.vary.add("Accept-Encoding")
    if (
        request.accept_encodings["gzip"]
        and not response.is_streamed
        and "Content-Encoding" not in response.headers
    ):
        response.set_data(gzip.compress(response.get_data(), mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    return response


# -- the portal ----------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{ title }} · Atlas customer service portal (mock)</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #1d2733; }
  header { background: #0b3d64; color: #fff; padding: 0.8rem 1.5rem; font-weight: 600; }
  header small { font-weight: 400; opacity: 0.8; }
  main { max-width: 44rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem;
         border-radius: 6px; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.15); }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.5rem 1.5rem; }
  dt { font-weight: 600; color: #4a5868; }
  dd { margin: 0; overflow-wrap: anywhere; }
  .error h1 { color: #a32020; }
  footer { text-align: center; color: #6b7785; font-size: 0.85rem; }
</style>
</head>
<body>
<header>Atlas customer service portal <small>provider-mocks</small></header>
{% if session %}
<main id="portal" data-status="200">
  <h1>Order <span id="order-no">{{ session.order_no }}</span></h1>
  <dl>
    <dt>Order</dt><dd id="order">{{ session.order_no }}</dd>
    <dt>Operator</dt><dd id="operator">{{ session.user_name }}</dd>
    <dt>Role</dt><dd id="role">{{ session.role }}{% if session.role_sent != session.role %}
      (sent as {{ session.role_sent }}){% endif %}</dd>
    <dt>Access</dt><dd id="access">{{ access }}</dd>
    <dt>Client</dt><dd id="client">{{ session.client_name }} ({{ session.client_id }})</dd>
    {% if session.cid is not none %}<dt>cid</dt><dd id="cid">{{ session.cid }}</dd>{% endif %}
    <dt>Session expires</dt>
    <dd id="expires">{{ expires }} ({{ seconds_left }} s left on the mock's clock)</dd>
  </dl>
</main>
{% else %}
<main id="error" class="error" data-status="{{ status }}">
  <h1>{{ title }}</h1>
  <p>{{ text }}</p>
</main>
{% endif %}
<footer>A mock of the Atlas portal for development and tests; no real order is shown.</footer>
</body>
</html>
"""

ERRORS = {
    401: ("Session expired or invalid", "This portal link is invalid or has expired. Request a new one "
          "with POST /getAtripToken.do."),
    404: ("Page not found", "The portal has no such page."),
    405: ("Method not allowed", "Open the portal link with GET."),
}  # fmt: skip


def page(status: int = 200, **context: Any) -> Response:
    """The portal page (Jinja escapes every value), never cached: its url carries a token.

    Half a surrogate pair (a JSON `\\ud800` in the user name) is written `?`, as Java's UTF-8
    encoder writes it.
    """
    if status != 200:
        context["title"], context["text"] = ERRORS[status]
    html = render_template_string(PAGE, status=status, **context).encode("utf-8", "replace")
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def wrong_method(allowed: Sequence[str]) -> Response:
    """The portal's page for a method it does not take."""
    response = page(405)
    response.headers["Allow"] = ", ".join(allowed)
    return response


@bp.answer(PORTAL_PATH, methods=["GET", "HEAD"], refuse=wrong_method)
def portal() -> Response:
    session = bp.model().session(request.args.get("token"))
    if session is None:
        return page(401)
    now = bp.model().clock.time()
    return page(
        session=session,
        title=f"Order {session.order_no}",
        access=ROLES[session.role],
        expires=datetime.fromtimestamp(session.expires_at, UTC).isoformat(timespec="seconds"),
        seconds_left=max(0, round(session.expires_at - now)),
    )


@bp.answer(PORTAL_PREFIX, PORTAL_PREFIX + "/<path:rest>")
def portal_elsewhere(rest: str = "") -> Response:
    return page(404)
