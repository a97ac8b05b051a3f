"""The pytest plugin, as a user's test suite sees it: registered by its entry point, fixtures overridable."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from provider_mocks.core.plugins import SLUGS
from provider_mocks.testing import pytest_plugin

pytest_plugins = ["pytester"]


def test_plugin_fixtures_in_a_users_suite(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def provider_mocks_config():
            return {"itrigger": {"settings": {"token_lifetime": 60}}}
        """
    )
    pytester.makepyfile(
        """
        import requests

        TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
        GET_API = "/itrigger-tenant/v1/basic/openAPItest/test/get"

        def fetch(mock):
            creds = mock.credentials
            return requests.get(mock.base_url + TOKEN,
                                params={"appId": creds["appId"], "appSecret": creds["appSecret"]}).json()

        def test_config_override_and_clock(itrigger_mock):
            access = fetch(itrigger_mock)["data"]["accessToken"]
            itrigger_mock.clock.advance(60)   # the configured lifetime
            answer = requests.get(itrigger_mock.base_url + GET_API, params={"accessToken": access}).json()
            assert answer["code"] == 401

        def test_conformance_report(itrigger_mock):
            fetch(itrigger_mock)
            fetch(itrigger_mock)
            itrigger_mock.assert_conformant()

        def test_fresh_state_each_test(itrigger_mock):
            assert itrigger_mock.journal() == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*itrigger client is not conformant*", "*warning?*refetch-while-valid (itrigger)*"]
    )


def test_every_provider_has_a_fixture_written_as_a_plain_function() -> None:
    """Written with `def` at the module's top, so that a reader and an IDE find each one."""
    source = Path(pytest_plugin.__file__).read_text(encoding="utf-8")
    written = {
        node.name: ast.get_docstring(node)
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
        and any("fixture" in ast.unparse(decorator) for decorator in node.decorator_list)
    }
    assert {f"{slug}_mock" for slug in SLUGS} <= written.keys()
    assert all(written.values()), [name for name, doc in written.items() if not doc]
