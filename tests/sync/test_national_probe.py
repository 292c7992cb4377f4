"""The contract probe against the mock in each variant: read-only by default; `--write` files a
tagged test complaint in a sandbox, waits for its disposition, follows it up; never production."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from app.cli import main
from app.core.config import get_settings
from app.sync.probe import Probe
from app.sync.probe_report import ProbeReport
from app.sync.probe_write import FOLLOW_UP_TEXT, ProductionGatewayError
from app.sync.transport import build_http_client
from lapor_mock.inprocess import LaporMock
from lapor_mock.national import DEFAULT_AUTH_SECRET, DEFAULT_BASE_PATH, DEFAULT_TOKEN
from lapor_mock.remote import RemoteMock
from lapor_mock.variants import VARIANTS
from tests.sync.support import REGENCY, FakeClock, mock_settings

pytestmark = pytest.mark.lapor_mock(seed="demo")

FILING = {"lapor_default_category_id": 1, "lapor_location_id": 620102}
OTHER_REGENCY = 6202
"""Kotawaringin Timur in the mock's demo masters: an institution the token does not belong to."""


class SandboxTime:
    """One test time for the mock's records and for the probe's waiting (its clock and sleeps)."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self._origin = datetime.now(UTC) - timedelta(seconds=self.clock.now)

    def now(self) -> datetime:
        return (self._origin + timedelta(seconds=self.clock.now)).replace(microsecond=0)


def _sandbox(variant: str, *, dispose_after: float | None) -> tuple[LaporMock, SandboxTime]:
    time = SandboxTime()
    mock = LaporMock(clock=time.now)
    mock.configure(variant=variant, sandbox_dispose_after=dispose_after)
    mock.seed("demo")
    return mock, time


async def _probe(
    mock: LaporMock,
    *,
    write: bool = False,
    time: SandboxTime | None = None,
    complaint_id: int | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    **overrides: object,
) -> ProbeReport:
    settings = mock_settings(mock, **{**FILING, **overrides})
    waiting: dict[str, object] = {"sleep": time.clock.sleep, "clock": time.clock} if time else {}
    async with build_http_client(settings, transport=transport or mock.transport()) as http:
        probe = Probe(http, settings, wait_seconds=300.0, **waiting)  # type: ignore[arg-type]
        return await probe.run(write=write, complaint_id=complaint_id)


def _check(report: ProbeReport, assumption: str) -> tuple[bool | None, str]:
    found = [(c.ok, c.seen) for c in report.checks if c.assumption == assumption]
    assert len(found) == 1, f"{assumption!r} checked {len(found)} times: {report.checks}"
    return found[0]


def _outcome(report: ProbeReport, assumption: str) -> bool | None:
    return _check(report, assumption)[0]


HELD = f"the test complaint is dispositioned to institution {REGENCY}"


@pytest.mark.parametrize("lapor_mock", VARIANTS, indirect=True)
async def test_the_probe_tells_each_variant_apart(lapor_mock: LaporMock) -> None:
    variant = lapor_mock.settings.variant
    report = await _probe(lapor_mock, complaint_id=min(lapor_mock.state.complaints))
    assert _outcome(report, "auth form both accepted") is True
    assert _outcome(report, "auth form auth_bearer accepted") is (variant != "integrator")
    assert _outcome(report, "auth form authorization accepted") is (variant != "legacy")
    assert _outcome(report, "list call GET /complaints exists") is (variant == "contract")
    assert _outcome(report, "institutions list at /masters/institutions/external") is True
    assert _outcome(report, "categories list at /masters/categories") is True
    assert _outcome(report, "datetimes are DD-MM-YYYY HH:MM:SS (WIB)") is True
    assert _outcome(report, "follow-ups page {data, next_page_url}") is True
    text = json.dumps(report.as_json())
    assert DEFAULT_AUTH_SECRET not in text and DEFAULT_TOKEN not in text


TO_LIST_MODE = "set LAPOR_HAS_LIST_CALL=true: the list call honours its filters, a quiet pull costs one call"
TO_POLL_MODE = "set LAPOR_HAS_LIST_CALL=false: no list call, poll mode"


def _mode_advice(report: ProbeReport) -> list[str]:
    return [a for a in report.advice if a.startswith("set LAPOR_HAS_LIST_CALL=")]


@pytest.mark.parametrize("configured", [False, True], ids=["poll-mode", "list-mode"])
@pytest.mark.parametrize("lapor_mock", VARIANTS, indirect=True)
async def test_the_probe_advises_the_mode_the_gateway_calls_for(
    lapor_mock: LaporMock, configured: bool
) -> None:
    """False is the default: against a gateway with a usable list call it advises true; against
    one without, a configured true is advised back to false; a fitting setting gets no advice."""
    report = await _probe(lapor_mock, lapor_has_list_call=configured)
    offered = lapor_mock.settings.variant == "contract"
    expected = [] if offered is configured else [TO_LIST_MODE if offered else TO_POLL_MODE]
    assert _mode_advice(report) == expected


def _ignoring(mock: LaporMock, name: str) -> httpx.MockTransport:
    """The mock behind a gateway whose list call ignores the filter `name`."""

    async def handle(request: httpx.Request) -> httpx.Response:
        url = request.url.copy_remove_param(name) if request.url.path.endswith("/complaints") else request.url
        forwarded = httpx.Request(request.method, url, headers=request.headers, content=request.content)
        return await mock.router.async_handler(forwarded)

    return httpx.MockTransport(handle)


@pytest.mark.parametrize("name", ["tags", "updated_since"])
@pytest.mark.parametrize("configured", [False, True], ids=["poll-mode", "list-mode"])
async def test_a_list_call_ignoring_a_filter_is_no_reason_for_list_mode(
    lapor_mock: LaporMock, name: str, configured: bool
) -> None:
    """List mode needs every filter: an ignored tags filter would miss a filing and file it again."""
    report = await _probe(lapor_mock, lapor_has_list_call=configured, transport=_ignoring(lapor_mock, name))
    assert _outcome(report, "list call GET /complaints exists") is True
    assert _outcome(report, f"list filter {name} honoured") is False
    assert f"the list call ignores {name}: do not rely on it" in report.advice
    poll = "set LAPOR_HAS_LIST_CALL=false: the list call ignores a filter list mode needs, poll mode"
    assert _mode_advice(report) == ([poll] if configured else [])


THIN = "set LAPOR_HAS_LIST_CALL=false: the list call listed nothing to test its filters against, poll mode until it does"


@pytest.mark.parametrize("configured", [False, True], ids=["poll-mode", "list-mode"])
async def test_an_empty_list_call_tells_nothing_about_its_filters(
    lapor_mock: LaporMock, configured: bool
) -> None:
    """A list call that lists nothing answers every filter with an empty page, honoured or not:
    that is no evidence for list mode, so a configured true is advised back to poll mode."""
    lapor_mock.state.complaints.clear()
    report = await _probe(lapor_mock, lapor_has_list_call=configured)
    assert _outcome(report, "list call GET /complaints exists") is True
    for name in ("disposition_id", "updated_since", "tags"):
        assert _outcome(report, f"list filter {name} honoured") is None, name
    assert _mode_advice(report) == ([THIN] if configured else [])


async def test_a_list_of_only_our_complaints_cannot_show_the_disposition_filter(
    lapor_mock: LaporMock,
) -> None:
    """With no other institution's complaint listed, an ignored `disposition_id` would look
    honoured; the probe says it cannot tell and does not advise list mode."""
    complaints = lapor_mock.state.complaints
    for national_id in [i for i, c in complaints.items() if c.disposition_id != REGENCY]:
        del complaints[national_id]
    assert complaints, "the demo holds complaints dispositioned to the regency"
    report = await _probe(
        lapor_mock, lapor_has_list_call=False, transport=_ignoring(lapor_mock, "disposition_id")
    )
    ok, seen = _check(report, "list filter disposition_id honoured")
    assert ok is None and "cannot tell" in seen
    assert _outcome(report, "list filter tags honoured") is True
    assert _mode_advice(report) == []


async def test_the_probe_is_read_only_by_default(lapor_mock: LaporMock) -> None:
    report = await _probe(lapor_mock)
    assert {r.method for r in lapor_mock.received("*")} == {"GET"}
    assert not [
        c for c in report.checks if "test complaint" in c.assumption or "follow-up is" in c.assumption
    ]


async def test_the_probe_checks_the_list_filters(lapor_mock: LaporMock) -> None:
    report = await _probe(lapor_mock)
    assert _outcome(report, "list filter updated_since honoured") is True
    assert _outcome(report, "list filter tags honoured") is True
    assert _outcome(report, "list filter disposition_id honoured") is True
    assert _outcome(report, "status code and name match the table") is True


async def test_the_probe_advises_the_auth_form_that_works(lapor_mock: LaporMock) -> None:
    lapor_mock.configure(variant="legacy")
    report = await _probe(lapor_mock, lapor_auth_form="authorization")
    assert "set LAPOR_AUTH_FORM=both (the configured form is refused)" in report.advice


@pytest.mark.parametrize("variant", VARIANTS)
async def test_write_files_waits_for_the_disposition_and_follows_up_in_every_variant(variant: str) -> None:
    mock, time = _sandbox(variant, dispose_after=45)
    report = await _probe(mock, write=True, time=time)
    for assumption in (
        "auth form both accepted",
        "a tagged test complaint is filed",
        "the test complaint is found again by its tag",
        HELD,
        "complaint detail shape {data, data_logs}",
        "follow-ups page {data, next_page_url}",
        "a follow-up is posted (multipart)",
        "the posted follow-up is read back",
    ):
        assert _outcome(report, assumption) is True, (assumption, report.checks)
    assert _outcome(report, "auth form auth_bearer accepted") is (variant != "integrator")
    assert _outcome(report, "auth form authorization accepted") is (variant != "legacy")
    assert _outcome(report, "list call GET /complaints exists") is (variant == "contract")
    assert time.clock.slept >= 45, "the probe waited for the sandbox's admin"
    [filed] = mock.received("/complaints/complaint", "POST")
    [posted] = mock.received("/complaints/followup/add", "POST")
    assert posted.headers["content-type"].startswith("multipart/form-data")
    filed_id = _filed_id(mock)
    assert posted.form["complaint_id"] == str(filed_id)
    complaint = mock.state.complaint(filed_id)
    assert [(line.status_old, line.status_new) for line in complaint.logs] == [
        (None, 0),
        (0, 1),
        (1, 2),
        (2, 4),
    ]
    assert complaint.disposition_id == REGENCY and complaint.follow_ups[-1].content == FOLLOW_UP_TEXT
    assert filed.status == 201
    assert not [a for a in report.advice if "refused" in a or "disposition" in a], report.advice
    text = json.dumps(report.as_json())
    assert DEFAULT_AUTH_SECRET not in text and DEFAULT_TOKEN not in text


def _filed_id(mock: LaporMock) -> int:
    [complaint] = [c for c in mock.state.complaints.values() if c.filed_by is not None]
    return complaint.id


async def test_write_stops_waiting_when_nobody_dispositions_and_posts_nothing() -> None:
    mock, time = _sandbox("integrator", dispose_after=None)
    report = await _probe(mock, write=True, time=time)
    ok, seen = _check(report, HELD)
    assert ok is False and "not within 300 s" in seen and "Belum Terverifikasi" in seen
    ok, seen = _check(report, "a follow-up is posted (multipart)")
    assert ok is None and seen.startswith("not posted:")
    assert any("--wait" in line for line in report.advice)
    assert mock.received("/complaints/followup/add") == []
    assert 300 <= time.clock.slept <= 300 + 5, "waited as long as asked, and no longer"


async def test_a_gateway_failure_on_the_follow_up_is_a_row_not_a_crash() -> None:
    mock, time = _sandbox("contract", dispose_after=0)
    mock.fail_next(503, path="/complaints/followup/add")
    report = await _probe(mock, write=True, time=time)
    ok, seen = _check(report, "a follow-up is posted (multipart)")
    assert ok is False and seen == "refused: HTTP 503"
    assert "the gateway refused the test follow-up: HTTP 503" in report.advice


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """The CLI reads its settings from this test's environment, not a cached earlier one."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _cli(args: list[str], tmp_path: Path, **env: str) -> Result:
    base = {"DATABASE_URL": "sqlite+aiosqlite:///" + str(tmp_path / "x.db")}
    return CliRunner().invoke(
        main, ["national", "probe", "--report", str(tmp_path / "p.json"), *args], env={**base, **env}
    )


