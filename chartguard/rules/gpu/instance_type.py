"""A workload that asks for GPUs has a known instance type.

The GPU rules can only check a GPU workload against its instance type. The type comes from
``--instance-type`` (or the function's deployment ``instanceType``), else from the annotation
``nvcf.nvidia.io/instance-type-name`` on the object or its pod template (NVCA stamps both; extra
keys: param ``instance_type_annotations``). A GPU request with no instance type, or one in another
format (GFN types such as ``g6.full``), is flagged unless param ``allow_unknown`` is true; param
``allow_missing`` lets a GPU request with no instance type at all pass (an unknown one is still
flagged).

Partial information: with no instance-type name, the annotation ``nvcf.nvidia.io/instance-type-value``
(``ON-PREM.GPU.A100``) or the pods' nodeSelector / required node affinity on
``nvca.nvcf.nvidia.io/instance-type`` may still name the type's value. The GPU model is then known
and ``gpu-product-selector`` checks it, but the GPU counts are not: such a GPU request is flagged
("GPU counts not checked") unless param ``allow_partial`` (or ``allow_missing``) is true.

Inconsistent instance type: the object's own annotation and its pod template's must agree, and an
``nvcf.nvidia.io/instance-type-value`` annotation (object or pod template) must equal the type's
value, the name without the ``_<N>x[.x<M>]`` suffix (NVCA stamps them all from one instance type, so
a mismatch means the chart wrote its own).

Severity: an error by default (the admission gate denies; profile ``nvcf-webhook``). The ``nvcf``
lint profile makes it a warning and sets ``allow_missing``, because chart authors usually lint
without knowing the instance type (and NVCA stamps the annotation only at deploy time): lint with
``--instance-type`` (e.g. ``ON-PREM.GPU.B200_8x.x2``) or ``--deployment`` to run the GPU rules; an
instance type given in another format is then a warning.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation
from .facts import COMMON_DEFAULTS, gpu_params_schema, requests_any_gpu, requests_of, resolution_of


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    resolution = resolution_of(manifest, ctx)
    for conflict in resolution.conflicts:
        yield Violation(detail=conflict.detail, pointer=conflict.pointer, reason="inconsistent instance type")
    params = ctx.params
    if params["allow_unknown"] or resolution.instance_type is not None:
        return
    partial = resolution.partial if resolution.name is None else None
    if resolution.name is None and (params["allow_missing"] or (partial is not None and params["allow_partial"])):
        return
    pods = [pod for pod in ctx.pods(manifest) if requests_any_gpu(pod, lambda container: requests_of(container, ctx))]
    if not pods:
        return
    if partial is not None:
        yield Violation(
            detail=f"only the value {partial.value} of the instance type is known ({partial.source}): GPU counts not checked",
            pointer=pods[0].spec_pointer,
            reason="GPU request with a partly known instance type",
        )
    else:
        yield Violation(detail=f"{resolution.why}: GPU rules not checked", pointer=pods[0].spec_pointer)


RULE = ObjectRule(
    id="gpu-instance-type",
    title="GPU workloads have a known instance type",
    reason="GPU request with no known instance type",
    severity=Severity.ERROR,
    remediation="Lint with --instance-type <CSP>.GPU.<GPU>_<N>x[.x<M>] (or --deployment); at admission NVCA "
    "sets the nvcf.nvidia.io/instance-type-name annotation.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema=gpu_params_schema(
        allow_unknown={"type": "boolean", "description": "GPU requests with no known instance type pass"},
        allow_missing={"type": "boolean", "description": "GPU requests with no instance type at all pass"},
        allow_partial={
            "type": "boolean",
            "description": "GPU requests whose instance type is known only by its value (the GPU model) pass",
        },
    ),
    defaults={**COMMON_DEFAULTS, "allow_unknown": False, "allow_missing": False, "allow_partial": False},
    reference="admission-and-gpu.md 4.6, 5.2, 5.3, 5.4 (G9)",
    category="gpu",
)
