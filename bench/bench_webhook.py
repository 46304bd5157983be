"""The admission webhook over HTTPS keep-alive: max req/s, p50/p99 at fixed rates, server memory.

    python bench/bench_webhook.py [--seconds S] [--rates 500,1000] [--connections N] [--workers N]
                                  [--repeat N] [--no-wrk]

Budgets (DESIGN.md "Performance budget"): >= 3,000 req/s; p99 <= 10 ms at 1,000 req/s; <= 150 MB RSS,
with a ~7.5 KB Deployment AdmissionReview (``bench/deployment-review.json``: three containers and an
init container with env, probes, volumes, a GPU request, the NVCF instance-type annotation and the
node affinity NVCA adds; admitted, with one warning, under the default ``nvcf-webhook`` profile).

Runs ``chartguard serve --endpoints webhook --workers N`` (default 2: one per core, as the chart
deploys it) on 127.0.0.1 with a throwaway trustme certificate and drives it from this machine
(loopback only; the load generator shares the two cores with the server, so the figures are a lower
bound for the server alone):

- max throughput: closed loop on ``--connections`` keep-alive connections, with ``wrk`` when it is
  installed (``apt-get install wrk``: a C client leaves more CPU to the server), else this script's
  asyncio client; each phase runs ``--repeat`` times and the median is reported with the range
  (shared machines vary by +-20% from run to run), with how the workers shared the CPU;
- fixed rates: open loop (each connection sends on a fixed schedule; latency is measured from the
  scheduled send time, so a slow server is not hidden by a client that waits for it);
- memory: RSS (peak) summed over the server's processes, and PSS (shared pages counted once, what
  the container's memory accounting sees).

Three more bodies are measured for reference: the same Deployment's DELETE (the fast path: no rules
run), which separates the server's own cost from the rules', and the Deployment without its
security settings, for which ``/mutate`` plans and verifies a 9-operation patch. Every phase is
bounded by ``--seconds``. Prints a table; a figure that misses its budget is marked ``MISS``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHARTGUARD = Path(sys.executable).parent / "chartguard"
REVIEW_FILE = HERE / "deployment-review.json"


@dataclass
class Result:
    """One measured phase."""

    completed: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] | None = None

    def rate(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        values = sorted(self.latencies or [])
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q * len(values)))] * 1000


def http_request(path: str, body: bytes) -> bytes:
    head = (
        f"POST {path}?timeout=10s HTTP/1.1\r\nHost: chartguard.chartguard.svc\r\nUser-Agent: kube-apiserver-admission\r\n"
        f"Content-Type: application/json\r\nAccept: application/json, */*\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    match = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    await reader.readexactly(int(match[1]) if match else 0)
    return status


async def connection(
    port: int, context: ssl.SSLContext, request: bytes, deadline: float, result: Result, interval: float | None, offset: float
) -> None:
    """One keep-alive connection: closed loop (``interval`` None) or one request every ``interval`` s."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="127.0.0.1")
    clock = time.perf_counter  # not loop.time(): uvloop's clock has millisecond resolution
    scheduled = clock() + offset
    try:
        while True:
            if interval is not None:
                delay = scheduled - clock()
                if delay > 0:
                    await asyncio.sleep(delay)
                start = scheduled
                scheduled += interval
            else:
                start = clock()
            if start >= deadline:
                return
            writer.write(request)
            status = await read_response(reader)
            if status == 200:
                result.completed += 1
                if result.latencies is not None:
                    result.latencies.append(clock() - start)
            else:
                result.errors += 1
    finally:
        writer.close()


async def drive(
    port: int, context: ssl.SSLContext, request: bytes, seconds: float, connections: int, rate: float | None
) -> Result:
    """Drive the server for ``seconds``; ``rate`` req/s in total (open loop), or as fast as it goes."""
    result = Result(latencies=[])
    begin = time.perf_counter()
    deadline = begin + seconds
    interval = connections / rate if rate else None
    tasks = [
        connection(port, context, request, deadline, result, interval, (interval or 0) * index / connections)
        for index in range(connections)
    ]
    await asyncio.wait_for(asyncio.gather(*tasks), seconds + 30)
    result.seconds = time.perf_counter() - begin
    return result


