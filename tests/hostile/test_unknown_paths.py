"""A path under a provider's prefix that no route serves answers in that provider's envelope, its
documented 404, on every stack; a path that only shares the prefix's first letters does not.

A path is under a prefix when what follows the prefix does not go on with its last name: `/`,
`;`, a NUL, a byte that is not UTF-8 (`%FF`, read as U+FFFD)... Dot segments are read as sent.
"""

from __future__ import annotations

import re

import pytest

from .answers import exchange, parse
from .conftest import Stack

#: Each provider's documented 404 (README's fidelity tables); credential's timestamp as 0.
NOT_FOUND = {
    "atrip": b'{"url":"","status":2,"msg":"Not found"}',
    "itrigger": '{"code":404,"message":"接口不存在","data":null}'.encode(),
    "appauth": '{"code":404,"message":"接口不存在","result":null,"success":false}'.encode(),
    "sugon": '{"code":"404","msg":"接口不存在","data":null}'.encode(),
    "credential": (
        '{"code":404,"message":"接口不存在","_trackId":null,"data":null,"extr":null,'
        '"timestamp":0,"_status":null,"ok":false}'
    ).encode(),
}
LONG = b"a" * 8000

PATHS = [
    ("atrip", b"/getAtripToken.do%FF"),
    ("atrip", b"/getAtripToken.do%00"),
    ("atrip", b"/getAtripToken.do;jsessionid=1"),
    ("atrip", b"/getAtripToken.do/"),
    ("atrip", b"/getAtripToken.do/.."),
    ("atrip", b"/getAtripToken.do/%2e%2e/getAtripToken.do"),
    ("atrip", b"/getAtripToken.do/" + LONG),
    ("atrip", b"/atrip-portal%FF"),
    ("itrigger", b"/itrigger-tenant"),
    ("itrigger", b"/itrigger-tenant%FF%FE"),
    ("itrigger", b"/itrigger-bff%00"),
    ("itrigger", b"/itrigger-bff;x=1"),
    ("appauth", b"/auth"),
    ("appauth", b"/auth%C0%AF"),
    ("appauth", b"/auth/%00"),
    ("appauth", b"/auth/getAccessToken%FF"),
    ("appauth", b"/auth/./hello"),
    ("appauth", b"/auth/../auth/hello"),
    ("appauth", b"/auth/" + LONG),
    ("sugon", b"/ac%FF"),
    ("sugon", b"/api/user%00"),
    ("sugon", b"/ac/openapi/v2/tokens%ED%A0%80"),
    ("sugon", b"/ac/openapi/v2/./tokens"),
    ("sugon", b"/ac/%2e%2e/api/user/v3/tokens"),
    ("sugon", b"/api/user/v3/tokens/" + LONG),
    ("credential", b"/openapi"),
    ("credential", b"/openapi%FF"),
    ("credential", b"/openapi%00"),
    ("credential", b"/openapi;x=1"),
]

#: Paths that begin like a prefix but name something else: the admin API's plain 404.
NOT_UNDER = [b"/getAtripToken.dox", b"/atrip-portals", b"/acme", b"/api/users", b"/authx", b"/openapi.json"]


def answer(stack: Stack, path: bytes) -> tuple[int, bytes]:
    data = exchange(
        stack.url,
        [b"GET " + path + b" HTTP/1.1\r\nHost: mock.test\r\nConnection: close\r\n\r\n"],
        half_close=False,
        head=False,
    )
    assert data, f"no answer to {path[:60]!r}"
    (found,) = parse(data, head=False)
    return found.status, re.sub(rb'"timestamp":\d+', b'"timestamp":0', found.body)


@pytest.mark.parametrize(
    ("slug", "path"), [pytest.param(slug, path, id=f"{slug} {path[:40]!r}") for slug, path in PATHS]
)
def test_a_path_under_a_prefix_answers_the_providers_404(stack: Stack, slug: str, path: bytes) -> None:
    assert answer(stack, path) == (404, NOT_FOUND[slug])


@pytest.mark.parametrize("path", NOT_UNDER, ids=[path.decode() for path in NOT_UNDER])
def test_a_path_that_only_begins_like_a_prefix_is_no_providers(stack: Stack, path: bytes) -> None:
    status, body = answer(stack, path)
    assert status == 404
    assert body.startswith(b'{"error":')
