"""Library charts cannot be deployed as a function.

A chart with ``type: library`` renders no objects; Helm refuses to install it ("library charts
are not installable"), so NVCF cannot deploy it.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ..base import ReleaseRule, RuleContext, Violation


def check(ctx: RuleContext) -> Iterable[Violation]:
    if ctx.chart is not None and str(ctx.chart.metadata.get("type", "")).lower() == "library":
        yield Violation(detail="type: library", location=ctx.chart.chart_yaml_location("type"))


RULE = ReleaseRule(
    id="chart-type",
    title="Chart is installable (not a library chart)",
    reason="library charts are not installable",
    severity=Severity.ERROR,
    remediation="Use an application chart that depends on the library chart.",
    check=check,
    doc=__doc__ or "",
    reference="Helm docs, Library Charts",
)
