"""Sugon / SCNet AC's deviations: each breaks one documented behaviour."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..deviants import (
    CHARSET_DROPPED,
    ESCAPED_CHINESE,
    Deviant,
    Rewrite,
    body_rewrite,
    changed_value,
    configured,
    jwt_claims,
    keys_first,
    keys_sorted,
    on_paths,
    renamed,
    replaced_text,
    reworded,
    server_error_when,
    token_lives,
)

TOKENS = "/ac/openapi/v2/tokens"
AKSK = "/api/user/v3/tokens"
RENEW = "/ac/openapi/v2/tokens/next"
CENTER = "/ac/openapi/v2/center"
USER = "/ac/openapi/v2/user"
TOKEN_PATHS = (RENEW, "/ac/openapi/v2/tokens/state", CENTER, USER)
#: The documentation's example token, where a suspended region should have null.
EXAMPLE_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjb21wdXRlVXNlciI6Imhhb3dqIn0."
    "LUOEH3_7GjbdizcRhdPSpUxkg0mza8XM6Bd3_5ZAa-I"
)


def without(claim: str) -> Any:
    return lambda claims: {k: v for k, v in claims.items() if k != claim}


def expire_in_seconds(claims: dict[str, Any]) -> dict[str, Any]:
    return {**claims, "expireTime": str(int(claims["expireTime"]) // 1000)}


def changed_data(change: Callable[[Any], Any]) -> Rewrite:
    """Every envelope with its `data` changed (where it has one)."""

    def rewrite(body: Any) -> bytes:
        if isinstance(body, dict) and body.get("data") is not None:
            body = {**body, "data": change(body["data"])}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    return body_rewrite(rewrite)


def platform_first(listed: Any) -> Any:
    """The token list with the platform's token (clusterId "0") moved to the front."""
    return sorted(listed, key=lambda item: item["clusterId"] != "0")


def without_cluster_user(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "clusterUserInfo"}


def sorted_fields(data: dict[str, Any]) -> dict[str, Any]:
    return dict(sorted(data.items()))


def not_found(path: str, status: int, headers: list[tuple[str, str]], body: bytes) -> Any:
    """An operation the server does not have: the platform's unknown-path answer."""
    return 404, headers, '{"code":"404","msg":"接口不存在","data":null}'.encode()


DEVIANTS = [
    Deviant("code as a number", 'code is 0, documented "0"', rewrite=changed_value("code", int)),
    keys_sorted("documented order is ['code', 'msg', 'data']"),
    Deviant(
        "renewal keys code-first",
        "envelope keys are ['code', 'msg', 'data'], documented order is ['msg', 'code', 'data']",
        rewrite=on_paths(keys_first("code", "msg", "data"), RENEW),
    ),
    renamed("msg", "message", "envelope keys are ['code', 'message', 'data']"),
    ESCAPED_CHINESE,
    reworded('msg is "无效参数", documented "参数无效"', "参数无效", "无效参数"),
    CHARSET_DROPPED,
    Deviant(
        "500 on a malformed token",
        "HTTP status 500",
        rewrite=on_paths(server_error_when("10004"), *TOKEN_PATHS),
    ),
    Deviant(
        "claims without invoker", "(missing ['invoker'], extra [])", rewrite=jwt_claims(without("invoker"))
    ),
    Deviant(
        "expireTime in seconds",
        "documented milliseconds since the epoch as a string",
        rewrite=jwt_claims(expire_in_seconds),
    ),
    Deviant(
        "suspended region with a token",
        "is listed with token 'eyJ",
        rewrite=replaced_text('"token":null', f'"token":"{EXAMPLE_TOKEN}"'),
    ),
    configured(
        "renewal allowed 25 h after expiry",
        "a renewal 24 h 1 min after expiry was not refused",
        renew_window=25 * 3600,
    ),
    token_lives(1, "documented 24 h after issue"),
    configured("timestamps 10 min off accepted", "a timestamp 6 min old was accepted", timestamp_window=600),
    configured(
        "frozen user's tokens still work",
        "a frozen user's token was not refused",
        frozen_tokens_refused=False,
    ),
    Deviant(
        "platform token first",
        "documented the platform's token (clusterId 0, clusterName ac) last",
        rewrite=on_paths(changed_data(platform_first), TOKENS, AKSK),
    ),
    Deviant(
        "AK/SK keys code-first",
        "envelope keys are ['code', 'msg', 'data'], documented order is ['msg', 'code', 'data']",
        rewrite=on_paths(keys_first("code", "msg", "data"), AKSK),
    ),
    Deviant(
        "AK/SK 10009 with the center's text",
        'msg is "没有权限访问接口", documented "校验失败"',
        config={"messages": {"10009.aksk": "没有权限访问接口"}},
    ),
    configured(
        "bad signature answers 10004", 'code is "10004", documented "10009"', bad_signature_code="10004"
    ),
    Deviant(
        "10007 without 被",
        'msg is "用户已冻结", documented "用户已被冻结"',
        config={"messages": {"10007": "用户已冻结"}},
    ),
    Deviant(
        "center without clusterUserInfo",
        "(missing ['clusterUserInfo'])",
        rewrite=on_paths(changed_data(without_cluster_user), CENTER),
    ),
    configured("center id as a string", "id is '11250', documented a number", center_id_type="string"),
    Deviant(
        "center enable as a boolean",
        "are not strings, documented strings",
        rewrite=replaced_text('"enable":"true"', '"enable":true'),
    ),
    configured("hpc URL ending in /hpc", "the center's URLs are", center_paths={"hpcUrls": "/hpc"}),
    Deviant("no /user", "HTTP status 404, documented 200", rewrite=on_paths(not_found, USER)),
    Deviant(
        "/user fields sorted",
        "documented as an object of the strings",
        rewrite=on_paths(changed_data(sorted_fields), USER),
    ),
]
