"""Fixtures for the national LAPOR adapter and its mock: a test clock, the mock two ways."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from lapor_mock.inprocess import LaporMock
from lapor_mock.national import DEFAULT_BASE_PATH

# The plugin's fixture and marker, even where its entry point is not installed.
from lapor_mock.pytest_plugin import lapor_mock, pytest_configure
from lapor_mock.remote import RemoteMock
from tests.sync.support import Backend, FakeClock, running_mock_server

__all__ = ["lapor_mock", "pytest_configure"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def mock_server() -> Iterator[RemoteMock]:
    """The mock national server (`python -m lapor_mock.cli`) in a subprocess, shared."""
    with running_mock_server() as remote:
        yield remote


@pytest.fixture(params=["in_process", "server"])
async def national(request: pytest.FixtureRequest, clock: FakeClock) -> AsyncIterator[Backend]:
    """The mock national LAPOR, once in-process (respx) and once as a real server."""
    if request.param == "in_process":
        mock = LaporMock()
        backend = Backend("in_process", mock, mock.base_url, clock, transport=mock.transport())
    else:
        remote: RemoteMock = request.getfixturevalue("mock_server")
        remote.reset()
        backend = Backend("server", remote, remote.server_url + DEFAULT_BASE_PATH, clock)
    try:
        yield backend
    finally:
        await backend.aclose()
