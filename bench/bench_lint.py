"""Lint timing: in-process (render + all rules) and cold CLI, on NVIDIA's inference-test sample.

    python bench/bench_lint.py [CHART] [--iterations N] [--cold-runs N]

Prints a table; budgets (DESIGN.md): in-process ≤ 5 ms, cold CLI ≤ 300 ms wall. Uses
../shared/charts/nvcf-inference-test when present, else testcharts/good.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CHARTS = (ROOT.parent / "shared/charts/nvcf-inference-test", ROOT / "testcharts/good")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chart", nargs="?", default=next((str(p) for p in DEFAULT_CHARTS if p.is_dir()), ""))
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--cold-runs", type=int, default=15)
    parser.add_argument(
        "--cli",
        help="chartguard executable for the cold runs (default: the one beside this Python). An editable "
        "install adds ~80 ms of import-hook overhead; measure a wheel install for what users get.",
    )
    args = parser.parse_args()

    import chartguard

    chartguard.lint_chart(args.chart)  # warm up: load the engine, compile regexes
    samples = []
    for _ in range(args.iterations):
        start = time.perf_counter()
        chartguard.lint_chart(args.chart)
        samples.append((time.perf_counter() - start) * 1000)

    cli = Path(args.cli) if args.cli else Path(sys.executable).with_name("chartguard")
    command = [str(cli) if cli.exists() else "chartguard", "lint", args.chart, "--fail-on", "never"]
    subprocess.run(command, capture_output=True, check=True)  # warm the page cache
    cold = []
    for _ in range(args.cold_runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env={**os.environ, "NO_COLOR": "1"})
        cold.append((time.perf_counter() - start) * 1000)

    print(f"chart: {args.chart}\ncli: {command[0]}")
    print(f"{'measure':<34}{'median':>10}{'p95':>10}{'min':>10}  budget")
    print(f"{'in-process lint (render+rules)':<34}{_fmt(samples)}  <= 5 ms")
    print(f"{'cold CLI `chartguard lint`':<34}{_fmt(cold)}  <= 300 ms")


def _fmt(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{statistics.median(ordered):>8.2f}ms{p95:>8.2f}ms{ordered[0]:>8.2f}ms"


if __name__ == "__main__":
    main()
