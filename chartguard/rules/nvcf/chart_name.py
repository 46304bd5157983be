"""The chart name may use only lowercase letters, digits and dashes.

NVCF: "The Helm chart name should not contain underscores or other special symbols, as that may
cause issues during deployment." Helm's own convention is the same (a DNS-label-like name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ...findings import Severity
from ..base import ReleaseRule, RuleContext, Violation

NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def check(ctx: RuleContext) -> Iterable[Violation]:
    if ctx.chart is None or NAME.match(ctx.chart.name):
        return
    bad = sorted({c for c in ctx.chart.name if not (c.islower() or c.isdigit() or c == "-")})
    detail = f"name: {ctx.chart.name}" + (f" (characters {' '.join(repr(c) for c in bad)})" if bad else "")
    yield Violation(detail=detail, location=ctx.chart.chart_yaml_location("name"))


RULE = ReleaseRule(
    id="chart-name",
    title="Chart name is lowercase letters, digits and dashes",
    reason="chart name has special characters",
    severity=Severity.ERROR,
    remediation="Rename the chart (Chart.yaml `name` and its folder) using lowercase letters, digits and dashes.",
    check=check,
    doc=__doc__ or "",
    reference="NVCF docs, Create a Helm-based Function (Important: chart name)",
)
