"""``chart-name``: Chart name is lowercase letters, digits and dashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.lint import found
from helpers.rules import copy_chart, lint, rows

import chartguard
from chartguard.findings import Severity


def test_chart_name_with_special_characters() -> None:
    report = lint("bad-name")
    assert rows(report, "chart-name", "bad-name") == [
        ("error", "Chart Echo_Server", "name: Echo_Server (characters 'E' 'S' '_')", "Chart.yaml:3 name: Echo_Server")
    ]
    assert [f.rule_id for f in report.findings] == ["chart-name"]


@pytest.mark.parametrize(
    ("name", "detail"),
    [("echo-", "name: echo-"), ("-echo", "name: -echo"), ("echo.v2", "name: echo.v2 (characters '.')")],
)
def test_chart_name_edges(tmp_path: Path, name: str, detail: str) -> None:
    report = chartguard.lint_chart(copy_chart("good", tmp_path, name=name))
    assert [(f.severity, f.detail, f.location.line) for f in found(report, "chart-name")] == [(Severity.ERROR, detail, 2)]


def test_chart_name_digits_and_dashes_pass(tmp_path: Path) -> None:
    report = chartguard.lint_chart(copy_chart("good", tmp_path, name="echo-2"))
    assert report.findings == []
