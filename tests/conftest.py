"""One real server on a loopback port for the session, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from flask import Flask

from provider_mocks import Mocks, create_app, get_mocks
from provider_mocks.core.server import LiveServer


@pytest.fixture(scope="session")
def app() -> Flask:
    return create_app()


@pytest.fixture(scope="session")
def live(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def mocks(app: Flask) -> Mocks:
    """The app's services, reset: state, journal and clock as at start."""
    services = get_mocks(app)
    services.reset()
    return services


@pytest.fixture
def base_url(live: LiveServer, mocks: Mocks) -> str:
    return live.url


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session
