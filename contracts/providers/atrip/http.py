"""ATRIP's HTTP layer, gzip, and the portal the token's url opens."""

from __future__ import annotations

import gzip
import json
import re

from ...checks import content_type_problem, escaping_problem, key_order_problem
from ...expect import Deviation, because, not_allowed, require
from ...registry import Cases, Refusal
from ...target import Exchange, Target
from .protocol import (
    BODY,
    KEYS,
    TOKEN,
    P,
    error,
    headers,
    ok,
    open_url,
    portal_page,
    portal_refused,
    post,
)

CASES = Cases(P)


# -- the HTTP layer ----------------------------------------------------------------------


@CASES.story(
    "http.405.method",
    rule="POST /getAtripToken.do only: another method → HTTP 405, Allow: POST, status 2",
    source="decided",
)
def wrong_method(t: Target) -> None:
    """Another method than POST answers HTTP 405 with the envelope"""
    for method in ("GET", "PUT", "DELETE"):
        answer = t.request(method, TOKEN, headers=headers(t.creds("demo")))
        with because(method):
            not_allowed(answer, P, error(2, "Request method not supported"), "POST")


CASES.refusals(
    Refusal(
        "http.413.too-large",
        "A body over 1 MiB answers HTTP 413 with the envelope",
        "a body over the server's limit (1 MiB) → HTTP 413, status 2",
        lambda t: post(t, t.creds("demo"), {**BODY, "userName": "x" * (1024 * 1024)}),
        error(2, "Request body too large"),
        source="decided",
        status=413,
    ),
)


@CASES.story(
    "http.404.below",
    rule="a path under /getAtripToken.do/ → HTTP 404, status 2, the same envelope",
    source="decided",
)
def below_the_path(t: Target) -> None:
    """A path under the token path answers HTTP 404 with the envelope"""
    answer = t.request("POST", TOKEN + "/x", data=json.dumps(BODY), headers=headers(t.creds("demo")))
    problems = [
        f"HTTP status {answer.status_code}, documented 404" if answer.status_code != 404 else None,
        content_type_problem([answer.headers.get("Content-Type", "")]),
        escaping_problem(answer.content),
        key_order_problem(answer.content, KEYS),
    ]
    try:
        body = json.loads(answer.content)
    except ValueError:
        body = None
    want = {"url": "", "status": 2, "msg": "Not found"}
    if body != want or not isinstance(body, dict) or type(body.get("status")) is not int:
        problems.append(f"the body is {answer.content!r}, documented {json.dumps(want)}")
    require(not any(problems), "; ".join(p for p in problems if p))


# -- gzip --------------------------------------------------------------------------------


@CASES.story(
    "gzip.compressed",
    rule="Accept-Encoding: gzip (default gzip) → the answer is gzip-compressed, Content-Encoding: gzip",
    source="public",
)
def gzip_answer(t: Target) -> None:
    """With Accept-Encoding: gzip the answer is gzip-compressed"""
    response = t.session.post(
        t.base_url + TOKEN,
        data=json.dumps(BODY).encode(),
        headers=headers(t.creds("demo")),
        stream=True,
        timeout=30,
    )
    raw = response.raw.read(decode_content=False)
    response.close()
    t.exchanges.append(Exchange.of(response.request, response.status_code, response.headers, raw))
    encoding = response.headers.get("Content-Encoding")
    require(encoding == "gzip", f"Content-Encoding is {encoding!r}, documented 'gzip' (gzip ignored)")
    require(raw[:2] == b"\x1f\x8b", f"the body is not gzip-compressed: {raw[:40]!r}")
    try:
        body = json.loads(gzip.decompress(raw))
    except (OSError, EOFError, ValueError) as exc:
        raise Deviation(f"the gzip body does not decompress to JSON: {exc}") from exc
    require(
        isinstance(body, dict) and body.get("status") == 0,
        f"the decompressed answer is {body!r}, not status 0",
    )
    vary = response.headers.get("Vary", "")
    require("accept-encoding" in vary.lower(), f"Vary is {vary!r}, it must name Accept-Encoding")
    # The same answer as a client's library sees it, decompressed.
    ok(post(t, t.creds("demo")))


@CASES.story(
    "gzip.identity",
    rule="without gzip in Accept-Encoding the answer is plain JSON",
    source="decided",
)
def plain_answer(t: Target) -> None:
    """With Accept-Encoding: identity the answer is plain JSON"""
    response = post(t, t.creds("demo"), Accept_Encoding="identity")
    encoding = response.headers.get("Content-Encoding")
    require(encoding in (None, "identity"), f"Content-Encoding is {encoding!r} for Accept-Encoding: identity")
    ok(response)


# -- the portal --------------------------------------------------------------------------


def portal_url(t: Target, **change: str) -> str:
    """The portal url a request of the demo client gets for the documented body, `change`d."""
    return ok(post(t, t.creds("demo"), {**BODY, **change}))


@CASES.story(
    "portal.page",
    rule="url: A url with token to access to Atlas customer service portal (order, operator, role)",
    source="decided",
)
def portal_shows_the_session(t: Target) -> None:
    """The url opens the portal page with the order, the operator and the role"""
    url = portal_url(t, orderNo="BG7980393808", userName="李伟", role="Finance")
    portal_page(open_url(t, url), "BG7980393808", "李伟", "Finance")


@CASES.story(
    "portal.legacy-role",
    rule="a legacy role is shown on the portal as its current role",
    source="decided",
)
def portal_legacy_role(t: Target) -> None:
    """A legacy role is shown under its current name"""
    url = portal_url(t, role="TECH")
    portal_page(open_url(t, url), BODY["orderNo"], "Developer")


@CASES.story(
    "portal.independent",
    rule="each token request opens its own portal session; earlier urls keep working",
    source="decided",
)
def portal_sessions_are_independent(t: Target) -> None:
    """A new token request does not end the earlier portal urls"""
    first = portal_url(t, userName="王芳")
    second = portal_url(t, userName="张伟")
    require(first != second, "two token requests returned the same url")
    portal_page(open_url(t, second), "张伟")
    portal_page(open_url(t, first), "王芳")
    portal_page(open_url(t, first), "王芳")  # as often as it is opened


@CASES.story(
    "portal.lifetime.30min",
    rule="the portal token works for 30 minutes; a stale token gets HTTP 401",
    source="decided",
    needs=("admin",),
)
def portal_lifetime(t: Target) -> None:
    """The portal url works for 30 minutes and not a moment longer"""
    t.clock(freeze=True)
    url = portal_url(t)
    t.clock(advance=1799)
    with because("29:59 after the token request"):
        portal_page(open_url(t, url), BODY["orderNo"])
    t.clock(advance=1)
    with because("30:00 after the token request"):
        portal_refused(open_url(t, url))


@CASES.story("portal.401.unknown", rule="an unknown portal token gets HTTP 401", source="decided")
def portal_unknown_token(t: Target) -> None:
    """An unknown portal token gets HTTP 401"""
    url = portal_url(t)
    stale = re.sub(r"token=[^&]+", "token=" + "0" * 32, url)
    require(stale != url, f"the url {url!r} has no token parameter")
    portal_refused(open_url(t, stale))
    portal_refused(open_url(t, stale.split("?")[0]))
