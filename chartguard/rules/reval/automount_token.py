"""helm-reval: ``automountServiceAccountToken`` is not true.

``automountServiceAccountToken must be false`` only when the pod sets it to ``true`` explicitly:
helm-reval rewrites an unset value to false before it validates (Default policy).

Fix: as ``automount-service-account-token``'s (sets it to false; not safe when the release binds
the pod's service account to a role).
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation
from ..nvcf.automount_service_account_token import fix
from .common import POD_KINDS, pod_spec


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    found = pod_spec(manifest)
    if found is None:
        return
    spec, pointer = found
    if spec.get("automountServiceAccountToken") is True:
        yield Violation(detail="automountServiceAccountToken must be false", pointer=f"{pointer}/automountServiceAccountToken")


RULE = ObjectRule(
    id="reval-automount-token",
    title="helm-reval: no automounted service account token",
    reason="service account token automounted",
    severity=Severity.ERROR,
    remediation="Set `automountServiceAccountToken: false` (or leave it unset) in the pod spec.",
    check=check,
    doc=__doc__ or "",
    kinds=POD_KINDS,
    reference="helm-reval reval/run.go validatePodSpecSecurityFeatures",
    category="helm-reval",
    fix=fix,
)
