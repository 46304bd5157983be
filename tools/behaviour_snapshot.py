"""Capture what chartguard answers on real inputs, to show that a restructuring changed nothing.

For every chart in ../shared/charts (directories and packaged archives) it records the exit code,
stdout and stderr of ``chartguard lint --format json`` under the default profile, ``--strict`` and
``-p reval-default``; for every AdmissionReview in ../shared/admission-samples the webhook's
answer (``chartguard.admission.review``) in validate and mutate mode under ``nvcf-webhook`` and
``nvcf``. ``tests/test_behaviour_snapshot.py`` compares a fresh capture with the stored one.

Usage: python tools/behaviour_snapshot.py --write   (refresh tests/golden/behaviour.json)
       python tools/behaviour_snapshot.py --check   (exit 1 and list what differs)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
GOLDEN = ROOT / "tests" / "golden" / "behaviour.json"
LINT_SETTINGS = {"default": [], "strict": ["--strict"], "reval-default": ["-p", "reval-default"]}
REVIEW_PROFILES = ("nvcf-webhook", "nvcf")


def charts() -> list[str]:
    """Every chart of ../shared/charts, as paths relative to the project root."""
    base = SHARED / "charts"
    found = [p for p in sorted(base.iterdir()) if (p / "Chart.yaml").is_file()]
    found += sorted((base / "packaged").glob("*.tgz"))
    return [os.path.relpath(p, ROOT) for p in found]


def lint_answers() -> dict[str, Any]:
    from chartguard.cli import main

    runner = CliRunner()
    answers: dict[str, Any] = {}
    for chart in charts():
        for name, flags in LINT_SETTINGS.items():
            result = runner.invoke(main, ["lint", chart, "--format", "json", *flags], catch_exceptions=False)
            answers[f"lint {name} {chart}"] = {"exit": result.exit_code, "stdout": result.stdout, "stderr": result.stderr}
    return answers


def review_answers() -> dict[str, Any]:
    from chartguard.admission import review
    from chartguard.profile import load_profile

    answers: dict[str, Any] = {}
    for sample in sorted((SHARED / "admission-samples").glob("*.json")):
        body = json.loads(sample.read_text(encoding="utf-8"))
        for profile_name in REVIEW_PROFILES:
            profile = load_profile(profile_name)
            for mode in ("validate", "mutate"):
                answers[f"review {mode} {profile_name} {sample.name}"] = review(body, mode=mode, profile=profile)
    return answers


def capture() -> dict[str, Any]:
    os.chdir(ROOT)
    return {**lint_answers(), **review_answers()}


def differences(stored: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """The cases whose answers differ (or exist on one side only)."""
    return [key for key in sorted(set(stored) | set(fresh)) if stored.get(key) != fresh.get(key)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="store the capture in tests/golden/behaviour.json")
    parser.add_argument("--check", action="store_true", help="compare a fresh capture with the stored one")
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"{SHARED} is absent: nothing to capture", file=sys.stderr)
        return 2
    fresh = capture()
    if args.write:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(fresh, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{GOLDEN.relative_to(ROOT)}: {len(fresh)} answers")
        return 0
    diff = differences(json.loads(GOLDEN.read_text(encoding="utf-8")), fresh)
    for key in diff:
        print(f"differs: {key}")
    print(f"{len(fresh) - len(diff)} of {len(fresh)} answers unchanged")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
