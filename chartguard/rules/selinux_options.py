"""Pods and containers should not set custom SELinux users, roles or types.

Following the Baseline Pod Security Standard, ``seLinuxOptions.type`` may only be unset or one of
``container_t``, ``container_init_t``, ``container_kvm_t``, ``container_engine_t``, and
``seLinuxOptions.user`` and ``.role`` must be unset, on the pod and on every container.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Severity
from ..manifests import Manifest
from ..workloads import pod_specs, security_scopes
from .base import Rule, RuleContext, Violation

ALLOWED_TYPES = ("", "container_t", "container_init_t", "container_kvm_t", "container_engine_t")


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    for pod in pod_specs(manifest.obj):
        for label, where, context in security_scopes(pod):
            options = context.get("seLinuxOptions")
            if not isinstance(options, dict):
                continue
            base = f"{where}/securityContext/seLinuxOptions"
            if (options.get("type") or "") not in ALLOWED_TYPES:  # a null type is unset, as in Kubernetes
                yield Violation(detail=f"{label}: seLinuxOptions.type: {options['type']}", pointer=f"{base}/type")
            for field in ("user", "role"):
                if options.get(field):
                    yield Violation(detail=f"{label}: seLinuxOptions.{field}: {options[field]}", pointer=f"{base}/{field}")


RULE = Rule(
    id="selinux-options",
    title="No custom SELinux options",
    reason="SELinux options not allowed",
    severity=Severity.WARNING,
    remediation="Remove seLinuxOptions, or use one of the container_* types without user or role.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    reference="NVCF docs, Security Constraints (should: no non-default SELinux profiles)",
)
