"""A GPU pod asks for no more GPUs than one node of the instance type has.

A pod runs on one node: with ``DGXC.GPU.L40S_1x`` (one GPU per node) a pod asking for two GPUs
can never be scheduled, and with ``ON-PREM.GPU.B200_8x.x2`` no pod may ask for more than 8. The
pod's GPUs follow the Kubernetes pod resource model (app and sidecar containers add up, a regular
init container counts on its own). Checked only when the instance type is known (``--instance-type``,
the function's deployment, or the ``nvcf.nvidia.io/instance-type-name`` annotation; see
``chartguard.rules.gpu.facts``).
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation
from .facts import COMMON_DEFAULTS, gpu_params_schema, gpus_of, plural, resolution_of


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    instance = resolution_of(manifest, ctx).instance_type
    if instance is None:
        return
    for pod in ctx.pods(manifest):
        gpus = gpus_of(pod, ctx)
        if gpus > instance.gpus_per_node:
            yield Violation(
                detail=f"pod asks for {plural(gpus, 'GPU')}; {instance.name} has {instance.gpus_per_node} per node",
                pointer=pod.spec_pointer,
            )


RULE = ObjectRule(
    id="gpu-pod-fits-node",
    title="GPUs per pod fit one node",
    reason="pod needs more GPUs than a node has",
    severity=Severity.ERROR,
    remediation="Ask for at most the instance type's GPUs per node in each pod, or deploy on a larger instance type.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema=gpu_params_schema(),
    defaults=dict(COMMON_DEFAULTS),
    reference="admission-and-gpu.md 4.5, 5.4 (G2)",
    category="gpu",
)
