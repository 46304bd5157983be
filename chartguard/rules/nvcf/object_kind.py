"""Every document should be a Kubernetes object with ``apiVersion`` and ``kind``.

A rendered document without them is not installed: NVCF skips it silently and kubectl refuses it.
It usually means a template rendered a fragment by mistake (a stray value, a broken ``if``).
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    missing = [
        field for field in ("apiVersion", "kind") if not isinstance(manifest.obj.get(field), str) or not manifest.obj.get(field)
    ]
    if missing:
        yield Violation(detail=f"no {' and no '.join(missing)}")


RULE = ObjectRule(
    id="object-kind",
    title="Documents are Kubernetes objects",
    reason="document is not a Kubernetes object",
    severity=Severity.WARNING,
    remediation="Fix the template so it renders a complete object, or renders nothing.",
    check=check,
    doc=__doc__ or "",
    reference="NVCF helm-reval decode rules (documents without apiVersion and kind are skipped)",
)
