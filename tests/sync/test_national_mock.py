"""The mock national LAPOR itself: state machine, faults, auth, rate limit, demo data, controls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest

from lapor_mock.demo import AGENCIES, DISTRICTS, REPORTS
from lapor_mock.exchange import MockRequest
from lapor_mock.inprocess import LaporMock
from lapor_mock.national import DEFAULT_AUTH_SECRET, DEFAULT_TOKEN, NationalMock
from lapor_mock.records import MockProblem

HEADERS = {"auth": f"Bearer {DEFAULT_AUTH_SECRET}", "token": DEFAULT_TOKEN}


def request(method: str, path: str, headers: dict[str, str] | None = None) -> MockRequest:
    return MockRequest(
        method=method,
        path="/lapor/3.0.0" + path,
        query=[],
        headers=HEADERS if headers is None else headers,
        body=b"",
        origin="http://mock",
    )


def test_the_demo_seed_covers_the_regency() -> None:
    mock = NationalMock(seed="demo")
    complaints = mock.complaints()
    assert len(complaints) == len(REPORTS) >= 20
    assert {c["location_id"] for c in complaints} == set(DISTRICTS.values())
    assert {c["classification_id"] for c in complaints} == {1, 2, 3}
    assert {c["status_code"] for c in complaints} == set(range(8))
    assert {r.agency for r in REPORTS} == set(AGENCIES)
    hidden = [c for c in complaints if c["is_anonymous"] or c["is_secret"]]
    assert hidden and all("reporter" not in c for c in hidden)
    follow_ups = [f for c in mock.state.complaints.values() for f in c.follow_ups]
    assert len(follow_ups) >= 10 and all("Kotawaringin Barat" in f.institution_from_name for f in follow_ups)
    forwarded = [c for c in complaints if c["disposition_id"] == 130]
    assert len(forwarded) == 1 and forwarded[0]["status_code"] == 2


def test_the_state_machine_refuses_moves_it_does_not_allow() -> None:
    mock = NationalMock()
    complaint_id = mock.add_complaint(title="Uji")
    with pytest.raises(MockProblem) as refused:
        mock.close(complaint_id)
    assert refused.value.status == 409
    mock.verify(complaint_id)
    mock.dispose(complaint_id)
    mock.process(complaint_id)
    mock.follow_up(complaint_id, "Sudah ditangani.")
    mock.reopen(complaint_id)
    assert mock.complaint(complaint_id)["status_name"] == "Dalam Proses"
    spam = mock.add_complaint(title="coba", content="tes")
    assert mock.reject(spam, "Bukan laporan")["status_name"] == "Ditolak"
    assert mock.archive(spam)["status_code"] == 6
    logs = mock.state.complaint(complaint_id).logs
    assert [(line.status_old, line.status_new) for line in logs] == [
        (None, 0),
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
        (4, 3),
    ]


def test_missing_credentials_are_401_and_wrong_ones_403() -> None:
    mock = NationalMock()
    assert mock.handle(request("GET", "/masters/categories", {})).status == 401
    wrong = {**HEADERS, "token": "someone-else"}
    assert mock.handle(request("GET", "/masters/categories", wrong)).status == 403
    assert mock.handle(request("GET", "/masters/categories")).status == 200
    mock.configure(auth_header="authorization")
    assert mock.handle(request("GET", "/masters/categories")).status == 401


def test_a_fault_hits_only_its_path_and_method_then_is_spent() -> None:
    mock = NationalMock(seed="demo")
    mock.add_fault(status=504, path="/complaints/*/complaint", method="GET", times=2)
    complaint_id = mock.complaints()[0]["id"]
    assert mock.handle(request("GET", "/masters/categories")).status == 200
    outcomes = [mock.handle(request("GET", f"/complaints/{complaint_id}/complaint")).status for _ in range(3)]
    assert outcomes == [504, 504, 200]
    assert mock.faults.faults == []


def test_a_fraction_of_calls_fails_the_same_way_for_the_same_seed() -> None:
    def pattern() -> list[int]:
        mock = NationalMock()
        mock.add_fault(status=503, fraction=0.3, seed=42, times=None)
        return [mock.handle(request("GET", "/masters/categories")).status for _ in range(200)]

    first = pattern()
    assert first == pattern()
    assert 30 <= first.count(503) <= 90


def test_the_mock_rate_limits_a_token_when_asked() -> None:
    now = [0.0]
    mock = NationalMock(monotonic=lambda: now[0])
    mock.configure(rate_limit_per_minute=2)
    assert [mock.handle(request("GET", "/masters/categories")).status for _ in range(3)] == [200, 200, 429]
    limited = mock.handle(request("GET", "/masters/categories"))
    assert limited.headers["Retry-After"] == "60"
    now[0] = 60.0
    assert mock.handle(request("GET", "/masters/categories")).status == 200


def test_a_sandbox_admin_dispositions_what_an_institution_files_after_the_delay() -> None:
    now = [datetime(2026, 5, 4, 3, 0, tzinfo=UTC)]
    mock = NationalMock(seed="demo", clock=lambda: now[0])
    mock.configure(sandbox_dispose_after=60)
    citizen = mock.add_complaint(title="Dilaporkan warga lewat LAPOR sendiri")
    filing = {
        "title": "Uji sandbox",
        "content": "Laporan uji dari aplikasi daerah.",
        "channel": 13,
        "classification_id": 1,
        "disposition_id": 6202,
        "category_id": 1,
        "location_id": 620102,
        "date_of_incident": "03-05-2026",
    }
    body = orjson.dumps(filing)
    answer = mock.handle(
        MockRequest("POST", "/lapor/3.0.0/complaints/complaint", [], HEADERS, body, "http://m")
    )
    filed = orjson.loads(answer.body)["results"]["complaint_id"]
    now[0] += timedelta(seconds=59)
    mock.handle(request("GET", "/masters/categories"))
    assert mock.complaint(filed)["status_code"] == 0
    now[0] += timedelta(seconds=1)
    detail = orjson.loads(mock.handle(request("GET", f"/complaints/{filed}/complaint")).body)["results"]
    assert detail["data"]["status_name"] == "Didisposisikan" and detail["data"]["disposition_id"] == 6202
    assert [e["status_new"]["name"] for e in detail["data_logs"]][-2:] == ["Terverifikasi", "Didisposisikan"]
    assert detail["data_logs"][-1]["institution_to"]["id"] == 6202
    assert mock.complaint(citizen)["status_code"] == 0, "only what an institution filed through the API"


def test_received_requests_are_kept_with_credentials_masked() -> None:
    mock = NationalMock()
    mock.handle(request("GET", "/masters/categories"))
    [received] = mock.received()
    assert received.headers == {"auth": "***", "token": "***"} and received.status == 200
    mock.clear_received()
    assert mock.received() == []


async def test_controls_answer_over_http_and_follow_ups_accept_a_form(lapor_mock: LaporMock) -> None:
    [complaint_id] = lapor_mock.seed(complaints=[{"title": "Uji formulir", "status_code": 3}])
    async with httpx.AsyncClient(base_url=lapor_mock.origin) as http:
        refused = await http.post(f"/__mock/complaints/{complaint_id}/verify")
        assert refused.status_code == 409
        form = {
            "user_id": "1",
            "institution_from_id": "6201",
            "institution_to_id": "1",
            "complaint_id": str(complaint_id),
            "template_code": "TL-01",
            "rating": "0",
            "is_secret": "0",
            "content": "Sudah diperbaiki.",
        }
        posted = await http.post("/lapor/3.0.0/complaints/followup/add", data=form, headers=HEADERS)
        assert posted.status_code == 200, posted.text
        upload = await http.post(
            "/lapor/3.0.0/complaints/complaint/file",
            files=[("attachments[]", ("a.pdf", b"%PDF-1.4", "application/pdf"))],
            headers=HEADERS,
        )
        assert len(upload.json()["results"]["docs"]) == 1
        seen = (await http.get("/__mock/received", params={"method": "POST"})).json()["received"]
    assert lapor_mock.complaint(complaint_id)["status_code"] == 4
    assert [r["path"] for r in seen] == ["/complaints/followup/add", "/complaints/complaint/file"]
    assert seen[1]["files"] == ["a.pdf"]


async def test_next_page_urls_are_absolute_and_lead_to_the_next_page(lapor_mock: LaporMock) -> None:
    lapor_mock.seed("bulk", count=250)
    async with httpx.AsyncClient(headers=HEADERS) as http:
        url: str | None = f"{lapor_mock.base_url}/complaints?page_size=100"
        seen: list[int] = []
        while url:
            results = (await http.get(url)).json()["results"]
            seen += [c["id"] for c in results["data"]]
            url = results["next_page_url"]
    assert len(seen) == len(set(seen)) == 250


def test_unknown_controls_and_settings_are_refused() -> None:
    mock = NationalMock()
    with pytest.raises(MockProblem):
        mock.configure(colour="blue")
    with pytest.raises(MockProblem):
        mock.seed("nonsense")
    assert (
        mock.handle(
            MockRequest("POST", "/__mock/faults", [], {}, b'{"kind": "explode"}', "http://mock")
        ).status
        == 400
    )
