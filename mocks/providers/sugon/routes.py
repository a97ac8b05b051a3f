"""Sugon / SCNet AC's real paths: read the headers, ask the model, write the envelope.

Each route's name is its operation's (fault rules, the journal and per-operation texts use it).
"""

from __future__ import annotations

import contextlib

from flask import Response, request

from ...core.jsonio import json_response
from ...core.routes import Routes
from . import errors
from .models import SugonModel
from .paths import AKSK_PATH, CENTER_PATH, RENEW_PATH, STATE_PATH, TOKENS_PATH, USER_PATH

bp = Routes("sugon", SugonModel, errors.error_body)


def header(name: str) -> str:
    """A header by its case-insensitive name ("" when missing or blank).

    The WSGI server hands header values over as Latin-1; they are read back as the
    UTF-8 a client sends, so a Chinese user name arrives intact.
    """
    value = request.headers.get(name, "")
    with contextlib.suppress(UnicodeError):  # not UTF-8: kept as sent, so it matches nothing
        value = value.encode("latin-1").decode("utf-8")
    return value if value.strip() else ""


@bp.answer(TOKENS_PATH, methods=["POST"])
def tokens() -> Response:
    data = bp.model().login(header("user"), header("password"), header("orgId"))
    return json_response(errors.ok(bp.model(), data))


@bp.answer(AKSK_PATH, methods=["POST"])
def aksk() -> Response:
    data = bp.model().login_with_key(
        header("user"), header("accessKey"), header("timestamp"), header("signature")
    )
    return json_response(errors.ok(bp.model(), data))


@bp.answer(RENEW_PATH, methods=["POST"])
def renew() -> Response:
    return json_response(errors.renewed(bp.model(), bp.model().renew(header("token"))))


@bp.answer(STATE_PATH, methods=["GET"])
def state() -> Response:
    return json_response(errors.ok(bp.model(), bp.model().state(header("token"))))


@bp.answer(CENTER_PATH, methods=["GET"])
def center() -> Response:
    return json_response(errors.ok(bp.model(), bp.model().center(header("token"), request.host_url)))


@bp.answer(USER_PATH, methods=["GET"])
def user() -> Response:
    return json_response(errors.ok(bp.model(), bp.model().account(header("token"))))