@pytest.mark.usefixtures("fresh_settings")
def test_the_probe_command_prints_a_table_and_writes_its_report(
    lapor_mock: LaporMock, tmp_path: Path
) -> None:
    lapor_mock.configure(variant="integrator")
    result = _cli([], tmp_path, LAPOR_HAS_LIST_CALL="true")
    assert result.exit_code == 0, result.output
    assert "list call GET /complaints exists" in result.output and "NO" in result.output
    assert "advice: set LAPOR_HAS_LIST_CALL=false" in result.output
    written = (tmp_path / "p.json").read_text()
    assert {c["assumption"] for c in json.loads(written)["checks"]} >= {"auth form both accepted"}
    assert DEFAULT_AUTH_SECRET not in written + result.output


@pytest.mark.usefixtures("fresh_settings")
def test_a_refused_follow_up_is_reported_with_its_reason(lapor_mock: LaporMock, tmp_path: Path) -> None:
    # LAPOR_INSTITUTION_ID names another institution than the token's: the sandbox dispositions the
    # test complaint there, and the gateway refuses a follow-up from an institution not holding it.
    lapor_mock.configure(sandbox_dispose_after=0)
    env = {
        "LAPOR_INSTITUTION_ID": str(OTHER_REGENCY),
        "LAPOR_DEFAULT_CATEGORY_ID": "1",
        "LAPOR_LOCATION_ID": "620102",
    }
    result = _cli(["--write"], tmp_path, **env)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and result.exception is None
    [line] = [x for x in result.output.splitlines() if x.startswith("a follow-up is posted (multipart)")]
    assert " NO  refused: HTTP 422" in line and "tidak sedang didisposisikan ke instansi ini" in line
    assert "advice: the gateway refused the test follow-up: HTTP 422" in result.output
    report = json.loads((tmp_path / "p.json").read_text())
    assert {"assumption": "a follow-up is posted (multipart)", "ok": False}.items() <= next(
        c for c in report["checks"] if c["assumption"] == "a follow-up is posted (multipart)"
    ).items()


