"""ATRIP's requests and answers as its documentation gives them, for every part of its contract."""

from __future__ import annotations

import json
import re
from typing import Any

import requests

from ...checks import escaping_problem
from ...expect import Predicate, expect, require
from ...target import Exchange, Target

P = "atrip"
TOKEN = "/getAtripToken.do"
ID, SECRET = "x-atlas-client-id", "x-atlas-client-secret"
KEYS = ["url", "status", "msg"]
HTML_UTF8 = "text/html; charset=utf-8"

ROLES = ("Customer service", "Finance", "Developer", "Admin")
LEGACY_ROLES = {"TICKETING": "Customer service", "FINANCE": "Finance", "TECH": "Developer", "ADMIN": "Admin"}
#: A documented body: the spec's own example.
BODY = {"orderNo": "TK4058960725", "userName": "Li Wei", "role": "Customer service"}

PORTAL_URL: Predicate = (
    lambda u: isinstance(u, str) and re.fullmatch(r"https?://[^\s/?#]+/\S*", u) is not None,
    "an absolute url with a token to the Atlas customer service portal",
)

#: The body's fields, each required and a string, in the order they are checked.
FIELDS = ("orderNo", "userName", "role")


def headers(creds: dict[str, Any] | None, **extra: str | None) -> dict[str, str | None]:
    """The documented headers for `creds` (None: no client id/secret), plus `extra` (None: not sent).

    Accept is `*/*`: clients observe that Atlas rejects `application/json` [public], so the
    cases hold a server to their own rule and not to that.
    """
    sent: dict[str, str | None] = {
        "Accept": "*/*",
        "Content-Type": "application/json",
        "Accept-Encoding": "gzip",
    }
    if creds is not None:
        sent |= {ID: creds[ID], SECRET: creds[SECRET]}
    return sent | {name.replace("_", "-"): value for name, value in extra.items()}


def post(t: Target, creds: dict[str, Any] | None, body: Any = BODY, **extra: str | None) -> requests.Response:
    """A token request: `body` as JSON (bytes as they are), the documented headers."""
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return t.request("POST", TOKEN, data=data, headers=headers(creds, **extra))


def ok(response: requests.Response) -> str:
    """The documented success: `{"url": "<portal url>", "status": 0, "msg": null}`; the url."""
    body = expect(response, P, url=PORTAL_URL, envelope={"status": 0}, msg=None)
    url: str = body["url"]
    return url


def error(status: int, msg: str) -> dict[str, Any]:
    """An error answer: `url` still there, empty, because the schema requires it."""
    return {"status": status, "url": "", "msg": msg}


# The texts of msg, written out from the project's decisions (specs/atrip.yaml, PROVIDERS.md).
UNAUTHORIZED = error(3, "Unauthorized access")
NOT_OBJECT = "Request body must be a JSON object"
BAD_ROLE = "role must be one of: Customer service, Finance, Developer, Admin, TICKETING, FINANCE, TECH, ADMIN"
BAD_ORDER_NO = "orderNo must be 1 to 64 letters, digits, '-' or '_'"


def open_url(t: Target, url: str) -> requests.Response:
    """GET a url the target returned (kept for the report, like every request)."""
    if url.startswith(t.base_url + "/"):
        return t.request("GET", url[len(t.base_url) :])
    response = t.session.get(url, timeout=30)
    t.exchanges.append(
        Exchange.of(response.request, response.status_code, response.headers, response.content)
    )
    return response


def portal_page(response: requests.Response, *shown: str) -> str:
    """The portal's HTML page in UTF-8, showing each of `shown`; its text."""
    require(
        response.status_code == 200,
        f"the portal url answered HTTP {response.status_code}, not the page (200)",
    )
    got = response.headers.get("Content-Type")
    require(got == HTML_UTF8, f"the portal page's Content-Type is {got!r}, not {HTML_UTF8!r}")
    require((problem := escaping_problem(response.content)) is None, f"the portal page: {problem}")
    text = response.content.decode("utf-8")
    for value in shown:
        require(value in text, f"the portal page does not show {value!r}")
    return text


def portal_refused(response: requests.Response) -> None:
    require(
        response.status_code == 401,
        f"a stale or unknown portal token answered HTTP {response.status_code}, not 401",
    )
    got = response.headers.get("Content-Type")
    require(got == HTML_UTF8, f"the portal's error page has Content-Type {got!r}, not {HTML_UTF8!r}")


def answered_status(response: requests.Response) -> Any:
    """The envelope's status, if the answer has one."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body.get("status") if isinstance(body, dict) else None
