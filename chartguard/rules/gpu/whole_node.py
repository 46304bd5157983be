"""On a multi-node instance type, every GPU pod takes a whole node.

NVCF: "Each GPU-enabled Pod must request a full node of GPUs." With ``ON-PREM.GPU.B200_8x.x2``
every pod that asks for GPUs must ask for exactly 8 (pods with no GPU, such as CPU helpers, are
fine). Checked when the instance type is known and has ``.x<M>`` with M > 1.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation
from .facts import COMMON_DEFAULTS, gpu_params_schema, gpus_of, plural, resolution_of


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    instance = resolution_of(manifest, ctx).instance_type
    if instance is None or not instance.multi_node:
        return
    for pod in ctx.pods(manifest):
        gpus = gpus_of(pod, ctx)
        if 0 < gpus < instance.gpus_per_node:
            yield Violation(
                detail=f"pod asks for {plural(gpus, 'GPU')}; multi-node {instance.name} needs "
                f"{instance.gpus_per_node} per GPU pod",
                pointer=pod.spec_pointer,
            )


RULE = ObjectRule(
    id="gpu-whole-node",
    title="Multi-node GPU pods take whole nodes",
    reason="multi-node GPU pod does not take a whole node",
    severity=Severity.ERROR,
    remediation="On a multi-node instance type, give every GPU pod all of a node's GPUs "
    "(nvidia.com/gpu equal to the instance type's GPUs per node).",
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema=gpu_params_schema(),
    defaults=dict(COMMON_DEFAULTS),
    reference="NVCF docs, Helm-based functions, Multi-node Helm deployment; admission-and-gpu.md 5.4 (G3)",
    category="gpu",
)
