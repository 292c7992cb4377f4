"""Pages a second fetched through `LaporClient` from the mock server, beside a raw httpx loop.

Both loops fetch the same complaint pages, one after another, from the same mock server process
(started here on a free port), in alternating rounds. The client's rate limit is lifted so that
what is measured is the adapter's own cost: wire models, error mapping, breaker, retry wrapper.
It prints both figures and their ratio (target: at least 0.8); it asserts nothing.

    python bench/national_client.py [--complaints 1000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.config import Settings  # noqa: E402
from app.sync.client import LaporClient  # noqa: E402
from app.sync.transport import build_http_client  # noqa: E402
from lapor_mock.national import DEFAULT_AUTH_SECRET, DEFAULT_BASE_PATH, DEFAULT_TOKEN  # noqa: E402
from lapor_mock.remote import RemoteMock  # noqa: E402

PAGE_SIZE = 100
PASSES = 2


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    """The mock national server in a subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAPOR_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, "-m", "lapor_mock.cli", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def wait_ready(remote: RemoteMock, server: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    """Poll the health check until it answers, or fail at the deadline."""
    deadline = time.monotonic() + seconds
    while not remote.is_ready():
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("mock server did not start")
        time.sleep(0.05)


async def pages_per_second(fetch: Callable[[int], Awaitable[int]], pages: int, passes: int = PASSES) -> float:
    """Fetch pages 1..pages one after another, `passes` times; pages a second."""
    started = time.perf_counter()
    for _ in range(passes):
        for number in range(1, pages + 1):
            if await fetch(number) == 0:
                raise SystemExit(f"page {number} came back empty")
    return pages * passes / (time.perf_counter() - started)


async def run(complaints: int, rounds: int) -> None:
    """Seed the server, then alternate raw and client rounds and print the medians."""
    port = free_port()
    server = start_server(port)
    remote = RemoteMock(f"http://127.0.0.1:{port}")
    try:
        wait_ready(remote, server)
        remote.seed("bulk", count=complaints)
        base_url = f"http://127.0.0.1:{port}{DEFAULT_BASE_PATH}"
        settings = Settings.model_validate(
            {
                "lapor_base_url": base_url,
                "lapor_auth_secret": DEFAULT_AUTH_SECRET,
                "lapor_token": DEFAULT_TOKEN,
                "lapor_rate_limit_per_minute": 10_000_000,
                "lapor_rate_limit_burst": 1_000_000,
            }
        )
        pages = -(-complaints // PAGE_SIZE)
        headers = {
            "auth": f"Bearer {DEFAULT_AUTH_SECRET}",
            "Authorization": f"Bearer {DEFAULT_AUTH_SECRET}",
            "token": DEFAULT_TOKEN,
        }
        async with build_http_client(settings) as raw_http, LaporClient.from_settings(settings) as lapor:

            async def raw(number: int) -> int:
                answer = await raw_http.get(
                    "/complaints", params={"page": number, "page_size": PAGE_SIZE}, headers=headers
                )
                answer.raise_for_status()
                return len(answer.json()["results"]["data"])

            async def client(number: int) -> int:
                return len((await lapor.list_complaints(page=number, page_size=PAGE_SIZE)).data)

            await pages_per_second(raw, pages, 1)  # warm both connections up
            await pages_per_second(client, pages, 1)
            raw_rates, client_rates, ratios = [], [], []
            for _ in range(rounds):
                # Side by side, so that both meet the same load from the rest of the machine.
                raw_rates.append(await pages_per_second(raw, pages))
                client_rates.append(await pages_per_second(client, pages))
                ratios.append(client_rates[-1] / raw_rates[-1])
        raw_rate, client_rate = statistics.median(raw_rates), statistics.median(client_rates)
        ratio = statistics.median(ratios)
        print(
            f"{complaints} complaints: {pages} pages of {PAGE_SIZE}, read {PASSES} times a round, "
            f"{rounds} alternating rounds (medians)"
        )
        print(f"raw httpx loop : {raw_rate:8.1f} pages/s")
        print(f"LaporClient    : {client_rate:8.1f} pages/s")
        print(f"ratio          : {ratio:8.2f}  (median of the rounds' ratios; target >= 0.80)")
    finally:
        remote.disconnect()
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    """Parse the arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    asyncio.run(run(args.complaints, args.rounds))


if __name__ == "__main__":
    main()
