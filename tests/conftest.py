"""One real server on a loopback port for the session, reset before each test: the package's own
pytest plugin's app and server, under the short names the tests use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from flask import Flask

from provider_mocks import Mocks
from provider_mocks.core.server import LiveServer


@pytest.fixture(scope="session")
def app(provider_mocks_app: Flask) -> Flask:
    return provider_mocks_app


@pytest.fixture
def mocks(provider_mocks: Mocks) -> Mocks:
    """The app's services, reset: state, journal and clock as at start."""
    return provider_mocks


@pytest.fixture
def base_url(provider_mocks_server: LiveServer, mocks: Mocks) -> str:
    """The session's server, its state reset for the test."""
    return provider_mocks_server.url


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session
