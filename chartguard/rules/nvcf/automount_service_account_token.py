"""Pods should not mount the service-account token (``automountServiceAccountToken`` unset or false).

NVCF: "automountServiceAccountToken must be unset or set to false." A function has no business
talking to the cluster's API server with a token.

Fix: sets ``automountServiceAccountToken: false`` on the pod spec; not safe when the pod's service
account is bound to a role by a RoleBinding or ClusterRoleBinding of the release (the pod then
evidently calls the API server).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...findings import Severity
from ...manifests import Manifest
from ...workloads import Pod, as_mapping, pods_of
from ..base import Fix, ObjectRule, RuleContext, Violation
from ..repair import Patch, Unsafe, repair

FIELD = "automountServiceAccountToken"
BINDINGS = ("RoleBinding", "ClusterRoleBinding")


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    for pod in ctx.pods(manifest):
        if pod.spec.get(FIELD) is True:
            yield Violation(detail=f"{FIELD}: true", pointer=f"{pod.spec_pointer}/{FIELD}")


def _binding(pod: Pod, ctx: RuleContext) -> str | None:
    """The first binding of the release naming the pod's service account as a subject."""
    account = pod.spec.get("serviceAccountName") or pod.spec.get("serviceAccount") or "default"
    for manifest in ctx.manifests + ctx.hooks:
        if manifest.kind not in BINDINGS:
            continue
        subjects = manifest.obj.get("subjects")
        for subject in subjects if isinstance(subjects, list) else []:
            subject = as_mapping(subject)
            if subject.get("kind") == "ServiceAccount" and subject.get("name") == account:
                return f'{manifest.kind} "{manifest.name}" binds service account "{account}"'
    return None


def fix(obj: dict[str, Any], ctx: RuleContext) -> Fix:
    def build(patch: Patch) -> None:
        for pod in pods_of(obj):
            if pod.spec.get(FIELD) is not True:
                continue
            binding = _binding(pod, ctx)
            if binding is not None:
                raise Unsafe(f"{binding} to a role: the pod likely calls the API server with its token")
            patch.set(f"{pod.spec_pointer}/{FIELD}", False)

    return repair(obj, build)


RULE = ObjectRule(
    id="automount-service-account-token",
    title="No service-account token mounted",
    reason="service-account token automounted",
    severity=Severity.WARNING,
    remediation="Remove automountServiceAccountToken or set it to false.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    reference="NVCF docs, Security Constraints (should: automountServiceAccountToken)",
    fix=fix,
)
