"""The admission webhook under hostile traffic: normal p99 alone and during a burst, and recovery.

    python bench/bench_hostile.py [--rate 300] [--seconds 10] [--slowloris 400] [--workers 2]

Runs ``chartguard serve --endpoints webhook --workers N`` (default flags: --header-timeout 10,
--max-connections 1000, the object limits) over TLS on 127.0.0.1, loopback only, and measures:

1. normal traffic alone: ``/validate`` with ``bench/deployment-review.json`` at a fixed rate (open
   loop, latency from the scheduled send time) on 8 keep-alive connections: p50, p99, errors;
2. the same normal traffic during a burst of hostile requests sent by another process: reviews with
   an object nested 985 levels deep, ~8 MiB reviews with 100,000 containers (both on closed-loop
   connections), and ``--slowloris`` TLS connections that send half a request line and hold it
   (reopened when the server closes them): normal p50/p99, and what the hostile requests got;
3. recovery: server RSS/PSS (all processes) and CPU use at idle before the burst and after it, once
   the server has closed the slow connections (``--header-timeout``), with its open-connection
   gauge and the counters from ``/metrics``.

Prints the figures (no pass/fail); every phase is bounded, the whole run takes about a minute.
The load generators share the machine's cores with the server, so latencies are an upper bound.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import re
import ssl
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_webhook import REVIEW_FILE, cpu_ticks, http_request, memory_mb, read_response, run_drive, start_server  # noqa: E402

CONNECTIONS = 8
HOLD_LINE = b"POST /validate HTTP/1.1\r\nHost: chartguard.chartguard.svc\r\nContent-Ty"


def deep_review(depth: int = 985) -> bytes:
    """A review of a custom resource with a field ``depth`` objects deep (json.dumps cannot write it)."""
    review = json.loads(REVIEW_FILE.read_text())
    review["request"]["kind"] = {"group": "example.com", "version": "v1", "kind": "Widget"}
    review["request"]["object"] = "@OBJECT@"
    spec = b'{"a":' * depth + b'"x"' + b"}" * depth
    obj = b'{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"fn"},"spec":' + spec + b"}"
    return json.dumps(review).encode().replace(b'"@OBJECT@"', obj)


def huge_review(containers: int = 100_000) -> bytes:
    review = json.loads(REVIEW_FILE.read_text())
    spec = review["request"]["object"]["spec"]["template"]["spec"]
    spec["containers"] = [{"name": f"c{i}", "image": "nvcr.io/acme/app:1.0"} for i in range(containers)]
    return json.dumps(review).encode()


async def closed_loop(port: int, context: ssl.SSLContext, request: bytes, deadline: float, counts: dict[str, int]) -> None:
    """Send ``request`` again and again on one connection until ``deadline``; count the statuses."""
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="127.0.0.1")
            while time.monotonic() < deadline:
                writer.write(request)
                status = await asyncio.wait_for(read_response(reader), 30)
                counts[str(status)] = counts.get(str(status), 0) + 1
            writer.close()
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            counts["dropped"] = counts.get("dropped", 0) + 1
            await asyncio.sleep(0.05)


async def slow_client(port: int, context: ssl.SSLContext, deadline: float, counts: dict[str, int]) -> None:
    """Half a request head, held until the server closes the connection; then again."""
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="127.0.0.1")
            writer.write(HOLD_LINE)
            opened = time.monotonic()
            answer = await asyncio.wait_for(reader.read(4096), max(0.1, deadline - time.monotonic()))
            status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/1.1 ") else "closed"
            counts[f"slow {status}"] = counts.get(f"slow {status}", 0) + 1
            counts["slow held ms"] = max(counts.get("slow held ms", 0), int((time.monotonic() - opened) * 1000))
            writer.close()
        except TimeoutError:
            return  # still held at the end of the burst: closed by the client
        except (OSError, asyncio.IncompleteReadError):
            counts["slow refused"] = counts.get("slow refused", 0) + 1
            await asyncio.sleep(0.1)


def hostile(port: int, ca: str, seconds: float, slowloris: int, out: Any) -> None:
    """The burst (run in its own process): deep and huge reviews, slow connections."""
    context = ssl.create_default_context(cafile=ca)
    deep, huge = http_request("/validate", deep_review()), http_request("/validate", huge_review())
    counts: dict[str, int] = {}

    async def burst() -> None:
        deadline = time.monotonic() + seconds
        tasks = [slow_client(port, context, deadline, counts) for _ in range(slowloris)]
        tasks += [closed_loop(port, context, deep, deadline, counts) for _ in range(2)]
        tasks += [closed_loop(port, context, huge, deadline, counts) for _ in range(2)]
        await asyncio.wait_for(asyncio.gather(*tasks), seconds + 40)

    asyncio.run(burst())
    out.put({"counts": counts, "huge_bytes": len(huge), "deep_bytes": len(deep)})


def scrape(port: int, context: ssl.SSLContext) -> str:
    import http.client

    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    try:
        connection.request("GET", "/metrics")
        return connection.getresponse().read().decode()
    finally:
        connection.close()


def idle_cpu(pid: int, seconds: float) -> float:
    """CPU use of the server's workers over ``seconds`` of idle, in % of one core."""
    before = cpu_ticks(pid)
    time.sleep(seconds)
    after = cpu_ticks(pid)
    return 100 * sum(after[p] - before.get(p, 0) for p in after) / 100 / seconds  # 100 ticks per second


