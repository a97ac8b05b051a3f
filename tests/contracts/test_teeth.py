"""The contract suite has teeth: it fails on each deliberately deviating server, naming the deviation.

The kill rate (deviations caught / deviations planted) is printed at the end of the run.
"""

from __future__ import annotations

import pytest

from contracts.runner import run
from contracts.target import open_target

from .deviants import (
    Deviant,
    changed_value,
    content_type,
    escaped_unicode,
    renamed_key,
    replaced_text,
    server_error_when,
    serving,
    sorted_keys,
)

DEVIANTS: dict[str, list[Deviant]] = {
    "itrigger": [
        Deviant("sorted keys", "documented order is ['code', 'message', 'data']", rewrite=sorted_keys()),
        Deviant(
            "message renamed msg",
            "envelope keys are ['code', 'msg', 'data']",
            rewrite=renamed_key("message", "msg"),
        ),
        Deviant("\\u-escaped Chinese", "\\u-escaped", rewrite=escaped_unicode()),
        Deviant(
            "wrong message text",
            'message is "成功", documented "操作成功"',
            rewrite=replaced_text("操作成功", "成功"),
        ),
        Deviant("code as a string", 'code is "200", documented 200', rewrite=changed_value("code", str)),
        Deviant(
            "Content-Type without charset",
            "Content-Type is ['application/json']",
            rewrite=content_type("application/json"),
        ),
        Deviant("500 on malformed input", "HTTP status 500", rewrite=server_error_when(61451)),
        Deviant(
            "token not overwritten",
            "the overwritten token still works",
            config={"settings": {"overwrite_grace": 7200}},
        ),
        Deviant(
            "token lives 1 hour", "code is 401, documented 200", config={"settings": {"token_lifetime": 3600}}
        ),
    ],
}

CASES = [(provider, deviant) for provider, deviants in DEVIANTS.items() for deviant in deviants]


@pytest.mark.parametrize(("provider", "deviant"), CASES, ids=[f"{p}-{d.name}" for p, d in CASES])
def test_suite_fails_on_the_deviation(provider: str, deviant: Deviant, kills: dict[str, list[bool]]) -> None:
    with serving(provider, deviant) as url, open_target(provider, url) as target:
        assert target.admin, "the deviant is our mock with its admin API"
        failures = [r for r in run(target, fuzz_examples=0) if r.outcome == "fail"]
    caught = any(deviant.named in r.reason for r in failures)
    kills.setdefault(provider, []).append(caught)
    assert caught, f"no case named {deviant.named!r}; failures: {[(r.id, r.reason) for r in failures]}"
