"""Services must be ``type: ClusterIP`` (or leave ``type`` unset).

NVCF reaches a function only inside the cluster; NodePort, LoadBalancer and ExternalName Services
are rejected ("Services - Only type: ClusterIP or none"). Headless Services (``clusterIP: None``)
are fine.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Severity
from ..manifests import Manifest
from .base import Rule, RuleContext, Violation


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    spec = manifest.obj.get("spec")
    service_type = spec.get("type") if isinstance(spec, dict) else None
    if service_type in (None, "", "ClusterIP"):
        return
    yield Violation(detail=f"type: {service_type}", pointer="/spec/type")


RULE = Rule(
    id="service-type",
    title="Services are ClusterIP only",
    reason="Service type is not ClusterIP",
    severity=Severity.ERROR,
    remediation="Set `type: ClusterIP` (or remove `type`) and drop nodePort/loadBalancer fields.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset({"Service"}),
    reference="NVCF docs, Security Constraints > Restrictions (Services - Only type: ClusterIP or none)",
)
