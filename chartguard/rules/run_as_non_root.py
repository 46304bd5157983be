"""Containers should run as non-root: ``runAsNonRoot: true`` set explicitly.

NVCF: "runAsNonRoot must be explicitly set to true." Set it once on the pod's securityContext (every
container inherits it) or on each container; a container's own ``false`` overrides the pod's true.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Severity
from ..manifests import Manifest
from ..workloads import containers, effective_security_field, pod_specs
from .base import Rule, RuleContext, Violation


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    for pod in pod_specs(manifest.obj):
        for container in containers(pod):
            value, where = effective_security_field(pod, container, "runAsNonRoot")
            if value is not True:
                state = "not set" if value is None else f"runAsNonRoot: {str(value).lower()}"
                yield Violation(detail=f"{container.label}: {state}", pointer=where)


RULE = Rule(
    id="run-as-non-root",
    title="runAsNonRoot is true",
    reason="runAsNonRoot is not true",
    severity=Severity.WARNING,
    remediation="Set securityContext.runAsNonRoot: true on the pod (and a non-zero runAsUser if the image runs as root).",
    check=check,
    doc=__doc__ or "",
    pods=True,
    reference="NVCF docs, Security Constraints (should: runAsNonRoot)",
)
