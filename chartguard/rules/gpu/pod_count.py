"""On a multi-node instance type, the release runs exactly one GPU pod per node.

``ON-PREM.GPU.B200_8x.x2`` is two nodes: the GPU pods of the release (a StatefulSet's or
Deployment's ``replicas``, a Job's ``parallelism``, a LeaderWorkerSet's ``replicas × size``, 1 per
bare Pod) must add up to 2. NVIDIA's multi-node sample sets ``replicas`` from ``nodesPerInstance``,
which the deployer must keep equal to the ``.x<M>`` of the instance type. A LeaderWorkerSet must be
one group (``replicas: 1``) of ``size`` = nodes. As a stateless backstop for objects checked alone
(the webhook), a GPU Pod whose ``apps.kubernetes.io/pod-index`` or
``leaderworkerset.sigs.k8s.io/worker-index`` label is ≥ the node count, or whose LWS
``group-index`` is ≥ 1, is flagged too. Workloads whose pod count is unknown (a templated or
autoscaled count, a DaemonSet) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...findings import Severity
from ...workloads import as_mapping
from ..base import ReleaseRule, RuleContext, Violation
from .facts import COMMON_DEFAULTS, GpuWorkload, gpu_params_schema, literal_count, plural, workloads_of

_INDEX_LABELS = ("apps.kubernetes.io/pod-index", "leaderworkerset.sigs.k8s.io/worker-index")


def _index(labels: dict[str, Any], key: str) -> int | None:
    value = labels.get(key)
    return literal_count(value) if isinstance(value, str) else None


def check(ctx: RuleContext) -> Iterable[Violation]:
    groups: dict[str, list[GpuWorkload]] = {}
    for workload in workloads_of(ctx):
        instance = workload.resolution.instance_type
        if instance is not None and instance.multi_node:
            groups.setdefault(instance.name, []).append(workload)
    for workloads in groups.values():
        instance = workloads[0].resolution.instance_type
        assert instance is not None
        for workload in workloads:
            obj = workload.manifest.obj
            if obj.get("kind") == "Pod":
                labels = as_mapping(as_mapping(obj.get("metadata")).get("labels"))
                for key in _INDEX_LABELS:
                    index = _index(labels, key)
                    if index is not None and index >= instance.nodes:
                        yield Violation(
                            detail=f"{key} {index} ≥ {instance.nodes} nodes of {instance.name}",
                            pointer="/metadata/labels",
                            manifest=workload.manifest,
                        )
                group = _index(labels, "leaderworkerset.sigs.k8s.io/group-index")
                if group is not None and group >= 1:
                    yield Violation(
                        detail=f"LeaderWorkerSet group {group}: one {instance.name} instance is one group",
                        pointer="/metadata/labels",
                        manifest=workload.manifest,
                    )
            if obj.get("kind") == "LeaderWorkerSet":
                spec = as_mapping(obj.get("spec"))
                size = as_mapping(spec.get("leaderWorkerTemplate")).get("size", 1)
                replicas = spec.get("replicas", 1)
                if replicas != 1 or size != instance.nodes:
                    yield Violation(
                        detail=f"replicas {replicas}, size {size}; {instance.name} needs 1 group of {instance.nodes}",
                        pointer="/spec",
                        manifest=workload.manifest,
                    )
                    continue
        known = [w for w in workloads if w.pods is not None and w.manifest.kind != "Pod"]
        bare_pods = [w for w in workloads if w.manifest.kind == "Pod"]
        if any(w.pods is None for w in workloads) or (bare_pods and not known):
            continue  # unknown counts, or bare Pods checked alone (index labels above)
        total = sum(w.pods or 0 for w in workloads)
        if total == instance.nodes:
            continue
        parts = ", ".join(f"{w.manifest.kind} {w.manifest.name}: {w.pods}" for w in workloads)
        counted = plural(total, "GPU pod") + (f" ({parts})" if len(workloads) > 1 else "")
        for workload in known:
            yield Violation(
                detail=f"{counted}; {instance.name} has {instance.nodes} nodes",
                pointer="/spec/replicas" if "replicas" in as_mapping(workload.manifest.obj.get("spec")) else "/spec",
                manifest=workload.manifest,
            )


RULE = ReleaseRule(
    id="gpu-pod-count",
    title="Multi-node: one GPU pod per node",
    reason="GPU pods do not match the node count",
    severity=Severity.ERROR,
    remediation="Run exactly as many GPU pods as the instance type has nodes (replicas = the .x<M> of the "
    "instance type; NVIDIA's sample: nodesPerInstance).",
    check=check,
    doc=__doc__ or "",
    params_schema=gpu_params_schema(),
    defaults=dict(COMMON_DEFAULTS),
    reference="admission-and-gpu.md 4.4, 4.7, 5.4 (G4, G4b)",
    category="gpu",
)
