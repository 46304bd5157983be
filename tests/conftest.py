"""Shared fixtures: paths to the project's testcharts and to ../shared (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTCHARTS = ROOT / "testcharts"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def testchart():
    """``testchart("good")`` → path of testcharts/good."""

    def path(name: str) -> Path:
        chart = TESTCHARTS / name
        assert chart.is_dir(), f"no testchart {name}"
        return chart

    return path


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the calling test when ../shared is not beside the checkout."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is not beside this checkout)")
    return path
