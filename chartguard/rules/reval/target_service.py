"""helm-reval: the function's Service exists, has the inference port, and reaches a container.

Checked only when the function names both the Service (``helmChartServiceName``) and its port
(``helmChartServicePort`` / inference port), against ``v1`` Services matched by exact name:

- ``helm chart service "<name>" has no port <port>``: no ``port`` of that Service is the inference port;
- ``helm chart service name "<name>" not found``: no such Service;
- ``provided helm chart service "<name>" has no port <port> matching selected pod specs``: no
  regular container (init containers do not count) of any workload the Service selects has a port
  matching the Service port's ``targetPort`` (``port`` when unset): by number, or by name. As in
  helm-reval an integer ``targetPort`` also matches any unnamed container port. An empty selector
  selects every workload; a selector with ``apps.kubernetes.io/pod-index`` selects StatefulSets only
  (the pod-index entry itself is ignored).

With a policy that allows extra types (param ``extra_gvks`` not empty) helm-reval only logs a
missing Service and skips the container port check.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...findings import Severity
from ...gofmt import go_quote
from ...manifests import Manifest
from ..base import ReleaseRule, RuleContext, Violation, params_schema
from .common import containers, is_typed, mapping, pod_template, reval_view, text

POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


def selector_matcher(service: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The service's selector as helm-reval matches it, and whether only StatefulSets match."""
    selector = mapping(mapping(service.get("spec")).get("selector"))
    selector = dict(selector)
    statefulsets_only = bool(text(selector.get(POD_INDEX_LABEL)))
    if statefulsets_only:
        del selector[POD_INDEX_LABEL]
    return selector, statefulsets_only


def selects(selector: dict[str, Any], statefulsets_only: bool, manifest: Manifest) -> bool:
    """Whether a Service selector selects a workload's pods (by their original labels)."""
    if statefulsets_only and manifest.kind != "StatefulSet":
        return False
    found = pod_template(manifest)
    if found is None:
        return False
    labels = mapping(mapping(found[0].get("metadata")).get("labels"))
    return all(key in labels and labels[key] == value for key, value in selector.items())


def port_reaches(service: dict[str, Any], port: int, spec: dict[str, Any]) -> bool:
    """helm-reval's ``validateServicePort`` for one pod spec."""
    for service_port in mapping(service.get("spec")).get("ports") or []:
        service_port = mapping(service_port)
        if service_port.get("port") != port:
            continue
        target = service_port.get("targetPort")
        if target in (None, 0, ""):
            target = service_port.get("port")
        int_value = target if isinstance(target, int) and not isinstance(target, bool) else 0
        str_value = target if isinstance(target, str) else ""
        for _, _, container in containers(spec, ("containers",)):
            for container_port in container.get("ports") or []:
                container_port = mapping(container_port)
                if int_value == (container_port.get("containerPort") or 0) or str_value == text(container_port.get("name")):
                    return True
    return False


def check(ctx: RuleContext) -> Iterable[Violation]:
    function = ctx.function
    name = function.service_name if function is not None else None
    port = function.inference_port if function is not None else None
    if not name or not port:
        return
    extras = bool(ctx.params.get("extra_gvks"))
    target: Manifest | None = None
    for manifest in ctx.manifests:
        if not is_typed(manifest, "v1", "Service") or manifest.name != name:
            continue
        target = manifest
        ports = mapping(reval_view(manifest)[1].get("spec")).get("ports") or []
        if not any(mapping(p).get("port") == port for p in ports):
            yield Violation(
                manifest=manifest, detail=f"helm chart service {go_quote(name)} has no port {port}", pointer="/spec/ports"
            )
    if target is None:
        if not extras:
            yield Violation(detail=f"helm chart service name {go_quote(name)} not found")
        return
    if extras:
        return
    service = reval_view(target)[1]
    selector, statefulsets_only = selector_matcher(service)
    for manifest in ctx.manifests:
        if selects(selector, statefulsets_only, manifest):
            spec = mapping((pod_template(manifest) or ({}, ""))[0].get("spec"))
            if port_reaches(service, port, spec):
                return
    yield Violation(
        manifest=target,
        detail=f"provided helm chart service {go_quote(name)} has no port {port} matching selected pod specs",
        pointer="/spec/selector",
    )


RULE = ReleaseRule(
    id="reval-target-service",
    title="helm-reval: the function's Service and port",
    reason="function Service check failed",
    severity=Severity.ERROR,
    remediation="Name the chart's Service and port in the function (helmChartServiceName, inference port) "
    "exactly as rendered with release mini-service, and point the Service at a container port.",
    check=check,
    doc=__doc__ or "",
    params_schema=params_schema(
        extra_gvks={"type": "array", "description": "the policy's extra types; any entry relaxes the Service checks"}
    ),
    defaults={"extra_gvks": []},
    reference="helm-reval reval/run.go validateReleaseObjects",
    category="helm-reval",
)
