"""The `lapor_mock` pytest fixture, as a regency developer who installed this package uses it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from app.sync.client import LaporClient
from lapor_mock.demo import REPORTS
from lapor_mock.inprocess import LaporMock
from tests.sync.support import ROOT, running_mock_server


def bot_status_line(complaint_id: int) -> str:
    """A regency bot's own code: it reads LAPOR_* from the environment and uses plain httpx."""
    headers = {
        "auth": f"Bearer {os.environ['LAPOR_AUTH_SECRET']}",
        "token": os.environ["LAPOR_TOKEN"],
    }
    with httpx.Client(base_url=os.environ["LAPOR_BASE_URL"], headers=headers) as http:
        for _ in range(3):
            answer = http.get(f"/complaints/{complaint_id}/complaint")
            if answer.status_code < 500:
                break
        complaint = answer.json()["results"]["data"]
        return f"Laporan {complaint['tracking_id']}: {complaint['status_name']}"


@pytest.mark.lapor_mock(seed="demo")
def test_a_developer_checks_the_bot_against_the_mock(lapor_mock: LaporMock) -> None:
    complaint_id = lapor_mock.add_complaint(title="Jalan rusak di Kumai", status_code=2)
    lapor_mock.process(complaint_id)  # the upstream agency takes it up
    lapor_mock.fail_next(503)  # and the gateway hiccups once

    line = bot_status_line(complaint_id)

    assert line.endswith(": Dalam Proses")
    assert [r.status for r in lapor_mock.received(f"/complaints/{complaint_id}/*")] == [503, 200]


@pytest.mark.lapor_mock(has_list_call=False)
async def test_the_marker_configures_and_the_service_client_finds_the_mock(
    lapor_mock: LaporMock,
) -> None:
    complaint_id = lapor_mock.add_complaint(title="Sampah di pasar", status_code=4)
    async with LaporClient.from_settings(Settings()) as lapor:  # LAPOR_* set by the fixture
        detail = await lapor.get_complaint(complaint_id)
        assert detail.data.status_name == "Ditindaklanjuti"
        assert lapor.has_list_call is False  # the client's own setting: LAPOR_HAS_LIST_CALL's default
    assert lapor_mock.settings.has_list_call is False


def test_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, lapor_mock.pytest_plugin\n"
        "heavy = ('respx', 'httpx', 'pydantic', 'app.core.config', 'lapor_mock.national')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.stdout.strip() == "[]"


def test_the_plugin_serves_a_test_run_outside_this_project(tmp_path: Path) -> None:
    (tmp_path / "test_regency.py").write_text(
        textwrap.dedent(
            """
            import os
            import httpx
            import pytest

            @pytest.mark.lapor_mock(seed="demo")
            def test_categories(lapor_mock):
                headers = {"auth": "Bearer " + os.environ["LAPOR_AUTH_SECRET"],
                           "token": os.environ["LAPOR_TOKEN"]}
                answer = httpx.get(os.environ["LAPOR_BASE_URL"] + "/masters/categories",
                                   headers=headers)
                assert answer.status_code == 200
                assert answer.json()["results"]["total"] == 11
            """
        )
    )
    installed = any(ep.name == "lapor_mock" for ep in entry_points(group="pytest11"))
    plugin = [] if installed else ["-p", "lapor_mock.pytest_plugin"]
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error::pytest.PytestUnknownMarkWarning",
            *plugin,
            "test_regency.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout


def test_the_server_command_starts_with_the_demo_seed() -> None:
    with running_mock_server("--seed", "demo") as remote:
        complaints = remote.complaints()
    assert len(complaints) == len(REPORTS)
    assert any(c["title"] == "Jalan poros Pangkut - Gandis rusak berat" for c in complaints)
