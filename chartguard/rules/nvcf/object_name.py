"""Every object needs ``metadata.name``.

NVCF rejects objects without a name (``generateName`` alone is not enough): "object N is missing
required field metadata.name". At admission (a live object) a ``generateName`` is fine: the
apiserver turns it into the name (ReplicaSet pods).
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    if not manifest.kind or not manifest.api_version:
        return  # not a Kubernetes object; object-kind reports it
    name = manifest.metadata.get("name")
    if isinstance(name, str) and name.strip():
        return
    generate = manifest.metadata.get("generateName")
    if ctx.live and isinstance(generate, str) and generate:
        return
    detail = f"generateName: {generate} (NVCF needs a fixed name)" if generate else "metadata.name is empty"
    yield Violation(detail=detail, pointer="/metadata/name" if "name" in manifest.metadata else "/metadata")


RULE = ObjectRule(
    id="object-name",
    title="Objects have metadata.name",
    reason="missing metadata.name",
    severity=Severity.ERROR,
    remediation="Give the object a fixed metadata.name.",
    check=check,
    doc=__doc__ or "",
    reference="NVCF helm-reval decode rules",
)
