"""Pods and containers should not turn AppArmor off or pick a custom profile type.

Following the Baseline Pod Security Standard, ``appArmorProfile.type`` may only be
``RuntimeDefault`` or ``Localhost`` (on the pod or a container), and the legacy
``container.apparmor.security.beta.kubernetes.io/<container>`` annotation only ``runtime/default``
or ``localhost/<profile>``. ``Unconfined`` is reported.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Severity
from ..manifests import Manifest
from ..workloads import pod_specs, security_scopes
from .base import Rule, RuleContext, Violation

ALLOWED_TYPES = ("RuntimeDefault", "Localhost")
ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    for pod in pod_specs(manifest.obj):
        for label, where, context in security_scopes(pod):
            profile = context.get("appArmorProfile")
            if isinstance(profile, dict) and profile.get("type") not in ALLOWED_TYPES:
                yield Violation(
                    detail=f"{label}: appArmorProfile.type: {profile.get('type')}",
                    pointer=f"{where}/securityContext/appArmorProfile/type",
                )
        for key, value in pod.annotations.items():
            text = str(value)
            if key.startswith(ANNOTATION_PREFIX) and text not in ("", "runtime/default") and not text.startswith("localhost/"):
                yield Violation(detail=f"annotation {key}: {text}", pointer=pod.annotation_pointer(key))


RULE = Rule(
    id="apparmor-profile",
    title="AppArmor is not disabled",
    reason="AppArmor profile not allowed",
    severity=Severity.WARNING,
    remediation="Remove the AppArmor override or set appArmorProfile.type: RuntimeDefault.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    reference="NVCF docs, Security Constraints (should: no non-default AppArmor profiles)",
)
