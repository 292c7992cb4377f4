"""pytest plugin (entry point `lapor_mock`): the `lapor_mock` fixture.

It imports nothing heavy until a test asks for the fixture, so installing this package never
slows down or breaks anyone's test run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from lapor_mock.inprocess import LaporMock


def pytest_configure(config: pytest.Config) -> None:
    """Declare the `lapor_mock` marker."""
    config.addinivalue_line(
        "markers",
        "lapor_mock(seed=None, **settings): seed and configure the lapor_mock fixture "
        "(settings: variant, has_list_call, auth_header, rate_limit_per_minute, institution_id, ...)",
    )


@pytest.fixture
def lapor_mock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[LaporMock]:
    """A mock national LAPOR that every httpx client in this test reaches at `base_url`.

    The `LAPOR_*` environment variables point at it for the test's duration. Its variant comes
    from the marker (`variant=...`) or from indirect parametrization (`request.param`).
    """
    from lapor_mock.inprocess import LaporMock

    marker = request.node.get_closest_marker("lapor_mock")
    options: dict[str, object] = dict(marker.kwargs) if marker else {}
    seed = options.pop("seed", None)
    if isinstance(getattr(request, "param", None), str):
        options["variant"] = request.param
    mock = LaporMock()
    if options:
        mock.configure(**options)
    if seed is not None:
        mock.seed(str(seed))
    for name, value in mock.env().items():
        monkeypatch.setenv(name, value)
    with mock.router:
        yield mock
