"""``chart-type``: Chart is installable (not a library chart)."""

from __future__ import annotations

from pathlib import Path

from helpers.rules import copy_chart, lint, rows

import chartguard


def test_library_chart_is_not_installable() -> None:
    report = lint("library")
    assert rows(report, "chart-type", "library") == [("error", "Chart library", "type: library", "Chart.yaml:4 type: library")]
    assert report.objects == 0
    assert report.failed()


def test_application_chart_type_passes(tmp_path: Path) -> None:
    chart = copy_chart("library", tmp_path, type="application")
    assert chartguard.lint_chart(chart).findings == []
