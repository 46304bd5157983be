"""The helm-reval API under hostile charts: normal validations alone, during a burst of charts that
loop or allocate without end, and after it.

    python bench/bench_reval_hostile.py [--seconds 10] [--concurrency 2] [--render-timeout 3]

Runs ``chartguard serve --endpoints reval --allow-local-charts`` on 127.0.0.1 (loopback only) with
``--concurrency`` render workers and ``--render-timeout``; normal traffic is one client validating
``testcharts/reval-basic`` back to back; the burst is 6 clients posting charts whose templates loop
(nested ``range until``) or build huge values (``repeat``). Prints, per phase, the normal requests'
p50/p99 and outcomes (200 or a prompt 503), what the hostile requests got and how long they took,
and the server's memory and CPU at idle before and after. Prints numbers; no pass/fail.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_webhook import memory_mb, process_tree  # noqa: E402

CHART = "apiVersion: v2\nname: {name}\nversion: 1.0.0\n"
HOSTILE = {
    "loop": "{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}",
    "bomb": 'a: {{ repeat 1000000000 "xxxxxxxxxx" }}',
}


def write_chart(folder: Path, name: str, template: str) -> Path:
    chart = folder / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(CHART.format(name=name))
    (chart / "templates" / "t.yaml").write_text(template)
    return chart


def post(port: int, chart: Path) -> tuple[int, float]:
    """One /v1/validate: (status, seconds)."""
    body = json.dumps({"helmChart": str(chart), "helmChartServiceName": "entrypoint", "helmChartServicePort": 8000})
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", "/v1/validate", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    except OSError:
        return 0, time.monotonic() - started
    finally:
        connection.close()


def drive(port: int, chart: Path, seconds: float) -> list[tuple[int, float]]:
    results, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        results.append(post(port, chart))
    return results


def summary(name: str, results: list[tuple[int, float]]) -> str:
    times = sorted(t * 1000 for status, t in results if status == 200) or [0.0]
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    outcomes = ", ".join(f"{status or 'error'}: {count}" for status, count in sorted(Counter(s for s, _ in results).items()))
    return f"{name:<28} {len(results):>5} requests ({outcomes})   p50 {statistics.median(times):7.1f} ms   p99 {p99:7.1f} ms"


def ticks(pid: int) -> dict[int, int]:
    """CPU clock ticks (user + system) of the server and each of its render workers."""
    found = {}
    for each in process_tree(pid):
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        found[each] = int(fields[11]) + int(fields[12])
    return found


def idle(pid: int, seconds: float = 2.0) -> tuple[float, float]:
    """(RSS MB of the server and its render workers, CPU % of a core over ``seconds``)."""
    before = ticks(pid)
    time.sleep(seconds)
    after = ticks(pid)
    return memory_mb(pid)[0], 100 * sum(after[p] - before.get(p, 0) for p in after) / 100 / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--render-timeout", type=float, default=3.0)
    args = parser.parse_args()
    normal = ROOT / "testcharts" / "reval-basic"
    with tempfile.TemporaryDirectory() as tmp:
        hostile = {name: write_chart(Path(tmp), name, template) for name, template in HOSTILE.items()}
        command = [sys.executable, "-m", "chartguard.cli", "serve", "--endpoints", "reval", "--port", "0", "--allow-local-charts",
                   "--concurrency", str(args.concurrency), "--render-timeout", str(args.render_timeout)]  # fmt: skip
        server = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        try:
            assert server.stderr is not None
            banner = server.stderr.readline()
            port = int(banner.rsplit(":", 1)[1].split()[0])
            threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()  # type: ignore[union-attr]
            drive(port, normal, 2.0)  # warm-up: the render workers start
            before = idle(server.pid)
            alone = drive(port, normal, args.seconds)
            hostile_results: list[tuple[str, int, float]] = []

            def attacker(name: str, deadline: float) -> None:
                while time.monotonic() < deadline:
                    status, seconds = post(port, hostile[name])
                    hostile_results.append((name, status, seconds))

            deadline = time.monotonic() + args.seconds + 1
            attackers = [threading.Thread(target=attacker, args=(name, deadline)) for name in ("loop", "bomb") * 3]
            for thread in attackers:
                thread.start()
            time.sleep(1)
            during = drive(port, normal, args.seconds)
            for thread in attackers:
                thread.join(120)
            peak = memory_mb(server.pid)[0]
            time.sleep(2)
            after_idle = idle(server.pid)
            after = drive(port, normal, 3.0)
        finally:
            server.terminate()
            server.wait(30)
    print(f"chartguard serve --endpoints reval --concurrency {args.concurrency} --render-timeout {args.render_timeout:g}")
    print(summary("normal validate alone", alone))
    print(summary("normal validate, burst", during))
    print(summary("normal validate after", after))
    for name in HOSTILE:
        mine = [(s, t) for n, s, t in hostile_results if n == name]
        longest = max((t for _, t in mine), default=0.0)
        outcomes = ", ".join(f"{s}: {c}" for s, c in sorted(Counter(s for s, _ in mine).items()))
        print(f"hostile {name:<5}: {len(mine)} requests ({outcomes}), longest {longest:.1f} s")
    print(f"server + workers RSS MB: idle {before[0]:.0f}, end of burst {peak:.0f}, idle after {after_idle[0]:.0f}")
    print(f"idle CPU (% of a core): before {before[1]:.1f}, after {after_idle[1]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
