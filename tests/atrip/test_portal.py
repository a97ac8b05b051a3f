"""The portal page in a real headless browser (Debian's Chromium), on the virtual clock.

The page must render the order, the operator and the role for a fresh token, and the
401 error page for a stale or an unknown one.
"""

from __future__ import annotations

import re
from html import unescape

import requests

from tests.browser import dump_dom
from tests.support import clock

from .helpers import PORTAL, portal_url


def text_of(dom: str, element_id: str) -> str | None:
    """The text inside the element with `element_id` (tags dropped, entities resolved)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', dom, re.S)
    return None if match is None else " ".join(unescape(re.sub(r"<[^>]+>", "", match.group(2))).split())


def test_fresh_token_renders_order_operator_and_role(
    chromium: str, http: requests.Session, base_url: str
) -> None:
    body = {"orderNo": "TK2026031001", "userName": "王小明 <ops>", "role": "TICKETING", "cid": "legacy-7"}
    dom = dump_dom(chromium, portal_url(http, base_url, body=body))
    assert text_of(dom, "order") == "TK2026031001"
    assert text_of(dom, "operator") == "王小明 <ops>"
    assert text_of(dom, "role") == "Customer service (sent as TICKETING)"
    assert text_of(dom, "cid") == "legacy-7"
    assert text_of(dom, "access") == "Access to manage orders and request post ticketing services"
    assert text_of(dom, "error") is None
    assert "<ops>" not in dom  # rendered as text, not as an element


def test_stale_token_renders_the_401_page(chromium: str, http: requests.Session, base_url: str) -> None:
    clock(http, base_url, freeze=True)
    url = portal_url(http, base_url, body={"orderNo": "BG1", "userName": "Ann", "role": "Admin"})
    assert text_of(dump_dom(chromium, url), "operator") == "Ann"
    clock(http, base_url, advance=30 * 60)
    dom = dump_dom(chromium, url)
    assert text_of(dom, "order") is None
    assert text_of(dom, "operator") is None
    assert 'data-status="401"' in dom
    assert "Session expired or invalid" in (text_of(dom, "error") or "")


def test_unknown_token_renders_the_401_page(chromium: str, base_url: str) -> None:
    dom = dump_dom(chromium, f"{base_url}{PORTAL}?token=ffffffffffffffffffffffffffffffff")
    assert 'data-status="401"' in dom
    assert "Session expired or invalid" in (text_of(dom, "error") or "")
    assert text_of(dom, "order") is None
