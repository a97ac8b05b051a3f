"""Sugon / SCNet AC's real paths: read the headers, ask the model, write the envelope.

Each route's name is its operation's (fault rules, the journal and per-operation texts use it).
"""

from __future__ import annotations

import contextlib

from flask import Blueprint, Response, request
from werkzeug.exceptions import MethodNotAllowed

from ...core.jsonio import json_response
from ...core.services import get_mocks
from .models import AKSK_PATH, CENTER_PATH, RENEW_PATH, STATE_PATH, TOKENS_PATH, USER_PATH, SugonModel

bp = Blueprint("sugon", __name__)

#: Every method reaches a handler, so a wrong one gets the platform's envelope.
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def model() -> SugonModel:
    found = get_mocks().model("sugon")
    assert isinstance(found, SugonModel)
    return found


def allow(method: str) -> None:
    if request.method != method:
        raise MethodNotAllowed(valid_methods=[method])


def header(name: str) -> str:
    """A header by its case-insensitive name ("" when missing or blank).

    The WSGI server hands header values over as Latin-1; they are read back as the
    UTF-8 a client sends, so a Chinese user name arrives intact.
    """
    value = request.headers.get(name, "")
    with contextlib.suppress(UnicodeError):  # not UTF-8: kept as sent, so it matches nothing
        value = value.encode("latin-1").decode("utf-8")
    return value if value.strip() else ""


@bp.route(TOKENS_PATH, methods=ANY_METHOD, provide_automatic_options=False)
def tokens() -> Response:
    allow("POST")
    data = model().login(header("user"), header("password"), header("orgId"))
    return json_response(model().ok(data))


@bp.route(AKSK_PATH, methods=ANY_METHOD, provide_automatic_options=False)
def aksk() -> Response:
    allow("POST")
    data = model().login_with_key(
        header("user"), header("accessKey"), header("timestamp"), header("signature")
    )
    return json_response(model().ok(data))


@bp.route(RENEW_PATH, methods=ANY_METHOD, provide_automatic_options=False)
def renew() -> Response:
    allow("POST")
    return json_response(model().renewed(model().renew(header("token"))))


@bp.route(STATE_PATH, methods=ANY_METHOD, provide_automatic_options=False)
def state() -> Response:
    allow("GET")
    return json_response(model().ok(model().state(header("token"))))


@bp.route(CENTER_PATH, methods=ANY_METHOD, provide_automatic_options=False)
def center() -> Response:
    allow("GET")
    return json_response(model().ok(model().center(header("token"), request.host_url)))


@bp.route(USER_PATH, methods=ANY_METHOD, provide_automatic_options=False)
def user() -> Response:
    allow("GET")
    return json_response(model().ok(model().account(header("token"))))
