"""Pods and containers should not turn seccomp off (no ``Unconfined`` profile).

NVCF forbids non-default seccomp profiles, following the Pod Security Standards: a
``seccompProfile.type: Unconfined`` on the pod or a container, or the legacy
``seccomp.security.alpha.kubernetes.io`` annotations set to ``unconfined``, is reported.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Severity
from ..manifests import Manifest
from ..workloads import pod_specs, security_scopes
from .base import Rule, RuleContext, Violation

POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    for pod in pod_specs(manifest.obj):
        for label, where, context in security_scopes(pod):
            profile = context.get("seccompProfile")
            if isinstance(profile, dict) and profile.get("type") == "Unconfined":
                yield Violation(
                    detail=f"{label}: seccompProfile.type: Unconfined",
                    pointer=f"{where}/securityContext/seccompProfile/type",
                )
        for key, value in pod.annotations.items():
            if (key == POD_ANNOTATION or key.startswith(CONTAINER_ANNOTATION)) and str(value) == "unconfined":
                yield Violation(detail=f"annotation {key}: unconfined", pointer=pod.annotation_pointer(key))


RULE = Rule(
    id="seccomp-profile",
    title="Seccomp is not disabled",
    reason="seccomp profile Unconfined",
    severity=Severity.WARNING,
    remediation="Set securityContext.seccompProfile.type: RuntimeDefault on the pod.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    reference="NVCF docs, Security Constraints (should: no non-default Seccomp profiles)",
)
