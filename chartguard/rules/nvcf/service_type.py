"""Services must be ``type: ClusterIP`` (or leave ``type`` unset).

NVCF reaches a function only inside the cluster; NodePort, LoadBalancer and ExternalName Services
are rejected ("Services - Only type: ClusterIP or none"). Headless Services (``clusterIP: None``)
are fine.

Fix: set ``type: ClusterIP`` and drop the fields Kubernetes accepts only on NodePort or
LoadBalancer Services: ``ports[*].nodePort`` (when not pinned), ``loadBalancerIP``,
``loadBalancerSourceRanges``, ``loadBalancerClass``, ``allocateLoadBalancerNodePorts``,
``healthCheckNodePort`` and ``externalTrafficPolicy`` (kept when the Service has ``externalIPs``,
which keep it externally reachable and valid on a ClusterIP Service). ``externalIPs`` are kept:
they are allowed on ClusterIP Services and this rule does not judge them. Not fixed: an
``ExternalName`` Service (it has no pods behind it; a ClusterIP Service would route nowhere) and a
Service with a pinned ``nodePort`` (clients may rely on that port; change the chart if they do not).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...findings import Severity
from ...manifests import Manifest, pointer
from ..base import Fix, ObjectRule, RuleContext, Violation

#: Service fields Kubernetes accepts only on LoadBalancer (or NodePort) Services.
LOAD_BALANCER_FIELDS = (
    "loadBalancerIP",
    "loadBalancerSourceRanges",
    "loadBalancerClass",
    "allocateLoadBalancerNodePorts",
    "healthCheckNodePort",
)


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    spec = manifest.obj.get("spec")
    service_type = spec.get("type") if isinstance(spec, dict) else None
    if service_type in (None, "", "ClusterIP"):
        return
    yield Violation(detail=f"type: {service_type}", pointer="/spec/type")


def fix(obj: dict[str, Any], ctx: RuleContext) -> Fix:
    """``type: ClusterIP`` without the NodePort/LoadBalancer-only fields, unless that is unsafe."""
    spec = obj.get("spec")
    if not isinstance(spec, dict) or spec.get("type") in (None, "", "ClusterIP"):
        return Fix.patch()
    if spec.get("type") == "ExternalName":
        return Fix.not_safe("an ExternalName Service has no pods behind it: as ClusterIP it would route nowhere")
    ports: list[Any] = spec["ports"] if isinstance(spec.get("ports"), list) else []
    pinned = [p["nodePort"] for p in ports if isinstance(p, dict) and p.get("nodePort") not in (None, "", 0)]
    if pinned:
        listed = ", ".join(str(port) for port in pinned)
        return Fix.not_safe(f"nodePort {listed} is pinned: clients may rely on it (set type: ClusterIP in the chart if not)")
    ops: list[dict[str, Any]] = [{"op": "replace", "path": "/spec/type", "value": "ClusterIP"}]
    ops += [
        {"op": "remove", "path": pointer("spec", "ports", i, "nodePort")}
        for i, port in enumerate(ports)
        if isinstance(port, dict) and "nodePort" in port
    ]
    ops += [{"op": "remove", "path": pointer("spec", name)} for name in LOAD_BALANCER_FIELDS if name in spec]
    if "externalTrafficPolicy" in spec and not spec.get("externalIPs"):
        ops.append({"op": "remove", "path": "/spec/externalTrafficPolicy"})
    return Fix.patch(*ops)


RULE = ObjectRule(
    id="service-type",
    title="Services are ClusterIP only",
    reason="Service type is not ClusterIP",
    severity=Severity.ERROR,
    remediation="Set `type: ClusterIP` (or remove `type`) and drop nodePort/loadBalancer fields.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset({"Service"}),
    reference="NVCF docs, Security Constraints > Restrictions (Services - Only type: ClusterIP or none)",
    fix=fix,
)
