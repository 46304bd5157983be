"""Where the tests find the project, its test charts and the reference data in ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTCHARTS = ROOT / "testcharts"
SHARED = ROOT.parent / "shared"


def chart_path(name: str) -> Path:
    """The path of testcharts/<name> (a chart)."""
    chart = TESTCHARTS / name
    assert (chart / "Chart.yaml").is_file(), f"no test chart {name}"
    return chart


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the calling test when ../shared is not beside the checkout."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is not beside this checkout)")
    return path
