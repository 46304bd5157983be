"""The chart version should be full SemVer 2 (``MAJOR.MINOR.PATCH``).

Helm accepts short versions such as ``0.1`` or ``v1``, but the chart URL NVCF expects is
``https://helm.ngc.nvidia.com/<org>/[<team>/]charts/<name>-X.Y.Z.tgz``; a three-part version keeps
the packaged file name and the URL in that form.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...semver import STRICT_SEMVER, parse_version
from ..base import ReleaseRule, RuleContext, Violation


def check(ctx: RuleContext) -> Iterable[Violation]:
    if ctx.chart is None:
        return
    version = ctx.chart.version
    if parse_version(version) is None or STRICT_SEMVER.match(version):
        return  # invalid versions are chart-version's finding
    yield Violation(detail=f"version: {version}", location=ctx.chart.chart_yaml_location("version"))


RULE = ReleaseRule(
    id="chart-version-semver",
    title="Chart version is MAJOR.MINOR.PATCH",
    reason="chart version is not full SemVer 2",
    severity=Severity.WARNING,
    remediation="Write the version as MAJOR.MINOR.PATCH, e.g. 0.1.0 instead of 0.1.",
    check=check,
    doc=__doc__ or "",
    reference="NVCF docs, Create a Helm-based Function (chart URL format)",
)
