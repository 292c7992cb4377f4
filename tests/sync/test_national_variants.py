"""The tolerant adapter against each variant of the mock gateway (the probe: test_national_probe.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from app.core.config import get_settings
from app.sync.errors import UnauthorizedError
from app.sync.wire import Envelope, FiledComplaint, NationalFollowUp
from lapor_mock.inprocess import LaporMock
from lapor_mock.variants import VARIANTS
from tests.sync.support import REGENCY, FakeClock, lapor_settings
from tests.sync.test_national_client import TRACKING, a_filing

pytestmark = pytest.mark.lapor_mock(seed="demo")


def _client(mock: LaporMock, **overrides: object):
    from app.sync.client import LaporClient

    settings = lapor_settings(mock.base_url, **overrides)
    clock = FakeClock()
    return LaporClient.from_settings(settings, clock=clock, sleep=clock.sleep)


def _held_complaint(mock: LaporMock) -> int:
    complaint_id = mock.add_complaint(title="Lampu jalan padam di Arut Selatan", status_code=1)
    mock.dispose(complaint_id)
    mock.process(complaint_id)
    mock.follow_up(complaint_id, "Petugas sudah memeriksa lokasi.", institution_from_name="Dinas PUPR")
    return complaint_id


@pytest.mark.parametrize("lapor_mock", VARIANTS, indirect=True)
async def test_the_default_adapter_reads_and_files_in_every_variant(lapor_mock: LaporMock) -> None:
    complaint_id = _held_complaint(lapor_mock)
    async with _client(lapor_mock) as lapor:
        detail = await lapor.get_complaint(complaint_id)
        follow_ups = [f async for f in lapor.iter_followups(complaint_id)]
        receipt = await lapor.file_complaint(a_filing(), tracking_number=TRACKING)
    assert detail.data.status_name == "Ditindaklanjuti"
    text = follow_ups[-1].text()
    assert "Petugas sudah memeriksa lokasi." in text and "{{" not in text
    assert receipt.national_id in lapor_mock.state.complaints
    assert TRACKING in lapor_mock.state.complaints[receipt.national_id].tags


@pytest.mark.lapor_mock(variant="integrator")
async def test_integrator_follow_ups_render_placeholders_and_keep_unknown_fields(
    lapor_mock: LaporMock,
) -> None:
    complaint_id = _held_complaint(lapor_mock)
    async with _client(lapor_mock) as lapor:
        follow_up = [f async for f in lapor.iter_followups(complaint_id)][-1]
    assert follow_up.content is None and "{{institution_from}}" in (follow_up.template_content or "")
    assert follow_up.text().startswith("Dinas PUPR (Ditindaklanjuti): ")
    assert follow_up.status_new is not None and follow_up.status_new.name == "Ditindaklanjuti"
    assert isinstance(follow_up.data, dict) and follow_up.data["source"] == "mock"
    assert follow_up.attachments == [] or all(a.model_extra for a in follow_up.attachments)


def test_a_placeholder_without_a_known_name_stays_as_written() -> None:
    follow_up = NationalFollowUp.model_validate(
        {
            "id": 1,
            "template_content": "Dari {{institution_from}} ke {{institution_to}} {{unknown}}",
            "institution_from_name": "Dinas Kesehatan",
            "data": "not json",
            "surprise": [1],
        }
    )
    assert follow_up.text() == "Dari Dinas Kesehatan ke {{institution_to}} {{unknown}}"
    assert follow_up.data == "not json" and follow_up.model_extra == {"surprise": [1]}


@pytest.mark.parametrize(
    "body",
    [
        {"results": {"complaint": {"id": 41, "tracking_id": "T41"}}},
        {"results": {"data": {"complaint_id": "41"}}},
        {"complaint_id": 41, "message": "ok"},
    ],
)
def test_the_filed_id_is_read_from_any_of_the_three_shapes(body: dict[str, object]) -> None:
    assert Envelope[FiledComplaint].model_validate(body).results.national_id == 41


def test_a_filing_answer_naming_no_id_is_refused() -> None:
    with pytest.raises(ValueError, match="no complaint id"):
        Envelope[FiledComplaint].model_validate({"results": {"message": "ok"}})
    with pytest.raises(ValueError, match="no complaint id"):
        Envelope[FiledComplaint].model_validate({"results": {"data": {"complaint_id": "²"}}})


def test_a_unicode_digit_in_one_shape_does_not_hide_the_id_in_another() -> None:
    body = {"results": {"data": {"complaint_id": "²"}, "complaint": {"id": 41}}}
    assert Envelope[FiledComplaint].model_validate(body).results.national_id == 41


@pytest.mark.parametrize(
    ("variant", "form", "accepted"),
    [
        ("integrator", "auth_bearer", False),
        ("integrator", "authorization", True),
        ("legacy", "authorization", False),
        ("legacy", "auth_bearer", True),
        ("contract", "authorization", True),
    ],
)
async def test_the_auth_form_is_a_setting(
    lapor_mock: LaporMock, variant: str, form: str, accepted: bool
) -> None:
    lapor_mock.configure(variant=variant)
    complaint_id = lapor_mock.add_complaint(title="Jalan berlubang di Kumai", status_code=1)
    async with _client(lapor_mock, lapor_auth_form=form) as lapor:
        if accepted:
            assert (await lapor.get_complaint(complaint_id)).data.id == complaint_id
        else:
            with pytest.raises(UnauthorizedError):
                await lapor.get_complaint(complaint_id)


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """The CLI reads its settings from this test's environment, not a cached earlier one."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("fresh_settings")
def test_probe_and_sync_name_a_missing_setting_without_a_traceback(
    lapor_mock: LaporMock, tmp_path: Path
) -> None:
    env = {"LAPOR_TOKEN": "", "DATABASE_URL": "sqlite+aiosqlite:///" + str(tmp_path / "x.db")}
    for command in (["national", "probe", "--report", str(tmp_path / "p.json")], ["sync", "--once"]):
        result = CliRunner().invoke(main, command, env=env)
        assert result.exit_code == 1, result.output
        assert "missing setting(s): LAPOR_TOKEN" in result.output
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert not (tmp_path / "p.json").exists()


def test_regency_constant_matches_the_mock() -> None:
    assert REGENCY == LaporMock().settings.institution_id


@pytest.mark.usefixtures("fresh_settings")
def test_sync_once_prints_what_it_pulled_and_pushed(lapor_mock: LaporMock, database_url: str) -> None:
    national_id = lapor_mock.add_complaint(title="Jembatan kayu rapuh di Kumai", status_code=1)
    lapor_mock.dispose(national_id)
    # The client's own pace (60 calls a minute, one at a time) is lifted: it is not under test here.
    unpaced = {"LAPOR_RATE_LIMIT_PER_MINUTE": "60000", "LAPOR_RATE_LIMIT_BURST": "100"}
    listing = {"LAPOR_HAS_LIST_CALL": "true"}  # list mode: only the list call discovers the complaint
    env = {"DATABASE_URL": database_url, **unpaced, **listing}
    result = CliRunner().invoke(main, ["sync", "--once"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "push: 0 job(s) run" in lines
    pulled = next(line for line in lines if line.startswith("pull succeeded"))
    assert "created 1" in pulled
