"""Containers should not allow privilege escalation: ``allowPrivilegeEscalation: false``.

NVCF: "No privilege escalation ... allowed." On Linux a process may gain privileges (setuid
binaries) unless the container sets ``allowPrivilegeEscalation: false`` explicitly, which is what
the Restricted Pod Security Standard requires too.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Severity
from ..manifests import Manifest
from ..workloads import containers, pod_specs
from .base import Rule, RuleContext, Violation


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    for pod in pod_specs(manifest.obj):
        for container in containers(pod):
            value = container.security_context.get("allowPrivilegeEscalation")
            if value is not False:
                state = "not set to false" if value is None else f"allowPrivilegeEscalation: {str(value).lower()}"
                yield Violation(
                    detail=f"{container.label}: {state}",
                    pointer=f"{container.pointer}/securityContext/allowPrivilegeEscalation",
                )


RULE = Rule(
    id="privilege-escalation",
    title="allowPrivilegeEscalation is false",
    reason="privilege escalation allowed",
    severity=Severity.WARNING,
    remediation="Set securityContext.allowPrivilegeEscalation: false on every container.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    reference="NVCF docs, Security Constraints (should: no privilege escalation)",
)
