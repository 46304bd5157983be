"""helm-reval: pods do not share the host's IPC, network or PID namespace.

``hostIPC must be false``, ``hostNetwork must be false``, ``hostPID must be false``, one per field
set to true (helm-reval's ``validatePodSpecSecurityFeatures``; Default policy).
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation
from .common import POD_KINDS, pod_spec


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    found = pod_spec(manifest)
    if found is None:
        return
    spec, pointer = found
    for field in ("hostIPC", "hostNetwork", "hostPID"):
        if spec.get(field) is True:
            yield Violation(detail=f"{field} must be false", pointer=f"{pointer}/{field}")


RULE = ObjectRule(
    id="reval-host-namespaces",
    title="helm-reval: no host namespaces",
    reason="host namespace shared",
    severity=Severity.ERROR,
    remediation="Remove hostIPC, hostNetwork and hostPID (or set them to false).",
    check=check,
    doc=__doc__ or "",
    kinds=POD_KINDS,
    reference="helm-reval reval/run.go validatePodSpecSecurityFeatures",
    category="helm-reval",
)
