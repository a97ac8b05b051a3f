"""ATRIP's token request: its success, its status 3 and its status 2."""

from __future__ import annotations

import json
from typing import Any

from ...expect import because, refused
from ...registry import Cases, Contract, Refusal, Send
from ...target import NotApplicable, Target
from .protocol import (
    BAD_ORDER_NO,
    BAD_ROLE,
    BODY,
    FIELDS,
    ID,
    LEGACY_ROLES,
    NOT_OBJECT,
    ROLES,
    SECRET,
    UNAUTHORIZED,
    P,
    answered_status,
    error,
    ok,
    post,
)

CASES = Cases(P)


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
        with because(f"role {role!r}"):
            ok(post(t, t.creds("demo"), {**BODY, "role": role}))


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
        with because(f"the legacy role {role!r}{refusal}"):
            ok(answer)


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
    with because("Accept: application/json was refused (settings.strict_accept)"):
        ok(answer)


# -- status 3: unauthorized access -------------------------------------------------------


def unauthorized(case: str, title: str, why: str, send: Send) -> Refusal:
    """A request whose credentials do not pass: status 3, unauthorized access, for `why`."""
    return Refusal(
        f"token.3.{case}", title, f"3: unauthorized access ({why})", send, UNAUTHORIZED, source="decided"
    )


CASES.refusals(
    unauthorized(
        "no-credentials",
        "A request without client id and secret answers status 3",
        "x-atlas-client-id / x-atlas-client-secret missing",
        lambda t: post(t, None),
    ),
    unauthorized(
        "unknown-client",
        "An unknown client id answers status 3",
        "an unknown client id",
        lambda t: post(t, {ID: "0000000000000000", SECRET: "0" * 32}),
    ),
    unauthorized(
        "wrong-secret",
        "A wrong client secret answers status 3",
        "a wrong client secret",
        lambda t: post(t, {**t.creds("demo"), SECRET: t.creds("demo")[SECRET] + "x"}),
    ),
    unauthorized(
        "empty-secret",
        "An empty client secret answers status 3",
        "an empty client secret",
        lambda t: post(t, {**t.creds("demo"), SECRET: ""}),
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


def orders_client(t: Target) -> tuple[dict[str, Any], list[str]]:
    """The 'orders' client, configured with its own orders, and those orders."""
    creds = t.creds("orders")
    return creds, str(creds["orders"]).split(",")


@CASES.story(
    "token.3.foreign-order",
    rule="a client configured with its own orders asking for another orderNo → 3",
    source="decided",
)
def foreign_order(t: Target) -> None:
    """A client with its own orders gets status 3 for another order"""
    creds, own = orders_client(t)
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
    creds, own = orders_client(t)
    for order in own:
        with because(f"own order {order!r}"):
            ok(post(t, creds, {**BODY, "orderNo": order}))


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
            with because(label):
                refused(post(t, t.creds("demo"), body), P, error(2, msg))

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
