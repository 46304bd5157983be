"""``chart-version-semver``: Chart version is MAJOR.MINOR.PATCH. (More versions, with chart-version's
verdict: tests/rules/test_chart_version.py.)
"""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import lint, rows


def test_chart_version_short() -> None:
    report = lint("short-version")
    assert rows(report, "chart-version-semver", "short-version") == [
        ("warning", "Chart short-version", "version: 0.1", 'Chart.yaml:4 version: "0.1"')
    ]
    assert found(report, "chart-version") == []
    assert not report.failed()  # a warning only
