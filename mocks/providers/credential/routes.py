"""The platform's real paths: parse the request, ask the model, write the envelope.

The token endpoint and the demo API are POST [doc].
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from flask import Response, request

from ...core.jsonio import json_response
from ...core.routes import Routes, json_body
from . import errors
from .models import PREFIX, TOKEN_PATH, CredentialModel

bp = Routes("credential", CredentialModel, errors.error_body)
FORM = "application/x-www-form-urlencoded"


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


@bp.answer(TOKEN_PATH, methods=["POST"])
def credential() -> Response:
    client_id, secret, user_type = form_parameters("clientId", "secret", "userType")
    token = bp.model().issue_token(client_id, secret, user_type, request.remote_addr, sender=json_sender())
    return json_response(errors.ok(bp.model(), token))


@bp.answer(PREFIX + "/<path:api>", methods=["POST"])
def business(api: str) -> Response:
    """Any granted API echoes the JSON body it received in `data` (an empty body: `{}`)."""
    model = bp.model()
    model.authorize(
        request.headers.get("Access-Token"),
        request.headers.get("Request-Id"),
        request.path,
        request.remote_addr,
    )
    # parameters that cannot be read are missing
    return json_response(errors.ok(model, json_body(errors.MISSING_PARAMETERS)))
