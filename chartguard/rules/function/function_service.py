"""The function's Service (``helmChartServiceName``) must exist and reach a container on the inference port.

NVCF sends inference requests and health checks to the Service named ``helmChartServiceName`` on
port ``inferencePort``; "templatized service names are not supported" and "the servicePort defined
within the helm chart should be used as the inferencePort" (NVCF docs). Checked when the function
definition gives the name (``--service-name`` or ``--function``), with NVCF's chart validator's
(helm-reval) semantics:

- the name must be literal (``{{`` in it is an error) and a ``v1`` Service of exactly that
  ``metadata.name`` must be in the release (hooks are not installed, so they do not count);
- with the port (``--inference-port`` or ``inferencePort``): one of the Service's ``ports[].port``
  must equal it, and some workload the Service selects must have, in its regular containers (init
  containers do not count), a port matching that entry's ``targetPort``: the same number when it is
  an integer, the same ``name`` when it is a string; an unset ``targetPort`` means the ``port``.
  The workloads are Pods, Deployments, ReplicaSets, StatefulSets, Jobs and CronJobs whose pod
  (template) labels carry every ``key: value`` of the selector; an empty or absent selector selects
  all of them; a non-empty ``apps.kubernetes.io/pod-index`` selector entry (set on pods at run time)
  is ignored and restricts the match to StatefulSets.

Deliberate differences from helm-reval: helm-reval also accepts an integer ``targetPort`` when a
selected container has *any unnamed* port, whatever its number (it compares the container port's
name with the target's empty string form); chartguard requires the number, as Kubernetes routes
traffic to it. And a port the Service lacks is reported once, not again as "no port matching
selected pod specs"; a Service that selects no workload at all is reported as such.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ...findings import Severity
from ...manifests import Manifest
from ...workloads import as_mapping
from ..base import ReleaseRule, RuleContext, Violation

#: The workloads whose pods a Service is matched against (exact apiVersion and kind, as helm-reval).
WORKLOADS = frozenset(
    {
        ("v1", "Pod"),
        ("apps/v1", "Deployment"),
        ("apps/v1", "ReplicaSet"),
        ("apps/v1", "StatefulSet"),
        ("batch/v1", "Job"),
        ("batch/v1", "CronJob"),
    }
)
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


def check(ctx: RuleContext) -> Iterable[Violation]:
    function = ctx.function
    if function is None or not function.service_name:
        return
    name = function.service_name
    if "{{" in name:
        yield Violation(
            detail=f'helmChartServiceName "{name}" is a template; NVCF needs the literal name of the Service',
            reason="helm chart service name is templated",
            location=function.location("helmChartServiceName"),
            object=function.ref,
        )
        return
    services = [m for m in ctx.manifests if (m.api_version, m.kind) == ("v1", "Service")]
    named = [m for m in services if m.name == name]
    if not named:
        present = ", ".join(sorted({m.name for m in services})) or "none"
        yield Violation(
            detail=f'helm chart service name "{name}" not found; Services in the release: {present}',
            location=function.location("helmChartServiceName"),
            object=function.ref,
        )
        return
    if function.inference_port is None:
        return
    for service in named:
        yield from _check_port(service, function.inference_port, ctx)


def _check_port(service: Manifest, port: int, ctx: RuleContext) -> Iterable[Violation]:
    ports = _as_list(as_mapping(service.obj.get("spec")).get("ports"))
    entries = [(i, p) for i, p in enumerate(ports) if isinstance(p, dict)]
    matching = [(i, p) for i, p in entries if _integer(p.get("port")) == port]
    if not matching:
        listed = ", ".join(json.dumps(p.get("port")) for _, p in entries) or "none"
        yield Violation(
            manifest=service,
            pointer="/spec/ports" if entries else "/spec",
            detail=f'helm chart service "{service.name}" has no port {port}; its ports: {listed}',
            reason="helm chart service lacks the inference port",
        )
        return
    selector, kinds = selection(service)
    selected = [
        (manifest, pod)
        for manifest in ctx.manifests
        if (manifest.api_version, manifest.kind) in WORKLOADS and (kinds is None or manifest.kind in kinds)
        for pod in ctx.pods(manifest)
        if selects(selector, pod.metadata.get("labels"))
    ]
    if not selected:
        only = " StatefulSet" if kinds else ""
        shown = json.dumps(selector, sort_keys=True)
        yield Violation(
            manifest=service,
            pointer="/spec/selector" if "selector" in as_mapping(service.obj.get("spec")) else "/spec",
            detail=f'helm chart service "{service.name}" selects no{only} workload; selector: {shown}',
            reason="helm chart service selects no pod",
        )
        return
    targets = [target_port(entry) for _, entry in matching]
    exposing = {
        container.list_name
        for _, pod in selected
        for container in pod.containers
        for container_port in _as_list(container.spec.get("ports"))
        if isinstance(container_port, dict) and any(port_matches(t, container_port) for t in targets)
    }
    if "containers" in exposing:
        return
    index, entry = matching[0]
    target = targets[0]
    wanted = f'a port named "{target}"' if isinstance(target, str) else f"port {json.dumps(target)}"
    workloads = ", ".join(dict.fromkeys(str(manifest.ref) for manifest, _ in selected))
    init = " (only an init container does)" if "initContainers" in exposing else ""
    detail = f'helm chart service "{service.name}" port {port} targets {wanted}, which no container of {workloads} exposes'
    yield Violation(
        manifest=service,
        pointer=f"/spec/ports/{index}/targetPort" if "targetPort" in entry else f"/spec/ports/{index}",
        detail=detail + init,
        reason="helm chart service port reaches no container",
    )


def selection(service: Manifest) -> tuple[dict[str, Any], frozenset[str] | None]:
    """A Service's selector and the kinds it may select: a ``pod-index`` entry is set on pods at run
    time, so it is dropped and only StatefulSets (whose pods get it) may match."""
    selector = as_mapping(service.obj.get("spec")).get("selector")
    labels = dict(selector) if isinstance(selector, dict) else {}
    if labels.get(POD_INDEX_LABEL) not in (None, ""):
        del labels[POD_INDEX_LABEL]
        return labels, frozenset({"StatefulSet"})
    return labels, None


def selects(selector: dict[str, Any], labels: Any) -> bool:
    """Whether pod ``labels`` carry every ``key: value`` of ``selector`` (an empty selector selects all)."""
    labels = as_mapping(labels)
    return all(key in labels and labels[key] == value for key, value in selector.items())


def target_port(service_port: dict[str, Any]) -> int | str | None:
    """A Service port's ``targetPort``: a number, a container port name, or its ``port`` when unset."""
    target = service_port.get("targetPort")
    if isinstance(target, str) and target:
        return target
    if _integer(target):  # 0 is unset, as in Kubernetes
        return target
    return _integer(service_port.get("port"))


def port_matches(target: int | str | None, container_port: dict[str, Any]) -> bool:
    """A container port is the target: its ``name`` for a named target, its number otherwise."""
    if isinstance(target, str):
        return container_port.get("name") == target
    return target is not None and _integer(container_port.get("containerPort")) == target


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


RULE = ReleaseRule(
    id="function-service",
    title="The function's Service exists and reaches the inference port",
    reason="helm chart service not found",
    severity=Severity.ERROR,
    remediation="Set helmChartServiceName to the literal metadata.name of the Service, give it a port equal to "
    "inferencePort, and point its targetPort at a containerPort (number or name) of the pods it selects.",
    check=check,
    doc=__doc__ or "",
    reference="NVCF docs, Helm-Based Function Creation > Prerequisites; helm-reval service/port matching",
)
