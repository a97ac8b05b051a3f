"""The platform's real paths: parse the request, ask the model, write the envelope."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Response, request
from werkzeug.exceptions import MethodNotAllowed

from ...core.errors import ProviderError
from ...core.jsonio import json_response
from ...core.services import get_mocks
from . import errors
from .models import PREFIX, TOKEN_PATH, CredentialModel

bp = Blueprint("credential", __name__)

#: Every method reaches a handler, so a wrong one gets the platform's envelope.
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
FORM = "application/x-www-form-urlencoded"


def model() -> CredentialModel:
    found = get_mocks().model("credential")
    assert isinstance(found, CredentialModel)
    return found


def allow(*methods: str) -> None:
    """The token endpoint and the demo API are POST [doc]."""
    if request.method not in methods:
        raise MethodNotAllowed(valid_methods=list(methods))


def form_parameters(*names: str) -> list[str]:
    """Form parameters as a servlet's getParameter reads them: the query first, then an
    urlencoded body; a repeated name by its first value; bytes that are not UTF-8 replaced.
    Any other body (JSON above all) is not read [doc: 非Json格式入参]."""
    body: dict[str, str] = {}
    if request.mimetype == FORM:
        text = request.get_data().decode("utf-8", errors="replace")
        for name, value in parse_qsl(text, keep_blank_values=True, errors="replace"):
            body.setdefault(name, value)
    return [request.args.get(name, body.get(name, "")) for name in names]


def json_sender() -> str | None:
    """The clientId a JSON body names. Never read for the answer; the audit reports the mistake
    as that client's."""
    if request.mimetype != "application/json":
        return None
    try:
        parsed = json.loads(request.get_data())
    except (ValueError, RecursionError):
        return None
    sender = parsed.get("clientId") if isinstance(parsed, dict) else None
    return sender if isinstance(sender, str) and sender else None


@bp.route(TOKEN_PATH, methods=ANY_METHOD, provide_automatic_options=False)
def credential() -> Response:
    allow("POST")
    client_id, secret, user_type = form_parameters("clientId", "secret", "userType")
    token = model().issue_token(client_id, secret, user_type, request.remote_addr, sender=json_sender())
    return json_response(model().ok(token))


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@bp.route(PREFIX + "/<path:api>", methods=ANY_METHOD, provide_automatic_options=False)
def business(api: str) -> Response:
    """Any granted API echoes the JSON body it received in `data` (an empty body: `{}`)."""
    allow("POST")
    model().authorize(
        request.headers.get("Access-Token"),
        request.headers.get("Request-Id"),
        request.path,
        request.remote_addr,
    )
    raw = request.get_data()
    try:
        data = json.loads(raw, parse_constant=_no_constants) if raw.strip() else {}
    except (ValueError, RecursionError) as exc:  # parameters that cannot be read are missing
        raise ProviderError(errors.MISSING_PARAMETERS) from exc
    return json_response(model().ok(data))
