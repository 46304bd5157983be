"""Containers ask only for the GPU resources the profile allows (``nvidia.com/gpu`` by default).

NVCF instance types name whole GPUs (``<CSP>.GPU.<GPU>_<N>x``); they do not encode MIG slices or
time-sliced sharing. A container that asks for a MIG slice (``nvidia.com/mig-1g.10gb``, the MIG
"mixed" strategy), a shared GPU (``nvidia.com/gpu.shared``, ``nvidia.com/pgpu``) or another
vendor's GPU (``amd.com/gpu``) is flagged, unless the profile enables it: params ``allow_mig``,
``allow_shared`` and ``allowed`` (extra resource names). Under the MIG "single" strategy slices are
advertised as ``nvidia.com/gpu`` and pass.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest, pointer
from ..base import ObjectRule, RuleContext, Violation, string_list
from .facts import COMMON_DEFAULTS, gpu_params_schema, gpu_resource_kind, requests_of

_WHAT = {"mig": "a MIG slice", "shared": "a shared (time-sliced) GPU", "other": "another vendor's GPU"}


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    allowed = set(ctx.params["allowed"]) | set(ctx.params["gpu_resources"])
    for pod in ctx.pods(manifest):
        for container in pod.containers:
            for resource in requests_of(container, ctx):
                kind = gpu_resource_kind(resource)
                if resource in allowed or kind == "gpu":
                    continue
                if (kind == "mig" and ctx.params["allow_mig"]) or (kind == "shared" and ctx.params["allow_shared"]):
                    continue
                resources = container.spec.get("resources") or {}
                section = "limits" if resource in (resources.get("limits") or {}) else "requests"
                yield Violation(
                    detail=f"{container.label}: {resource} is {_WHAT.get(kind or '', 'a GPU resource')}",
                    pointer=container.pointer + pointer("resources", section, resource),
                )


RULE = ObjectRule(
    id="gpu-resource-names",
    title="Only allowed GPU resources",
    reason="GPU resource not allowed",
    severity=Severity.ERROR,
    remediation="Request whole GPUs as nvidia.com/gpu (NVCF instance types are whole GPUs); enable MIG or shared "
    "GPUs in the profile (params allow_mig, allow_shared) only where the cluster offers them.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema=gpu_params_schema(
        allowed=string_list("extra GPU resource names allowed"),
        allow_mig={"type": "boolean", "description": "allow nvidia.com/mig-* (MIG mixed strategy)"},
        allow_shared={"type": "boolean", "description": "allow nvidia.com/gpu.shared and nvidia.com/pgpu"},
    ),
    defaults={**COMMON_DEFAULTS, "allowed": [], "allow_mig": False, "allow_shared": False},
    reference="admission-and-gpu.md 4.3, 5.4 (G0); NVIDIA k8s-device-plugin README (MIG, time-slicing)",
    category="gpu",
)
