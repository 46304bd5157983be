"""A ``nvidia.com/gpu.product`` node selector does not contradict the instance type's GPU.

GPU Feature Discovery labels nodes with their GPU model (``nvidia.com/gpu.product:
NVIDIA-H100-80GB-HBM3``). A GPU pod pinned to another model than its instance type's can never be
scheduled: ``OCI.GPU.H100_8x`` with ``nodeSelector: {nvidia.com/gpu.product: NVIDIA-A100-SXM4-80GB}``.
Conservative: a value contradicts when it does not contain the GPU name (case and punctuation
ignored; ``AD102GL`` also matches L40/L40S/RTX 6000 Ada); a required node-affinity ``In`` contradicts
only when none of its values match, and affinity terms (alternatives) only when every term
contradicts. Preferred affinity and ``NotIn`` are not checked.

The GPU model comes from the instance type, or from partial information when only the type's value
is known (``nvcf.nvidia.io/instance-type-value: ON-PREM.GPU.A100``, or a node selector on
``nvca.nvcf.nvidia.io/instance-type``; see ``gpu-instance-type``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...findings import Severity
from ...manifests import Manifest
from ...workloads import Pod, as_mapping
from ..base import ObjectRule, RuleContext, Violation
from .facts import (
    COMMON_DEFAULTS,
    GPU_PRODUCT_LABEL,
    REQUIRED_TERMS_POINTER,
    gpu_params_schema,
    gpus_of,
    product_matches,
    required_node_terms,
    resolution_of,
    term_expressions,
)


def _term_contradiction(term: Any, gpu: str) -> str:
    """The contradicting values of one node-selector term ("" when it does not contradict)."""
    for _, operator, values in term_expressions(term, GPU_PRODUCT_LABEL):
        if operator == "In" and values and not any(product_matches(gpu, v) for v in values):
            return ", ".join(values)
    return ""


def _contradictions(pod: Pod, gpu: str) -> Iterable[tuple[str, str]]:
    selector = as_mapping(pod.spec.get("nodeSelector")).get(GPU_PRODUCT_LABEL)
    if isinstance(selector, str) and not product_matches(gpu, selector):
        yield f"nodeSelector {GPU_PRODUCT_LABEL}={selector}", f"{pod.spec_pointer}/nodeSelector"
    terms = required_node_terms(pod.spec)
    if terms:
        found = [_term_contradiction(term, gpu) for term in terms]
        if all(found):
            yield f"required node affinity {GPU_PRODUCT_LABEL} in {'; '.join(found)}", pod.spec_pointer + REQUIRED_TERMS_POINTER


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    model = resolution_of(manifest, ctx).model
    if model is None:
        return
    named, gpu = model
    for pod in ctx.pods(manifest):
        if gpus_of(pod, ctx) == 0:
            continue
        for what, where in _contradictions(pod, gpu):
            yield Violation(detail=f"{what}; {named} has {gpu} GPUs", pointer=where)


RULE = ObjectRule(
    id="gpu-product-selector",
    title="GPU product selectors match the instance type",
    reason="gpu.product selector contradicts the instance type",
    severity=Severity.WARNING,
    remediation="Drop the nvidia.com/gpu.product selector (NVCA pins pods to the instance type's nodes) or make "
    "it name the instance type's GPU.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema=gpu_params_schema(),
    defaults=dict(COMMON_DEFAULTS),
    reference="NVIDIA GPU Feature Discovery labels; admission-and-gpu.md 4.2, 4.5, 5.4 (G7)",
    category="gpu",
)