@pytest.mark.usefixtures("fresh_settings")
@pytest.mark.parametrize("environment", ["production", ""])
def test_write_is_refused_against_production(lapor_mock: LaporMock, tmp_path: Path, environment: str) -> None:
    result = _cli(
        ["--write"], tmp_path, LAPOR_ENVIRONMENT=environment, **{k.upper(): str(v) for k, v in FILING.items()}
    )
    assert result.exit_code == 1, result.output
    assert "LAPOR_ENVIRONMENT is 'production': refused (nothing was sent)" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert lapor_mock.received() == [] and not (tmp_path / "p.json").exists()
    read_only = _cli([], tmp_path, LAPOR_ENVIRONMENT=environment)
    assert read_only.exit_code == 0, read_only.output  # reading production is what the probe is for


async def test_the_probe_itself_refuses_to_write_to_production(lapor_mock: LaporMock) -> None:
    with pytest.raises(ProductionGatewayError, match="LAPOR_ENVIRONMENT"):
        await _probe(lapor_mock, write=True, lapor_environment="production")
    assert lapor_mock.received() == []


@pytest.mark.usefixtures("fresh_settings")
def test_the_write_command_succeeds_against_the_mock_server(mock_server: RemoteMock, tmp_path: Path) -> None:
    mock_server.configure(variant="legacy", sandbox_dispose_after=0)
    try:
        env = {
            "LAPOR_BASE_URL": mock_server.server_url + DEFAULT_BASE_PATH,
            "LAPOR_AUTH_SECRET": DEFAULT_AUTH_SECRET,
            "LAPOR_TOKEN": DEFAULT_TOKEN,
            "LAPOR_INSTITUTION_ID": str(REGENCY),
            "LAPOR_ENVIRONMENT": "sandbox",
            "LAPOR_DEFAULT_CATEGORY_ID": "1",
            "LAPOR_LOCATION_ID": "620102",
        }
        mock_server.seed("demo")
        result = _cli(["--write", "--wait", "30"], tmp_path, **env)
        lines = result.output.splitlines()
        assert result.exit_code == 0, result.output
        for assumption in ("a tagged test complaint is filed", HELD, "a follow-up is posted (multipart)"):
            [line] = [x for x in lines if x.startswith(assumption)]
            assert line[len(assumption) :].split()[0] == "ok", line
        assert len(mock_server.received("/complaints/followup/add", "POST")) == 1
    finally:
        mock_server.reset()
