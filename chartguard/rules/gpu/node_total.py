"""On a single-node instance type, all the GPUs of the release fit the node.

``DGXC.GPU.L40S_1x`` is one node with one L40S: the GPU pods of the release together (each
workload's pods × GPUs per pod; a StatefulSet or Deployment with ``replicas: 2`` and one GPU
per pod needs 2) must not ask for more than that node has. Workloads whose pod count is unknown
(templated, autoscaled, DaemonSet) are skipped. Objects checked alone (the webhook) can only be
summed one at a time; back the namespace with a ``ResourceQuota`` on ``requests.nvidia.com/gpu``
for the cross-object total.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...workloads import as_mapping
from ..base import ReleaseRule, RuleContext, Violation
from .facts import COMMON_DEFAULTS, GpuWorkload, gpu_params_schema, workloads_of


def check(ctx: RuleContext) -> Iterable[Violation]:
    groups: dict[str, list[GpuWorkload]] = {}
    for workload in workloads_of(ctx):
        instance = workload.resolution.instance_type
        if instance is not None and not instance.multi_node and workload.pods is not None:
            groups.setdefault(instance.name, []).append(workload)
    for workloads in groups.values():
        instance = workloads[0].resolution.instance_type
        assert instance is not None
        total = sum((w.pods or 0) * w.gpus_per_pod for w in workloads)
        if total <= instance.total_gpus:
            continue
        parts = ", ".join(f"{w.manifest.kind} {w.manifest.name}: {w.pods}×{w.gpus_per_pod}" for w in workloads)
        if len(workloads) == 1:
            parts = f"{workloads[0].pods} pods × {workloads[0].gpus_per_pod}"
        for workload in workloads:
            spec = as_mapping(workload.manifest.obj.get("spec"))
            yield Violation(
                detail=f"{total} GPUs in the release ({parts}); {instance.name} has {instance.total_gpus}",
                pointer="/spec/replicas" if "replicas" in spec else "",
                manifest=workload.manifest,
            )


RULE = ReleaseRule(
    id="gpu-node-total",
    title="Single-node: the release's GPUs fit the node",
    reason="release needs more GPUs than the node has",
    severity=Severity.ERROR,
    remediation="Lower replicas or GPUs per pod so the release fits one node of the instance type, or choose a "
    "larger (or multi-node) instance type.",
    check=check,
    doc=__doc__ or "",
    params_schema=gpu_params_schema(),
    defaults=dict(COMMON_DEFAULTS),
    reference="admission-and-gpu.md 4.5 (quota in GPUs), 5.4 (G5)",
    category="gpu",
)
