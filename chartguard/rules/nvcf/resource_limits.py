"""Every container should set resource limits for cpu and memory, and for GPUs it requests.

NVCF: "All containers have resource limits for at least cpu and memory (and nvidia.com/gpu,
ephemeral-storage if required for certain containers)." A container that requests a GPU resource
(``nvidia.com/gpu`` by default) must also limit it. Init containers are checked too; ephemeral
containers cannot set resources.

Fix: a missing GPU limit becomes the container's own request (the API requires the two to be
equal). Other limits are opt-in: they come from the profile's ``fix_limits`` param (e.g.
``{cpu: "1", memory: 1Gi}``; the value ``request`` copies the container's request), and a limit is
never set below the container's request (it is raised to the request instead). Without a
configured value the fix is not safe: chartguard cannot guess how much a container needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ... import quantity
from ...findings import Severity
from ...manifests import Manifest, pointer
from ...workloads import Container, as_mapping, pods_of
from ..base import Fix, ObjectRule, RuleContext, Violation, params_schema, string_list
from ..repair import Patch, Unsafe, repair

#: ``fix_limits`` value meaning "the container's own request".
REQUEST = "request"


def _missing(container: Container, params: dict[str, Any]) -> list[str]:
    """The resources the container must limit and does not."""
    resources = as_mapping(container.spec.get("resources"))
    limits, requests = as_mapping(resources.get("limits")), as_mapping(resources.get("requests"))
    wanted = list(params["required"])
    wanted += [g for g in params["gpu_resources"] if g in requests and g not in wanted]
    return [r for r in wanted if limits.get(r) in (None, "")]


def _checked(container: Container) -> bool:
    return container.list_name != "ephemeralContainers"  # ephemeral containers cannot set resources


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    for pod in ctx.pods(manifest):
        for container in filter(_checked, pod.containers):
            missing = _missing(container, ctx.params)
            if missing:
                resources = as_mapping(container.spec.get("resources"))
                where = "/resources/limits" if as_mapping(resources.get("limits")) else ("/resources" if resources else "")
                yield Violation(
                    detail=f"{container.label}: no limit for {', '.join(missing)}",
                    pointer=container.pointer + where,
                )


def _at_least(value: Any, request: Any) -> Any:
    """``value``, or ``request`` when the container requests more (a limit below the request is
    rejected by the API); ``Unsafe`` when the two cannot be compared."""
    if request in (None, ""):
        return value
    try:
        return request if quantity.parse(str(request).strip())[0] > quantity.parse(str(value).strip())[0] else value
    except ValueError:
        raise Unsafe(f"cannot compare the request {request!r} with the default limit {value!r}") from None


def limit_for(container: Container, resource: str, params: dict[str, Any]) -> Any:
    """The limit the fix sets for a missing ``resource``; ``Unsafe`` when none is configured."""
    requests = as_mapping(as_mapping(container.spec.get("resources")).get("requests"))
    request = requests.get(resource)
    configured = params["fix_limits"].get(resource)
    if (resource in params["gpu_resources"] and request not in (None, "")) or configured == REQUEST:
        if request in (None, ""):
            raise Unsafe(f"{container.label} has no {resource} request to copy as its limit")
        return request
    if configured is None:
        what = "limits" if not params["fix_limits"] else f"{resource} limit"
        raise Unsafe(
            f"no default {what} configured in the profile (rule param fix_limits, e.g. "
            f'{{cpu: "1", memory: 1Gi}}): {container.label} has no {resource} limit'
        )
    return _at_least(configured if isinstance(configured, str) else str(configured), request)


def fix(obj: dict[str, Any], ctx: RuleContext) -> Fix:
    def build(patch: Patch) -> None:
        for pod in pods_of(obj):
            for container in filter(_checked, pod.containers):
                for resource in _missing(container, ctx.params):
                    value = limit_for(container, resource, ctx.params)
                    patch.set(container.pointer + pointer("resources", "limits", resource), value)

    return repair(obj, build)


RULE = ObjectRule(
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
        fix_limits={
            "type": "object",
            "additionalProperties": {"type": ["string", "number"]},
            "description": "limits the fix sets when missing (resource → quantity, or 'request' to copy the "
            "container's request); none by default: the fix is opt-in",
        },
    ),
    defaults={"required": ["cpu", "memory"], "gpu_resources": ["nvidia.com/gpu"], "fix_limits": {}},
    reference="NVCF docs, Security Constraints (should: resource limits)",
    fix=fix,
)
