"""ATRIP's contract: the token request's statuses and body rules, gzip, and the portal its url opens."""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict
from schemathesis import Case

from ..checks import content_type_problem, escaping_problem, key_order_problem
from ..expect import Deviation, Predicate, expect, not_allowed, refused, require
from ..fuzz import Fill
from ..registry import Cases, Contract, Refusal
from ..target import Exchange, NotApplicable, Target

P = "atrip"
CASES = Cases(P)
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


def described(context: str, check: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a check; a deviation it finds is reported after `context`."""
    try:
        return check(*args, **kwargs)
    except Deviation as exc:
        raise Deviation(f"{context}: {exc}") from exc


# -- success -----------------------------------------------------------------------------


@CASES.story(
    "token.success",
    rule='status "0: success"; url "A url with token to access to Atlas customer service portal"',
)
def token_success(t: Target) -> None:
    """A documented request gets status 0, a portal url and msg null"""
    ok(post(t, t.creds("demo")))


@CASES.story(
    "token.roles",
    rule="role: acceptable options Customer service, Finance, Developer, Admin",
)
def every_role(t: Target) -> None:
    """Each documented role is accepted"""
    for role in ROLES:
        described(f"role {role!r}", ok, post(t, t.creds("demo"), {**BODY, "role": role}))


@CASES.story(
    "token.legacy-role",
    rule="the older public docs' roles TICKETING, FINANCE, TECH, ADMIN are accepted too",
    source="public",
)
def legacy_roles(t: Target) -> None:
    """The older role spellings are still accepted"""
    for role in LEGACY_ROLES:
        answer = post(t, t.creds("demo"), {**BODY, "role": role})
        refusal = " was refused" if answered_status(answer) in (2, 3) else ""
        described(f"the legacy role {role!r}{refusal}", ok, answer)


@CASES.story("token.legacy-cid", rule="the older public docs' body has an extra cid string", source="public")
def legacy_cid(t: Target) -> None:
    """The older body with its extra cid field is accepted"""
    creds = t.creds("demo")
    ok(post(t, creds, {**BODY, "role": "TICKETING", "cid": creds[ID]}))


@CASES.story(
    "headers.accept-optional",
    rule="Accept is a documented header; the mock does not enforce it by default",
    source="decided",
)
def accept_not_enforced(t: Target) -> None:
    """A request without Accept is still answered"""
    ok(post(t, t.creds("demo"), Accept=None))


@CASES.story(
    "headers.accept-json-answered",
    rule="Accept is documented with no value; clients observe Atlas rejects application/json, "
    "which the mock only does with settings.strict_accept",
    source="decided",
)
def accept_json_answered(t: Target) -> None:
    """A request with Accept: application/json is answered like one with */*"""
    answer = post(t, t.creds("demo"), Accept="application/json")
    described("Accept: application/json was refused (settings.strict_accept)", ok, answer)


# -- status 3: unauthorized access -------------------------------------------------------


CASES.refusals(
    Refusal(
        "token.3.no-credentials",
        "A request without client id and secret answers status 3",
        "3: unauthorized access (x-atlas-client-id / x-atlas-client-secret missing)",
        lambda t: post(t, None),
        UNAUTHORIZED,
        source="decided",
    ),
    Refusal(
        "token.3.unknown-client",
        "An unknown client id answers status 3",
        "3: unauthorized access (an unknown client id)",
        lambda t: post(t, {ID: "0000000000000000", SECRET: "0" * 32}),
        UNAUTHORIZED,
        source="decided",
    ),
    Refusal(
        "token.3.wrong-secret",
        "A wrong client secret answers status 3",
        "3: unauthorized access (a wrong client secret)",
        lambda t: post(t, {**t.creds("demo"), SECRET: t.creds("demo")[SECRET] + "x"}),
        UNAUTHORIZED,
        source="decided",
    ),
    Refusal(
        "token.3.empty-secret",
        "An empty client secret answers status 3",
        "3: unauthorized access (an empty client secret)",
        lambda t: post(t, {**t.creds("demo"), SECRET: ""}),
        UNAUTHORIZED,
        source="decided",
    ),
    Refusal(
        "token.3.before-body",
        "Bad credentials win over a malformed body",
        "credentials are checked first: bad credentials with a bad body answer 3",
        lambda t: post(t, None, b"{not json", Content_Type="text/plain"),
        UNAUTHORIZED,
        source="decided",
    ),
)


@CASES.story(
    "token.3.foreign-order",
    rule="a client configured with its own orders asking for another orderNo → 3",
    source="decided",
)
def foreign_order(t: Target) -> None:
    """A client with its own orders gets status 3 for another order"""
    creds = t.creds("orders")
    own = str(creds["orders"]).split(",")
    if "TK0000000000" in own:
        raise NotApplicable("the 'orders' client owns TK0000000000, the order this case asks for as foreign")
    answer = post(t, creds, {**BODY, "orderNo": "TK0000000000"})
    refused(answer, P, error(3, "Unauthorized access: the order does not belong to this client"))


@CASES.story(
    "token.orders.own",
    rule="orderNo: an order for ticketing, or an order for add bags; a client's own orders are accepted",
    source="decided",
)
def own_orders(t: Target) -> None:
    """A client with its own orders gets a url for each of them"""
    creds = t.creds("orders")
    for order in str(creds["orders"]).split(","):
        described(f"own order {order!r}", ok, post(t, creds, {**BODY, "orderNo": order}))


# -- status 2: the headers and the body --------------------------------------------------


CASES.refusals(
    Refusal(
        "token.2.no-content-type",
        "A request without Content-Type answers status 2",
        "Content-Type is a required header → 2",
        lambda t: post(t, t.creds("demo"), Content_Type=None),
        error(2, "Missing required header: Content-Type"),
        source="decided",
    ),
    Refusal(
        "token.2.content-type",
        "A Content-Type that is not JSON answers status 2",
        "requestBody content: application/json; another type → 2",
        lambda t: post(t, t.creds("demo"), Content_Type="text/plain"),
        error(2, "Content-Type must be application/json"),
        source="decided",
    ),
)


def bodies_refused(id: str, title: str, rule: str, msg: str, bodies: dict[str, Any]) -> Contract:
    """A case of a table of bodies: each, by its label, is refused with status 2 and `msg`."""

    def run(t: Target) -> None:
        for label, body in bodies.items():
            described(label, refused, post(t, t.creds("demo"), body), P, error(2, msg))

    return Contract(id, title, rule, "decided", (), run)


CASES.extend(
    bodies_refused(
        "token.2.not-object",
        "A body that is not a JSON object answers status 2",
        "requestBody schema: type object; anything else → 2",
        NOT_OBJECT,
        {
            f"body {body!r}": body
            for body in (b"{not json", b"", b'["TK4058960725"]', b'"TK4058960725"', b"null")
        },
    ),
    *(
        case
        for field in FIELDS
        for case in (
            bodies_refused(
                f"token.2.missing.{field}",
                f"A body without {field} (or null, or blank) answers status 2",
                f"required: {field} → 2 when absent",
                f"{field} is required",
                {
                    f"{field} missing": {k: v for k, v in BODY.items() if k != field},
                    f"{field} null": {**BODY, field: None},
                    f"{field} blank": {**BODY, field: "  "},
                },
            ),
            bodies_refused(
                f"token.2.not-string.{field}",
                f"A body whose {field} is not a string answers status 2",
                f"{field}: type string → 2 otherwise",
                f"{field} must be a string",
                {
                    f"{field} {json.dumps(value)}": {**BODY, field: value}
                    for value in (1, True, [BODY[field]], {"value": BODY[field]})
                },
            ),
        )
    ),
)
CASES.refusals(
    Refusal(
        "token.2.not-string.cid",
        "A cid that is not a string answers status 2",
        "the older docs' cid is a string → 2 otherwise",
        lambda t: post(t, t.creds("demo"), {**BODY, "cid": 408}),
        error(2, "cid must be a string"),
        source="decided",
    ),
)
CASES.extend(
    bodies_refused(
        "token.2.bad-role",
        "A role outside the list answers status 2",
        "role: acceptable options Customer service, Finance, Developer, Admin → 2 otherwise",
        BAD_ROLE,
        {
            f"role {role!r}": {**BODY, "role": role}
            for role in ("Manager", "customer service", "Customer Service ", "ticketing")
        },
    ),
    bodies_refused(
        "token.2.bad-orderNo",
        "A malformed orderNo answers status 2",
        "orderNo: 1 to 64 letters, digits, '-' or '_' → 2 otherwise",
        BAD_ORDER_NO,
        {
            f"orderNo {order!r}": {**BODY, "orderNo": order}
            for order in ("TK 4058960725", "TK4058960725?", "订单4058960725", "T" * 65)
        },
    ),
)


@CASES.story(
    "token.2.first-problem",
    rule="the body's fields are checked in the order orderNo, userName, role; the first problem answers",
    source="decided",
)
def first_problem(t: Target) -> None:
    """With several problems, the first field's is the answer"""
    refused(post(t, t.creds("demo"), {"role": 1}), P, error(2, "orderNo is required"))
    refused(
        post(t, t.creds("demo"), {"orderNo": "TK1", "role": "Manager"}), P, error(2, "userName is required")
    )


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
        described(method, not_allowed, answer, P, error(2, "Request method not supported"), "POST")


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


@CASES.story(
    "portal.page",
    rule="url: A url with token to access to Atlas customer service portal (order, operator, role)",
    source="decided",
)
def portal_shows_the_session(t: Target) -> None:
    """The url opens the portal page with the order, the operator and the role"""
    body = {"orderNo": "BG7980393808", "userName": "李伟", "role": "Finance"}
    url = ok(post(t, t.creds("demo"), body))
    portal_page(open_url(t, url), "BG7980393808", "李伟", "Finance")


@CASES.story(
    "portal.legacy-role",
    rule="a legacy role is shown on the portal as its current role",
    source="decided",
)
def portal_legacy_role(t: Target) -> None:
    """A legacy role is shown under its current name"""
    url = ok(post(t, t.creds("demo"), {**BODY, "role": "TECH"}))
    portal_page(open_url(t, url), BODY["orderNo"], "Developer")


@CASES.story(
    "portal.independent",
    rule="each token request opens its own portal session; earlier urls keep working",
    source="decided",
)
def portal_sessions_are_independent(t: Target) -> None:
    """A new token request does not end the earlier portal urls"""
    first = ok(post(t, t.creds("demo"), {**BODY, "userName": "王芳"}))
    second = ok(post(t, t.creds("demo"), {**BODY, "userName": "张伟"}))
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
    url = ok(post(t, t.creds("demo")))
    t.clock(advance=1799)
    described("29:59 after the token request", portal_page, open_url(t, url), BODY["orderNo"])
    t.clock(advance=1)
    described("30:00 after the token request", portal_refused, open_url(t, url))


@CASES.story("portal.401.unknown", rule="an unknown portal token gets HTTP 401", source="decided")
def portal_unknown_token(t: Target) -> None:
    """An unknown portal token gets HTTP 401"""
    url = ok(post(t, t.creds("demo")))
    stale = re.sub(r"token=[^&]+", "token=" + "0" * 32, url)
    require(stale != url, f"the url {url!r} has no token parameter")
    portal_refused(open_url(t, stale))
    portal_refused(open_url(t, stale.split("?")[0]))


def prepare(t: Target) -> Fill:
    """Generated requests also go out as the demo client, with JSON and a documented role."""

    def fill(case: Case[Any]) -> None:
        if "demo" not in t.credentials:
            return
        creds = t.creds("demo")
        case.headers = case.headers or CaseInsensitiveDict()
        case.headers.update({ID: creds[ID], SECRET: creds[SECRET], "Content-Type": "application/json"})
        if isinstance(case.body, dict):
            case.body = {**case.body, "role": "Admin"}

    return fill
