"""Throughput of the HTTP service with 1 and then 2 uvicorn workers, from a load generator here.

    python benchmarks/service.py [--requests 300] [--seconds 60] [--concurrency 4] [--workers 1 2]
                                 [--slow 8] [--slow-timeout 5] [FOLDER]

For each worker count: starts `python -m extractor serve --workers N` on a free port of
127.0.0.1, waits until every worker has finished starting (pipeline loaded), sends each corpus
page once to warm up, then sends `--requests` POST /v1/extract requests (the corpus pages in turn,
as {"html": …}) from `--concurrency` concurrent httpx async clients, stopping early after
`--seconds`. Prints requests/second, p50, p95 and p99 latency, the share of 503s and the errors
of each run, then the ratio of the throughputs (2 workers / 1 worker).

Recovery: a server with `--timeout SLOW_TIMEOUT` (one worker) gets a burst of `--slow` requests
that each take far longer than that, all at once; the benchmark prints their statuses (504: the
extraction was killed; 503: no slot free) and the seconds from the end of the burst until
/readyz answers 200 and a corpus page is extracted again (it should be well within the timeout). A new connection per request lets the kernel
spread connections over the workers. The machine is small and shared: read the ratio, not the
absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    workers: int
    latencies: list[float]  # seconds, successful requests only
    errors: Counter[str]
    elapsed: float

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workers: int, log: Path, *options: str) -> tuple[subprocess.Popen, str]:
    """`claims serve --workers N`, returned once each worker logged "Application startup complete"."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "MARKET_CLAIMS_SERVICE"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "extractor",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--no-access-log",
                *options,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
    deadline = time.monotonic() + 300
    while log.read_text(errors="replace").count("Application startup complete") < workers:
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            raise SystemExit(
                f"server with {workers} workers did not start:\n{log.read_text(errors='replace')[-2000:]}"
            )
        time.sleep(0.2)
    return proc, f"http://127.0.0.1:{port}"


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def load(url: str, bodies: list[bytes], requests: int, seconds: float, concurrency: int) -> Run:
    """Send `requests` requests (cycling through `bodies`) with `concurrency` clients, for at most `seconds`."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    sent = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=0)
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        for body in bodies:  # warm-up, not timed
            await client.post("/v1/extract", content=body, headers=headers)
        start = time.perf_counter()
        stop_at = start + seconds

        async def client_loop() -> None:
            nonlocal sent
            while sent < requests and time.perf_counter() < stop_at:
                body = bodies[sent % len(bodies)]
                sent += 1
                began = time.perf_counter()
                try:
                    response = await client.post("/v1/extract", content=body, headers=headers)
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - began)
                else:
                    errors[str(response.status_code)] += 1

        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return Run(workers=0, latencies=latencies, errors=errors, elapsed=elapsed)


def slow_body(paragraphs: int = 4000) -> bytes:
    """A text of distinct paragraphs that takes the pipeline many seconds."""
    import random

    rng = random.Random(7)
    words = (
        "bitcoin ether market traders rally shares index fund flows analysts said week session volume".split()
    )
    lines = [
        " ".join(rng.choice(words) for _ in range(rng.randint(8, 30))).capitalize()
        + f" rose {rng.randint(1, 99)}.{rng.randint(0, 9)}% to ${rng.randint(100, 99999):,} on Tuesday."
        for _ in range(paragraphs)
    ]
    return json.dumps({"text": "Market wrap\n" + "\n".join(lines)}).encode()


async def recovery(url: str, page: bytes, slow: int) -> tuple[Counter[str], float]:
    """Statuses of a burst of `slow` slow requests, and seconds until the server serves again."""
    headers = {"content-type": "application/json"}
    body = slow_body()
    async with httpx.AsyncClient(base_url=url, timeout=300) as client:
        responses = await asyncio.gather(
            *(client.post("/v1/extract", content=body, headers=headers) for _ in range(slow))
        )
        statuses = Counter(str(r.status_code) for r in responses)
        ended = time.perf_counter()
        while True:
            ready = await client.get("/readyz")
            if ready.status_code == 200:
                served = await client.post("/v1/extract", content=page, headers=headers)
                if served.status_code == 200:
                    return statuses, time.perf_counter() - ended
            if time.perf_counter() - ended > 300:
                return statuses, float("inf")
            await asyncio.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "corpus" / "articles")
    parser.add_argument("--requests", type=int, default=300, help="requests per run (default 300)")
    parser.add_argument("--seconds", type=float, default=60, help="time limit per run (default 60)")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to compare")
    parser.add_argument("--slow", type=int, default=8, help="slow requests in the recovery burst (0: skip)")
    parser.add_argument("--slow-timeout", type=float, default=5, help="--timeout of the recovery server")
    args = parser.parse_args()
    pages = sorted(args.folder.glob("*.html"))
    if not pages:
        raise SystemExit(f"no .html pages in {args.folder}")
    bodies = [
        json.dumps({"html": p.read_text(encoding="utf-8"), "path": str(p.relative_to(ROOT))}).encode()
        for p in pages
    ]
    print(
        f"pages: {len(pages)} from {args.folder}; per run: {args.requests} requests or {args.seconds:g} s, "
        f"concurrency {args.concurrency}; cpus: {os.cpu_count()}"
    )
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            proc, url = start_server(workers, Path(tmp) / f"server-{workers}.log")
            try:
                run = asyncio.run(load(url, bodies, args.requests, args.seconds, args.concurrency))
            finally:
                stop_server(proc)
            run.workers = workers
            runs.append(run)
            errors = ", ".join(f"{k}: {v}" for k, v in sorted(run.errors.items())) or "none"
            total = len(run.latencies) + sum(run.errors.values())
            busy = run.errors.get("503", 0) / total if total else 0.0
            print(
                f"workers {workers}: {len(run.latencies):4d} ok in {run.elapsed:6.1f} s = {run.rate:6.1f} req/s, "
                f"p50 {run.percentile(50) * 1000:7.1f} ms, p95 {run.percentile(95) * 1000:7.1f} ms, "
                f"p99 {run.percentile(99) * 1000:7.1f} ms, 503: {busy:.1%}, errors: {errors}"
            )
        if len(runs) >= 2 and runs[0].rate:
            print(
                f"ratio {runs[-1].workers} workers / {runs[0].workers} worker: {runs[-1].rate / runs[0].rate:.2f}x"
            )
        if args.slow:
            proc, url = start_server(1, Path(tmp) / "server-slow.log", "--timeout", str(args.slow_timeout))
            try:
                statuses, seconds = asyncio.run(recovery(url, bodies[0], args.slow))
            finally:
                stop_server(proc)
            shown = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
            print(
                f"recovery: {args.slow} slow requests at once, --timeout {args.slow_timeout:g} s -> {shown}; "
                f"serving again {seconds:.1f} s after the burst"
            )


if __name__ == "__main__":
    main()