def run_drive(*args: object) -> Result:
    try:
        import uvloop

        return uvloop.run(drive(*args))  # type: ignore[arg-type]
    except ImportError:
        return asyncio.run(drive(*args))  # type: ignore[arg-type]


def wrk_max(port: int, path: str, body: bytes, seconds: float, connections: int, folder: Path) -> Result | None:
    """Closed-loop max throughput with wrk (one thread), or None without wrk."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    script = folder / f"post{path.replace('/', '-')}.lua"
    body_file = folder / "body.json"
    body_file.write_bytes(body)
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f'local f = io.open("{body_file}", "rb")\nwrk.body = f:read("*a")\nf:close()\n'
    )
    out = subprocess.run(
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, int(seconds))}s",
            "--latency",
            "-s",
            str(script),
            f"https://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not rate or not total:
        print(out, file=sys.stderr)
        return None
    seconds_run = float(total[2]) * {"s": 1.0, "ms": 0.001, "m": 60.0}.get(total[3], 1.0)
    errors = int(non2xx[1]) if non2xx else 0
    return Result(completed=int(total[1]) - errors, errors=errors, seconds=seconds_run)


def process_tree(pid: int) -> list[int]:
    """``pid`` and its worker processes."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *map(int, children)]


def memory_mb(pid: int) -> tuple[float, float, float]:
    """RSS, peak RSS and PSS (shared pages counted once, as the container's memory limit sees them)
    of the server: the process and its workers, summed."""
    rss = peak = pss = 0
    for each in process_tree(pid):
        status = Path(f"/proc/{each}/status").read_text()
        rss += int(re.search(r"VmRSS:\s+(\d+)", status)[1])  # type: ignore[index]
        peak += int(re.search(r"VmHWM:\s+(\d+)", status)[1])  # type: ignore[index]
        pss += int(re.search(r"Pss:\s+(\d+)", Path(f"/proc/{each}/smaps_rollup").read_text())[1])  # type: ignore[index]
    return rss / 1024, peak / 1024, pss / 1024


def cpu_ticks(pid: int) -> dict[int, int]:
    """CPU time (clock ticks, user + system) of each worker process of the server."""
    ticks = {}
    for each in process_tree(pid)[1:]:
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        ticks[each] = int(fields[11]) + int(fields[12])
    return ticks


