"""Pods should not share the node's namespaces (hostNetwork, hostPID, hostIPC).

NVCF: "hostIPC, hostPID, and hostNetwork must be unset or set to false." Sharing them lets a pod
see and reach the node and other tenants' workloads.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Severity
from ..manifests import Manifest
from ..workloads import pod_specs
from .base import Rule, RuleContext, Violation

FIELDS = ("hostNetwork", "hostPID", "hostIPC")


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    for pod in pod_specs(manifest.obj):
        for field in FIELDS:
            if pod.spec.get(field) is True:
                yield Violation(detail=f"{field}: true", pointer=f"{pod.pointer}/{field}")


RULE = Rule(
    id="host-namespaces",
    title="No host network, PID or IPC namespace",
    reason="host namespaces",
    severity=Severity.WARNING,
    remediation="Remove hostNetwork, hostPID and hostIPC (or set them to false).",
    check=check,
    doc=__doc__ or "",
    pods=True,
    reference="NVCF docs, Security Constraints (should: hostIPC, hostPID, hostNetwork)",
)
