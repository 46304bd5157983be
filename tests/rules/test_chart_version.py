"""``chart-version``: Chart version has no pre-release. The version table shows chart-version-semver's
verdict on the same versions.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.lint import found
from helpers.rules import copy_chart, lint, rows

import chartguard


def test_chart_version_with_prerelease() -> None:
    report = lint("prerelease")
    assert rows(report, "chart-version", "prerelease") == [
        ("error", "Chart prerelease", "version: 1.0.0-rc1 has a pre-release part", "Chart.yaml:5 version: 1.0.0-rc1")
    ]
    assert found(report, "chart-version-semver") == []  # 1.0.0-rc1 is full SemVer 2


VERSION_ERROR, SEMVER_WARNING = ("chart-version", "error"), ("chart-version-semver", "warning")


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.0.0+build-7", [(*VERSION_ERROR, "version: 1.0.0+build-7 has a '-' in its build metadata")]),
        # NVCF's own example of a bad version; not SemVer 2 either
        (
            "v1-test",
            [(*VERSION_ERROR, "version: v1-test has a pre-release part"), (*SEMVER_WARNING, "version: v1-test")],
        ),
        ("v1.2.3", [(*SEMVER_WARNING, "version: v1.2.3")]),
        ("v1", [(*SEMVER_WARNING, "version: v1")]),
        ("01.2.3", [(*SEMVER_WARNING, "version: 01.2.3")]),
    ],
)
def test_chart_version_variants(tmp_path: Path, version: str, expected: list[tuple[str, str, str]]) -> None:
    report = chartguard.lint_chart(copy_chart("good", tmp_path, version=f'"{version}"'))
    assert [(f.rule_id, str(f.severity), f.detail) for f in report.findings] == expected
    for finding in report.findings:
        assert (finding.location.path, finding.location.line) == (f"{tmp_path}/good/Chart.yaml", 5)
        assert str(finding.object) == "Chart good"


@pytest.mark.parametrize("version", ["1.0.0", "0.1.0", "2.10.3+build.7", "10.0.0"])
def test_chart_version_release_versions_pass(tmp_path: Path, version: str) -> None:
    report = chartguard.lint_chart(copy_chart("good", tmp_path, version=f'"{version}"'))
    assert report.findings == []
