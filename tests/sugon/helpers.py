"""Small helpers shared by the Sugon tests, written from the documentation, not from the mock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import partial
from typing import Any

import pytest
import requests

# The documented paths, written once, in the contract; the tests import them from here.
from provider_mocks.contracts.providers.sugon.protocol import AKSK as AKSK
from provider_mocks.contracts.providers.sugon.protocol import CENTER as CENTER
from provider_mocks.contracts.providers.sugon.protocol import RENEW as RENEW
from provider_mocks.contracts.providers.sugon.protocol import STATE as STATE
from provider_mocks.contracts.providers.sugon.protocol import TOKENS as TOKENS
from provider_mocks.contracts.providers.sugon.protocol import USER as USER
from tests import support

ADMIN = "/__admin/sugon"

JSON_UTF8 = support.JSON_UTF8
#: The example token's claims, in its order [doc].
CLAIMS = [
    "computeUser",
    "accountStatus",
    "creator",
    "role",
    "expireTime",
    "clusterId",
    "invoker",
    "user",
    "userId",
]
#: The demo regions: active, active but barred from the center, suspended for the demo user.
ACTIVE, RENEW_ONLY, SUSPENDED = "11250", "11112", "11126"
HOUR = 3600
#: The signing key the README once gave as the default: anyone could mint tokens with it.
OLD_PUBLIC_KEY = "provider-mocks sugon HS256 token signing key"
DAY = 24 * HOUR


provider = partial(support.provider, "sugon")
demo = partial(support.demo, "sugon")


def secret(http: requests.Session, base_url: str) -> str:
    """The tokens' signing key, from the settings the admin API shows."""
    key: str = provider(http, base_url)["settings"]["jwt_secret"]
    return key


def login(http: requests.Session, base_url: str, creds: dict[str, str]) -> dict[str, Any]:
    headers = {"user": creds["user"], "password": creds["password"], "orgId": creds["orgId"]}
    return support.envelope(http.post(f"{base_url}{TOKENS}", headers=headers))


def tokens(http: requests.Session, base_url: str, role: str = "demo") -> dict[str, str | None]:
    """clusterId -> token of a demo user's successful acquisition."""
    body = login(http, base_url, demo(http, base_url, role))
    assert body["code"] == "0", body
    return {item["clusterId"]: item["token"] for item in body["data"]}


def token(http: requests.Session, base_url: str, cluster_id: str = ACTIVE) -> str:
    found = tokens(http, base_url)[cluster_id]
    assert found is not None
    return found


def sign(access_key: str, timestamp: str, user: str, secret_key: str) -> str:
    """The public SDKs' signature: HMAC-SHA256 of the sorted compact JSON, lowercase hex."""
    text = f'{{"accessKey":"{access_key}","timestamp":"{timestamp}","user":"{user}"}}'
    return hmac.new(secret_key.encode(), text.encode(), hashlib.sha256).hexdigest().lower()


def key_headers(creds: dict[str, str], timestamp: int | str, **override: str) -> dict[str, str]:
    stamp = str(timestamp)
    headers = {
        "user": creds["user"],
        "accessKey": creds["accessKey"],
        "timestamp": stamp,
        "signature": sign(creds["accessKey"], stamp, creds["user"], creds["secretKey"]),
    }
    return headers | override


def error(code: str, msg: str) -> bytes:
    """An error answer's exact bytes [doc]."""
    return f'{{"code":"{code}","msg":"{msg}","data":null}}'.encode()


def key_error(code: str, msg: str) -> bytes:
    """An AK/SK error answer's exact bytes: keys msg, code, data, as its example [public]."""
    return f'{{"msg":"{msg}","code":"{code}","data":null}}'.encode()


def b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def segments(jwt: str) -> tuple[bytes, bytes, bytes]:
    header, payload, signature = jwt.split(".")
    return b64(header), b64(payload), b64(signature)


def claims(jwt: str) -> dict[str, Any]:
    """The payload, keys in their order."""
    decoded: dict[str, Any] = json.loads(segments(jwt)[1])
    return decoded


def hs256(payload: dict[str, Any] | bytes, key: str, header: bytes = b'{"alg":"HS256","typ":"JWT"}') -> str:
    """A token built by hand: any header, any payload, signed with any key."""

    def enc(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    body = payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()
    signing_input = f"{enc(header)}.{enc(body)}"
    mac = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{enc(mac)}"


#: A token's claim set to a value the platform never writes, each as the JSON text of the
#: value: (claim, JSON), named. A genuine signature over any of them still answers 10004.
CLAIMS_OUT_OF_RANGE = [
    pytest.param("expireTime", '"' + "9" * 5000 + '"', id="5,000-digit expireTime"),
    pytest.param("expireTime", f'"{2**63}"', id="expireTime past a Java long"),
    pytest.param("expireTime", '"1' + "0" * 19 + '"', id="20-digit expireTime"),
    pytest.param("expireTime", '"-1"', id="negative expireTime"),
    pytest.param("expireTime", '"1.9e12"', id="expireTime with an exponent"),
    pytest.param("expireTime", '"NaN"', id="NaN expireTime"),
    pytest.param("expireTime", '"Infinity"', id="Infinity expireTime"),
    pytest.param("expireTime", '""', id="empty expireTime"),
    pytest.param("expireTime", '" 1893456000000"', id="padded expireTime"),
    pytest.param("expireTime", '"１８９３４５６０００００"', id="full-width digits"),
    pytest.param("expireTime", "9" * 5000, id="5,000-digit number"),
    pytest.param("expireTime", "1.9e12", id="float number"),
    pytest.param("expireTime", "1e400", id="number past a double"),
    pytest.param("expireTime", "NaN", id="bare NaN"),
    pytest.param("expireTime", "true", id="boolean"),
    pytest.param("expireTime", "null", id="null"),
    pytest.param("expireTime", '["1893456000000"]', id="list"),
    pytest.param("clusterId", '"1' + "0" * 4999 + '"', id="5,000-digit clusterId"),
    pytest.param("clusterId", '"-11250"', id="negative clusterId"),
    pytest.param("clusterId", '"011250"', id="clusterId with a leading zero"),
    pytest.param("clusterId", "11250", id="number clusterId"),
    pytest.param("userId", '"1' + "0" * 4999 + '"', id="5,000-digit userId"),
    pytest.param("user", "{}", id="object user"),
    pytest.param("user", '"\\ud800"', id="lone surrogate user"),
    pytest.param("invoker", '"\\udfff"', id="lone surrogate invoker"),
]


def with_claim(genuine: dict[str, Any], claim: str, value: str, key: str) -> str:
    """A token with `genuine`'s claims, `claim` set to the JSON text `value`, signed with `key`."""
    payload = json.dumps(genuine | {claim: "\0"}, separators=(",", ":")).replace('"\\u0000"', value)
    return hs256(payload.encode(), key)
