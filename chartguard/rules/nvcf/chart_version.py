"""The chart version must be a valid version without a pre-release part (no ``-``).

NVCF: "Ensure that your helm charts version does not contain - For example v1 is ok but v1-test
will cause issues." Helm itself rejects versions that are not (loose) SemVer.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...semver import parse_version
from ..base import ReleaseRule, RuleContext, Violation


def check(ctx: RuleContext) -> Iterable[Violation]:
    if ctx.chart is None:
        return
    version = ctx.chart.version
    parsed = parse_version(version)
    if parsed is None:
        detail = f"version: {version} is not a valid SemVer version"
    elif "-" in version:
        where = "a pre-release part" if parsed.prerelease else "a '-' in its build metadata"
        detail = f"version: {version} has {where}"
    else:
        return
    yield Violation(detail=detail, location=ctx.chart.chart_yaml_location("version"))


RULE = ReleaseRule(
    id="chart-version",
    title="Chart version has no pre-release",
    reason="chart version not accepted",
    severity=Severity.ERROR,
    remediation="Use a release version such as 1.4.2 (no `-suffix`); put build labels in appVersion instead.",
    check=check,
    doc=__doc__ or "",
    reference="NVCF docs, Helm-Based Function Creation > Prerequisites",
)
