"""The ``GPU_COUNT`` label equals the instance type's GPUs (per node × nodes).

NVCA labels every object and pod template of a function with ``GPU_COUNT``, the instance's
requested GPU count. NVCA registers a multi-node instance type with GPUs per node × nodes, and ICMS
copies that count into the label, so ``ON-PREM.GPU.B200_8x.x2`` should carry ``GPU_COUNT: "16"``.
On pod-bearing objects with a known instance type, a ``GPU_COUNT`` label (on the object or its pod
template) that is another number, or not a whole number, is flagged. A warning only: the derivation
was read from NVCA's code, not observed on a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest, pointer
from ...workloads import as_mapping
from ..base import ObjectRule, RuleContext, Violation
from .facts import (
    COMMON_DEFAULTS,
    GPU_COUNT_LABEL,
    gpu_params_schema,
    literal_count,
    quoted,
    resolution_of,
    stamped_metadata,
    stamped_where,
)


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    instance = resolution_of(manifest, ctx).instance_type
    if instance is None:
        return
    for at, metadata in stamped_metadata(manifest.obj):
        labels = as_mapping(metadata.get("labels"))
        if GPU_COUNT_LABEL not in labels:
            continue
        if literal_count(labels[GPU_COUNT_LABEL]) == instance.total_gpus:
            continue
        yield Violation(
            detail=f"label {GPU_COUNT_LABEL}={quoted(str(labels[GPU_COUNT_LABEL]))} {stamped_where(at)} ≠ {instance.total_gpus} "
            f"({instance.name}: {instance.gpus_per_node} per node × {instance.nodes})",
            pointer=at + pointer("metadata", "labels", GPU_COUNT_LABEL),
        )


RULE = ObjectRule(
    id="gpu-count-label",
    title="GPU_COUNT label matches the instance type",
    reason="GPU_COUNT label differs from the instance type",
    severity=Severity.WARNING,
    remediation="Drop the chart's own GPU_COUNT label (NVCA stamps it) or set it to the instance type's GPUs per node × nodes.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema=gpu_params_schema(),
    defaults=dict(COMMON_DEFAULTS),
    reference="admission-and-gpu.md 4.6 (labels), 5.3 (consistency checks)",
    category="gpu",
)
