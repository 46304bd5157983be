"""Pods should not mount the service-account token (``automountServiceAccountToken`` unset or false).

NVCF: "automountServiceAccountToken must be unset or set to false." A function has no business
talking to the cluster's API server with a token.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Severity
from ..manifests import Manifest
from .base import Rule, RuleContext, Violation


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    for pod in ctx.pods(manifest):
        if pod.spec.get("automountServiceAccountToken") is True:
            yield Violation(
                detail="automountServiceAccountToken: true",
                pointer=f"{pod.spec_pointer}/automountServiceAccountToken",
            )


RULE = Rule(
    id="automount-service-account-token",
    title="No service-account token mounted",
    reason="service-account token automounted",
    severity=Severity.WARNING,
    remediation="Remove automountServiceAccountToken or set it to false.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    reference="NVCF docs, Security Constraints (should: automountServiceAccountToken)",
)
