"""Every container should set resource limits for cpu and memory, and for GPUs it requests.

NVCF: "All containers have resource limits for at least cpu and memory (and nvidia.com/gpu,
ephemeral-storage if required for certain containers)." A container that requests a GPU resource
(``nvidia.com/gpu`` by default) must also limit it. Init containers are checked too; ephemeral
containers cannot set resources.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Severity
from ..manifests import Manifest
from ..workloads import as_mapping
from .base import Rule, RuleContext, Violation, params_schema, string_list


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    for pod in ctx.pods(manifest):
        for container in pod.containers:
            if container.list_name == "ephemeralContainers":
                continue  # ephemeral containers cannot set resources
            resources = as_mapping(container.spec.get("resources"))
            limits, requests = as_mapping(resources.get("limits")), as_mapping(resources.get("requests"))
            wanted = list(ctx.params["required"])
            wanted += [g for g in ctx.params["gpu_resources"] if g in requests and g not in wanted]
            missing = [r for r in wanted if limits.get(r) in (None, "")]
            if missing:
                where = "/resources/limits" if limits else ("/resources" if resources else "")
                yield Violation(
                    detail=f"{container.label}: no limit for {', '.join(missing)}",
                    pointer=container.pointer + where,
                )


RULE = Rule(
    id="resource-limits",
    title="Containers set cpu, memory (and GPU) limits",
    reason="missing resource limits",
    severity=Severity.WARNING,
    remediation="Set resources.limits.cpu and resources.limits.memory (and nvidia.com/gpu equal to the request).",
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema=params_schema(
        required=string_list("resources every container must limit"),
        gpu_resources=string_list("resources that must be limited when requested"),
    ),
    defaults={"required": ["cpu", "memory"], "gpu_resources": ["nvidia.com/gpu"]},
    reference="NVCF docs, Security Constraints (should: resource limits)",
)
