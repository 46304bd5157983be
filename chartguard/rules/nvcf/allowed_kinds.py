"""Only the Kubernetes kinds NVCF supports may be in a helm function's release.

NVCF rejects a chart whose rendered release contains any other kind ("Supported k8s artifacts
under Helm Chart Namespace are listed below; others will be rejected"). Kinds are matched on
``apiVersion`` and ``kind`` exactly, as NVCF's validator does, so ``apps/v1beta2`` Deployments
and ``batch/v1beta1`` CronJobs are rejected too.

Some kinds are allowed only on some backends (ServiceAccount, Role, RoleBinding and
PersistentVolumeClaim on GFN): with ``--backend`` they are errors elsewhere, without it they are
warnings that say which backends allow them. Kinds listed under ``skipped`` (CustomResourceDefinitions
in the current rules) are reported as info: NVCF skips them on installation.

Fix: drop the skipped kinds (CustomResourceDefinitions) from the release, as NVCF does. Any other
kind is not fixed: removing it changes what the chart deploys (make it conditional in the chart).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...findings import Severity
from ...manifests import Manifest
from ..base import Fix, ObjectRule, RuleContext, Violation, backend_only_schema, backend_verdict, params_schema, string_list


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    if not manifest.kind or not manifest.api_version:
        return  # reported by object-kind
    gvk = f"{manifest.api_version}/{manifest.kind}"
    if gvk in ctx.params["allowed"]:
        return
    if gvk in ctx.params["skipped"]:
        yield Violation(
            detail=f"{gvk} is skipped on installation",
            reason="kind skipped on installation",
            severity=Severity.INFO,
            pointer="/kind",
        )
        return
    allowed, backends = backend_verdict(gvk, ctx.params["backend_only"], ctx.backend)
    if allowed:
        return
    if backends and ctx.backend is None:
        yield Violation(
            detail=f"{gvk} is allowed only on backend {backends}; pass --backend to check",
            reason="kind allowed only on some backends",
            severity=Severity.WARNING,
            pointer="/kind",
        )
        return
    where = f" on backend {ctx.backend}" if ctx.backend and backends else ""
    same_kind = sorted(a for a in ctx.params["allowed"] if a.rsplit("/", 1)[-1] == manifest.kind)
    hint = f"; supported: {', '.join(same_kind)}" if same_kind else ""
    yield Violation(detail=f"{gvk}{where}{hint}", pointer="/kind")


def fix(obj: dict[str, Any], ctx: RuleContext) -> Fix:
    """Drop a kind NVCF skips on installation; removing any other kind is not safe."""
    gvk = f"{obj.get('apiVersion')}/{obj.get('kind')}"
    if gvk in ctx.params["skipped"]:
        return Fix.remove_object()
    if gvk in ctx.params["allowed"]:
        return Fix.patch()
    kind = str(obj.get("kind"))
    article = "an" if kind[:1].lower() in ("a", "e", "i", "o", "u") else "a"
    return Fix.not_safe(f"removing {article} {kind} changes what the chart deploys")


RULE = ObjectRule(
    id="allowed-kinds",
    title="Only supported Kubernetes kinds",
    reason="kind not supported",
    severity=Severity.ERROR,
    remediation="Remove the object from the chart or make it conditional; NVCF installs only the supported kinds.",
    check=check,
    doc=__doc__ or "",
    params_schema=params_schema(
        allowed=string_list("apiVersion/Kind entries allowed on every backend"),
        backend_only=backend_only_schema("apiVersion/Kind entries"),
        skipped=string_list("apiVersion/Kind entries NVCF skips on installation (info finding)"),
    ),
    defaults={"allowed": [], "backend_only": {}, "skipped": []},
    reference="NVCF docs, Helm-Based Function Creation > Security Constraints > Restrictions",
    fix=fix,
)
