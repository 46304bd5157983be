"""Containers should not run privileged.

A privileged container has every capability and full access to the node's devices; NVCF's rules
forbid root capabilities and the Baseline Pod Security Standard forbids ``privileged: true``.
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
            if container.security_context.get("privileged") is True:
                yield Violation(
                    detail=f"{container.label}: privileged: true",
                    pointer=f"{container.pointer}/securityContext/privileged",
                )


RULE = Rule(
    id="privileged",
    title="No privileged containers",
    reason="privileged container",
    severity=Severity.WARNING,
    remediation="Remove securityContext.privileged; GPUs are reached through the device plugin, not privileges.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    reference="NVCF docs, Security Constraints (should: no root capabilities)",
)