def latency_line(name: str, result: Any) -> str:
    return (
        f"{name:<34} {result.completed:>6} ok {result.errors:>4} errors   "
        f"p50 {result.percentile(0.5):7.2f} ms   p99 {result.percentile(0.99):7.2f} ms"
    )


def counters(text: str) -> dict[str, float]:
    wanted = ("requests_total", "denials_total", "connections_closed_total", "open_connections")
    found = {}
    for line in text.splitlines():
        if line.startswith("chartguard_webhook_") and any(w in line for w in wanted):
            name, value = line.rsplit(" ", 1)
            found[name.removeprefix("chartguard_webhook_")] = float(value)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=300, help="normal /validate requests per second (default 300)")
    parser.add_argument("--seconds", type=float, default=10, help="length of the normal and burst phases (default 10)")
    parser.add_argument("--slowloris", type=int, default=400, help="slow connections held during the burst (default 400)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    args = parser.parse_args()
    normal = http_request("/validate", REVIEW_FILE.read_bytes())

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        process, port, context = start_server(folder, "info", args.workers)
        try:
            run_drive(port, context, normal, 2.0, CONNECTIONS, args.rate)  # warm-up
            time.sleep(1)
            idle_before = memory_mb(process.pid), idle_cpu(process.pid, 2)
            alone = run_drive(port, context, normal, args.seconds, CONNECTIONS, args.rate)

            results: Any = multiprocessing.get_context("spawn").Queue()
            burst = multiprocessing.get_context("spawn").Process(
                target=hostile, args=(port, str(folder / "ca.pem"), args.seconds + 2, args.slowloris, results)
            )
            burst.start()
            time.sleep(2)  # let the burst build up
            during = run_drive(port, context, normal, args.seconds, CONNECTIONS, args.rate)
            peak = memory_mb(process.pid)
            hostile_report = results.get(timeout=90)
            burst.join(30)

            started = time.monotonic()
            open_now = counters(scrape(port, context)).get("open_connections", -1)
            while open_now > 1 and time.monotonic() - started < 20:  # the scrape's own connection
                time.sleep(0.5)
                open_now = counters(scrape(port, context)).get("open_connections", -1)
            drained = time.monotonic() - started
            time.sleep(1)
            idle_after = memory_mb(process.pid), idle_cpu(process.pid, 2)
            after = run_drive(port, context, normal, 3.0, CONNECTIONS, args.rate)
            metrics = counters(scrape(port, context))
        finally:
            process.terminate()
            process.wait(30)

    print(f"chartguard serve --endpoints webhook --workers {args.workers}, TLS on 127.0.0.1; normal load {args.rate:g} req/s")
    print(latency_line("normal /validate alone", alone))
    print(latency_line("normal /validate during the burst", during))
    print(latency_line("normal /validate after it", after))
    counts = hostile_report["counts"]
    print(
        f"burst: {args.slowloris} slow connections, 2 connections of {hostile_report['deep_bytes'] / 1024:.0f} KiB "
        f"985-deep reviews, 2 of {hostile_report['huge_bytes'] / 2**20:.1f} MiB 100k-container reviews"
    )
    print("hostile answers: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(
        f"memory RSS/peak/PSS MB: idle {idle_before[0][0]:.0f}/{idle_before[0][1]:.0f}/{idle_before[0][2]:.0f}, "
        f"end of burst {peak[0]:.0f}/{peak[1]:.0f}/{peak[2]:.0f}, "
        f"idle after {idle_after[0][0]:.0f}/{idle_after[0][1]:.0f}/{idle_after[0][2]:.0f}"
    )
    print(f"idle CPU (% of a core, workers): before {idle_before[1]:.1f}, after {idle_after[1]:.1f}")
    print(f"open connections back to {open_now:.0f} (the scrape's own) {drained:.1f} s after the burst")
    interesting = {k: v for k, v in metrics.items() if re.search(r"code=\"(200|400|408|413)\"|denials|closed|open", k)}
    print("metrics: " + ", ".join(f"{k} {v:g}" for k, v in sorted(interesting.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
