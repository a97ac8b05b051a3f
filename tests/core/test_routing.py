"""URLs build as werkzeug builds them, though the rules compile their builders on first use."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, url_for
from werkzeug.routing import Rule

from provider_mocks import create_app


def test_urls_build(app: Flask) -> None:
    urls = app.url_map.bind("mock.test")
    assert urls.build("admin.health") == "/__admin/health"
    assert urls.build("admin.fault", {"rule_id": "a b"}) == "/__admin/faults/a%20b"
    assert urls.build("admin.spec", {"slug": "sugon", "format": "json"}) == "/__admin/specs/sugon?format=json"
    with app.test_request_context():
        token = url_for("itrigger.token", _external=True)
    assert token == "http://localhost/itrigger-tenant/v1/basic/accessTokenOpen/token"


def test_builders_compile_on_first_use_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Werkzeug's hook is still there (a rename fails here) and adding rules compiles nothing."""
    compiled: list[Rule] = []
    original = Rule._compile_builder

    def counting(rule: Rule, append_unknown: bool = True) -> Any:
        compiled.append(rule)
        return original(rule, append_unknown)

    monkeypatch.setattr(Rule, "_compile_builder", counting)
    app = create_app(providers=["itrigger"])
    assert compiled == []
    assert app.url_map.bind("mock.test").build("admin.health") == "/__admin/health"
    assert [rule.endpoint for rule in compiled] == ["admin.health"]