def cpu_split(before: dict[int, int], after: dict[int, int]) -> str:
    """How a phase's CPU time spread over the workers, e.g. ``52/48%`` (empty with one process)."""
    used = [after[pid] - before.get(pid, 0) for pid in after]
    total = sum(used)
    return "/".join(f"{100 * u / total:.0f}" for u in sorted(used, reverse=True)) + "%" if len(used) > 1 and total else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(folder: Path, log_level: str, workers: int) -> tuple[subprocess.Popen, int, ssl.SSLContext]:
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    cert.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    cert.private_key_pem.write_to_path(str(folder / "key.pem"))
    port = free_port()
    log = open(folder / "server.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [str(CHARTGUARD), "serve", "--endpoints", "webhook", "--port", str(port), "--cert-file", str(folder / "cert.pem")]
        + ["--key-file", str(folder / "key.pem"), "--log-level", log_level, "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    context = ssl.create_default_context(cafile=str(folder / "ca.pem"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with (
                socket.create_connection(("127.0.0.1", port), timeout=1) as raw,
                context.wrap_socket(raw, server_hostname="127.0.0.1") as s,
            ):
                s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if b" 200 " in s.recv(1024):
                    return process, port, context
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"chartguard serve did not start: {(folder / 'server.log').read_text()}")


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each phase (default 5)")
    parser.add_argument("--rates", default="500,1000", help="fixed rates in req/s (default 500,1000)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections (default 8)")
    parser.add_argument(
        "--no-wrk", action="store_true", help="use the asyncio client for max throughput even if wrk is installed"
    )
    parser.add_argument(
        "--log-level", default="info", help="server log level (default info: one JSON line per review, to a file)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each max-throughput phase (median reported; default 3)")
    parser.add_argument(
        "--workers", type=int, default=2, help="server worker processes (default 2: one per core, as the chart deploys it)"
    )
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r]

    review = json.loads(REVIEW_FILE.read_text())
    create_body = json.dumps(review).encode()
    delete = json.loads(json.dumps(review))
    delete["request"].update(operation="DELETE", oldObject=delete["request"]["object"], object=None)
    delete["request"]["options"] = {"kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1"}
    delete_body = json.dumps(delete).encode()
    unhardened = json.loads(create_body)  # the same Deployment without its security settings: /mutate patches it
    pod_spec = unhardened["request"]["object"]["spec"]["template"]["spec"]
    for container in [*pod_spec.get("initContainers", []), *pod_spec["containers"]]:
        container.pop("securityContext", None)
    pod_spec.pop("securityContext", None)
    pod_spec.pop("automountServiceAccountToken", None)
    unhardened_body = json.dumps(unhardened).encode()

    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as tmp:
        folder = Path(tmp)
        process, port, context = start_server(folder, args.log_level, args.workers)
        try:
            print(
                f"server pid {process.pid} on 127.0.0.1:{port}; body {len(create_body)} bytes; {os.cpu_count()} CPUs",
                file=sys.stderr,
            )
            idle_rss, _, idle_pss = memory_mb(process.pid)
            run_drive(port, context, http_request("/validate", create_body), 1.0, args.connections, None)  # warm-up
            for label, path, body in (
                ("Deployment CREATE /validate", "/validate", create_body),
                ("Deployment CREATE /mutate", "/mutate", create_body),
                ("Deployment DELETE /validate (fast path)", "/validate", delete_body),
                ("unhardened Deployment /mutate (a 9-op patch)", "/mutate", unhardened_body),
            ):
                measured: list[float] = []
                errors, splits, client = 0, [], "wrk"
                for _ in range(args.repeat):
                    before = cpu_ticks(process.pid)
                    by_wrk = None if args.no_wrk else wrk_max(port, path, body, args.seconds, args.connections, folder)
                    result = by_wrk or run_drive(port, context, http_request(path, body), args.seconds, args.connections, None)
                    splits.append(cpu_split(before, cpu_ticks(process.pid)))
                    client = "wrk" if by_wrk else "asyncio"
                    measured.append(result.rate())
                    errors += result.errors
                median = statistics.median(measured)
                budget = f">= 3,000 req/s: {verdict(median >= 3000)}" if "CREATE" in label else "(reference)"
                spread = f" ({min(measured):,.0f}-{max(measured):,.0f} over {len(measured)} runs)" if len(measured) > 1 else ""
                figure = f"{median:,.0f}{spread}"
                figure += (f", {errors} non-200" if errors else "") + (f"; worker CPU {', '.join(splits)}" if any(splits) else "")
                rows.append((label, f"max req/s ({client}, {args.connections} conns), median", figure, budget))
            for rate in rates:
                for label, path, body in (
                    ("Deployment CREATE /validate", "/validate", create_body),
                    ("Deployment CREATE /mutate", "/mutate", create_body),
                ):
                    result = run_drive(port, context, http_request(path, body), args.seconds, args.connections, rate)
                    p50, p99 = result.percentile(0.50), result.percentile(0.99)
                    achieved = f"{result.rate():,.0f} req/s achieved" + (f", {result.errors} non-200" if result.errors else "")
                    budget = f"p99 <= 10 ms: {verdict(p99 <= 10)}" if rate == 1000 else ""
                    rows.append(
                        (label, f"{rate:,.0f} req/s open loop", f"p50 {p50:.2f} ms, p99 {p99:.2f} ms ({achieved})", budget)
                    )
            rss, peak, pss = memory_mb(process.pid)
            workers = len(process_tree(process.pid)) - 1 or 1
            rows.append(
                (
                    f"server ({workers} worker{'s' if workers > 1 else ''})",
                    "RSS idle / after / peak (PSS)",
                    f"{idle_rss:.1f} / {rss:.1f} / {peak:.1f} MB ({idle_pss:.1f} / {pss:.1f} MB)",
                    f"<= 150 MB: {verdict(peak <= 150)}",
                )
            )
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    header = ("case", "measure", "figure", "budget")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    line = " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
