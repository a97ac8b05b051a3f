"""Sugon / SCNet AC's signatures, in one place: the AK/SK request signature and the tokens' HS256.

Tokens are HS256 JWTs and nothing about them but the key is stored: a token is genuine while
its signature holds and its claims are exactly the documented ones.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TypeGuard

from ...core.provider import Outgoing
from ...core.stores import Store

#: The token's claims, in the order of the documentation's example token [doc].
CLAIMS = (
    "computeUser",
    "accountStatus",
    "creator",
    "role",
    "expireTime",
    "clusterId",
    "invoker",
    "user",
    "userId",
)
CREATOR = "ac"  # [doc: the example token]
ALGORITHM = "HS256"
#: The store's key of the tokens' HS256 key; outside `sugon:`, so a reset keeps it and the
#: tokens already handed out stay genuine.
SIGNING_KEY = "sugon.signing-key"
TIMESTAMP = re.compile(r"[0-9]{1,12}")
#: The claims that are numbers written as strings, each as the platform writes it: a Java
#: `long` (milliseconds; the user's id) or a region id ("0" the platform's) [doc: the example token].
_NUMBER_CLAIMS = {
    "expireTime": re.compile(r"[0-9]{1,19}"),
    "clusterId": re.compile(r"0|[1-9][0-9]{0,18}"),
    "userId": re.compile(r"[0-9]{1,19}"),
}
JAVA_LONG_MAX = 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


def signature(access_key: str, timestamp: str, user: str, secret_key: str) -> str:
    """The AK/SK signature [public]: lowercase hex HMAC-SHA256, keyed by the secret key, of
    the compact JSON of the three headers with sorted keys."""
    message = json.dumps(
        {"accessKey": access_key, "timestamp": timestamp, "user": user},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return hmac.new(secret_key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


#: The AK/SK request's header fields, the signature last.
AKSK_HEADERS = ("accessKey", "timestamp", "user", "signature")


def sign_again(request: Outgoing, credential: Mapping[str, Any]) -> Outgoing:
    """An AK/SK request signed with `credential`'s secret key, its other fields as sent: a
    recorded request whose signature, made with a secret nobody shares, drift replays with a
    demo access key. Any other request is returned as it is."""
    names = {name.lower(): name for name in request.headers}
    if not isinstance(credential.get("secretKey"), str) or any(
        field.lower() not in names for field in AKSK_HEADERS
    ):
        return request
    access_key, timestamp, user = (request.headers[names[field.lower()]] for field in AKSK_HEADERS[:3])
    signed = signature(access_key, timestamp, user, credential["secretKey"])
    return replace(request, headers={**request.headers, names["signature"]: signed})


def same(expected: str, given: str) -> bool:
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass")
    )


def well_formed(claims: Any) -> TypeGuard[dict[str, str]]:
    """Exactly the documented claims, each a string the platform could have written: text a
    store can hold (no lone surrogate), numbers within the platform's range."""
    return (
        isinstance(claims, dict)
        and set(claims) == set(CLAIMS)
        and all(isinstance(value, str) and not _SURROGATE.search(value) for value in claims.values())
        and all(form.fullmatch(claims[name]) for name, form in _NUMBER_CLAIMS.items())
        and int(claims["expireTime"]) <= JAVA_LONG_MAX
    )


def stored_key(store: Store) -> str:
    """The store's signing key, made at random where it holds none: ours, unless another process
    made one first, then that one."""
    key = store.get(SIGNING_KEY)
    while key is None:
        made = secrets.token_urlsafe(32)
        key = made if store.compare_and_set(SIGNING_KEY, None, made) else store.get(SIGNING_KEY)
    return str(key)


def sign(claims: dict[str, str], key: str) -> str:
    """A token carrying `claims`, in their order, signed with `key`."""
    import jwt  # loaded on first use: it costs a start 8 ms

    return jwt.encode(claims, key, algorithm=ALGORITHM)


def verified(token: str, key: str) -> dict[str, str] | None:
    """The claims of a token signed with `key`, if they are exactly the documented ones."""
    found = _verified(token, key)
    return None if found is None else dict(found)


@functools.lru_cache(maxsize=4096)
def _verified(token: str, key: str) -> dict[str, str] | None:
    """`verified`, kept for the tokens last seen: a client presents its token on every call, and
    checking a signature took two fifths of a call's time (PyJWT reads each segment a
    character at a time)."""
    import jwt  # loaded on first use: it costs a start 8 ms

    try:
        claims = json.loads(jwt.api_jws.decode(token, key, algorithms=[ALGORITHM]))
    except (jwt.InvalidTokenError, ValueError, RecursionError):  # RecursionError: nested too deep
        return None
    return claims if well_formed(claims) else None
