"""URLs build as werkzeug builds them, though the rules compile their builders on first use."""

from __future__ import annotations

from flask import Flask, url_for


def test_urls_build(app: Flask) -> None:
    urls = app.url_map.bind("mock.test")
    assert urls.build("admin.health") == "/__admin/health"
    assert urls.build("admin.fault", {"rule_id": "a b"}) == "/__admin/faults/a%20b"
    assert urls.build("admin.spec", {"slug": "sugon", "format": "json"}) == "/__admin/specs/sugon?format=json"
    with app.test_request_context():
        token = url_for("itrigger.token", _external=True)
    assert token == "http://localhost/itrigger-tenant/v1/basic/accessTokenOpen/token"
