"""NVCF instance types and the GPU arithmetic the GPU gating rules (``rules/gpu_*.py``) share.

An NVCF instance type names the nodes a function instance gets:
``<CSP>.GPU.<GPU>_<gpusPerNode>x[.x<nodes>]`` (``DGXC.GPU.L40S_1x`` is one node with one L40S,
``ON-PREM.GPU.B200_8x.x2`` two whole nodes of eight B200). ``parse_instance_type`` follows the
reference design (admission-and-gpu.md 5.2) exactly: the CSP is upper case (letters, digits,
dashes), ``GPU`` is literal, ``_0x``/``.x0`` are rejected, and the counts are capped
(``max_gpus_per_node``, ``max_nodes``). Strings in any other format (GFN types such as
``gl40_1.br20_2xlarge`` or ``g6.full``, or a bare ``ON-PREM.GPU.A100``) are *unknown*, never an
error: the caller decides what an unknown type means (rule ``gpu-instance-type``).

Where a workload's instance type comes from (``resolve_instance_type``):

1. the instance type given at lint time: ``--instance-type`` (CLI, library) or the function's
   ``deploymentSpecifications[].instanceType``, both ``FunctionSpec.deployment.instance_type``.
   NVCA merges its own annotation over whatever the chart wrote, so the deployment's value is the
   one the cluster will see;
2. the annotation ``nvcf.nvidia.io/instance-type-name`` on the object (NVCA stamps every object);
3. the same annotation on its pod template (CronJob: the job's pod template);
4. the configured extra keys (rule param ``instance_type_annotations``), in the same two places,
   first match wins.

An object whose own annotation and pod-template annotation disagree is *inconsistent* (NVCA
stamps both identically, so the chart set its own).

GPU counting follows the Kubernetes pod resource model: a container's GPUs are its limit (or its
request when no limit is given); a pod's are ``max(sum(app + sidecar init containers),
max(regular init containers))``. Only the whole-GPU resources (param ``gpu_resources``, default
``nvidia.com/gpu``) count towards a node's GPUs; MIG slices and shared (time-sliced) GPUs are
recognised (``gpu_resource_kind``) but not whole GPUs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, NamedTuple

from .workloads import Container, Pod, as_mapping, pods_of, template_annotations

if TYPE_CHECKING:
    from .function import FunctionSpec
    from .manifests import Manifest
    from .rules.base import RuleContext

#: The annotation NVCA stamps on every object and pod template: the full instance-type name.
INSTANCE_TYPE_ANNOTATION = "nvcf.nvidia.io/instance-type-name"
#: The whole-GPU resource of the NVIDIA device plugin.
NVIDIA_GPU = "nvidia.com/gpu"
#: The node label GPU Feature Discovery sets to the GPU model (``NVIDIA-H100-80GB-HBM3``).
GPU_PRODUCT_LABEL = "nvidia.com/gpu.product"

DEFAULT_MAX_GPUS_PER_NODE = 16
DEFAULT_MAX_NODES = 64

INSTANCE_TYPE_RE = re.compile(
    r"^(?P<value>(?P<csp>[A-Z0-9][A-Z0-9-]*)\.GPU\.(?P<gpu>[A-Za-z0-9]+))"
    r"_(?P<per_node>[1-9][0-9]*)x(?:\.x(?P<nodes>[1-9][0-9]*))?$"
)


@dataclass(frozen=True)
class InstanceType:
    """A parsed NVCF instance type: ``ON-PREM.GPU.B200_8x.x2`` → B200, 8 GPUs per node, 2 nodes."""

    name: str  # the full name, as given
    value: str  # the name without the suffix (``ON-PREM.GPU.B200``), what nodes are labelled with
    csp: str
    gpu: str
    gpus_per_node: int
    nodes: int = 1

    @property
    def total_gpus(self) -> int:
        return self.gpus_per_node * self.nodes

    @property
    def multi_node(self) -> bool:
        return self.nodes > 1


def explain_instance_type(
    name: Any, *, max_gpus_per_node: int = DEFAULT_MAX_GPUS_PER_NODE, max_nodes: int = DEFAULT_MAX_NODES
) -> tuple[InstanceType | None, str]:
    """Parse ``name``; ``(InstanceType, "")``, or ``(None, why it is unknown)``."""
    if not isinstance(name, str) or not name:
        return None, "no instance type"
    match = INSTANCE_TYPE_RE.fullmatch(name)
    if match is None:
        return None, f"instance type {name!r} is not in the <CSP>.GPU.<GPU>_<N>x[.x<M>] format"
    per_node = int(match["per_node"])
    nodes = int(match["nodes"] or 1)
    if per_node > max_gpus_per_node:
        return None, f"instance type {name!r}: {per_node} GPUs per node is above the cap of {max_gpus_per_node}"
    if nodes > max_nodes:
        return None, f"instance type {name!r}: {nodes} nodes is above the cap of {max_nodes}"
    return InstanceType(name, match["value"], match["csp"], match["gpu"], per_node, nodes), ""


def parse_instance_type(
    name: Any, *, max_gpus_per_node: int = DEFAULT_MAX_GPUS_PER_NODE, max_nodes: int = DEFAULT_MAX_NODES
) -> InstanceType | None:
    """The ``InstanceType`` of ``name``, or None when it is in another format (unknown, not an error)."""
    return explain_instance_type(name, max_gpus_per_node=max_gpus_per_node, max_nodes=max_nodes)[0]


class Resolution(NamedTuple):
    """A workload's instance type and where it came from.

    ``name`` is the raw string found (None when nothing was found); ``instance_type`` is None when
    that string is unknown (``why`` says why). ``conflict`` describes an object annotation that
    disagrees with its pod template's.
    """

    name: str | None = None
    instance_type: InstanceType | None = None
    source: str = ""
    why: str = "no instance type"
    conflict: str = ""


def _template_annotations(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The annotations of the object's pod template(s) (a Pod has none besides its own)."""
    if obj.get("kind") == "Pod":
        return []
    return template_annotations(obj)


def resolution_of(manifest: Manifest, ctx: RuleContext) -> Resolution:
    """``resolve_instance_type`` for a manifest of the current run, computed once per run."""
    params = ctx.params
    key = (
        "gpu-resolution",
        id(manifest),
        tuple(params.get("instance_type_annotations") or ()),
        params.get("max_gpus_per_node"),
        params.get("max_nodes"),
    )
    return ctx.memo(key, lambda: resolve_instance_type(manifest.obj, ctx.function, params))  # type: ignore[no-any-return]


def workloads_of(ctx: RuleContext) -> list[GpuWorkload]:
    """``gpu_workloads`` of the current run's release, computed once per run."""
    params = ctx.params
    key = (
        "gpu-workloads",
        tuple(params.get("gpu_resources") or ()),
        tuple(params.get("instance_type_annotations") or ()),
        params.get("max_gpus_per_node"),
        params.get("max_nodes"),
    )
    return ctx.memo(key, lambda: list(gpu_workloads(ctx.manifests, ctx.function, params, ctx.pods)))  # type: ignore[no-any-return]


def gpus_of(pod: Pod, ctx: RuleContext) -> int:
    """``pod_gpus`` of a pod of the current run (rule param ``gpu_resources``), computed once per run."""
    resources = tuple(ctx.params["gpu_resources"])
    return ctx.memo(("pod-gpus", id(pod), resources), lambda: pod_gpus(pod, resources))  # type: ignore[no-any-return]


def resolve_instance_type(
    obj: dict[str, Any],
    function: FunctionSpec | None = None,
    params: dict[str, Any] | None = None,
) -> Resolution:
    """Where ``obj``'s instance type comes from (order in the module docstring).

    ``params`` are a GPU rule's params: ``instance_type_annotations`` (keys, in order),
    ``max_gpus_per_node``, ``max_nodes``.
    """
    params = params or {}
    caps = {
        "max_gpus_per_node": params.get("max_gpus_per_node", DEFAULT_MAX_GPUS_PER_NODE),
        "max_nodes": params.get("max_nodes", DEFAULT_MAX_NODES),
    }
    keys: list[str] = list(params.get("instance_type_annotations") or [INSTANCE_TYPE_ANNOTATION])
    own = as_mapping(as_mapping(obj.get("metadata")).get("annotations"))
    templates = _template_annotations(obj)
    conflict = ""
    for key in keys:
        mine = own.get(key)
        theirs = [t.get(key) for t in templates if t.get(key) not in (None, "")]
        for other in theirs:
            if mine not in (None, "") and other != mine:
                conflict = f"annotation {key} is {mine!r} on the object but {other!r} on its pod template"
                break
        if conflict:
            break
    deployment = function.deployment if function is not None else None
    found: tuple[str, str] | None = None
    if deployment is not None and deployment.instance_type:
        found = (deployment.instance_type, "--instance-type")
    else:
        for key in keys:
            if own.get(key) not in (None, ""):
                found = (str(own[key]), f"annotation {key}")
                break
            candidates = [t.get(key) for t in templates if t.get(key) not in (None, "")]
            if candidates:
                found = (str(candidates[0]), f"pod template annotation {key}")
                break
    if found is None:
        return Resolution(conflict=conflict)
    parsed, why = explain_instance_type(found[0], **caps)
    return Resolution(found[0], parsed, found[1], why, conflict)


# --- GPU resources -------------------------------------------------------------------------------


def gpu_resource_kind(resource: str) -> str | None:
    """What kind of GPU resource ``resource`` is: ``gpu`` (whole NVIDIA GPU), ``mig`` (a MIG slice,
    ``nvidia.com/mig-1g.10gb``), ``shared`` (time-sliced ``nvidia.com/gpu.shared`` or
    ``nvidia.com/pgpu``, as NVCA counts them), ``other`` (another vendor's ``*/gpu``); None when it
    is not a GPU resource."""
    if resource == NVIDIA_GPU:
        return "gpu"
    if resource.startswith("nvidia.com/mig-"):
        return "mig"
    if resource in ("nvidia.com/gpu.shared", "nvidia.com/pgpu") or resource.startswith("nvidia.com/gpu."):
        return "shared"
    if resource.endswith("/gpu") or resource.startswith("gpu.intel.com/"):
        return "other"
    return None


def _resources(container: Container, section: str) -> dict[str, Any]:
    return as_mapping(as_mapping(container.spec.get("resources")).get(section))


def gpu_requests(container: Container) -> dict[str, tuple[Any, Any]]:
    """``resource → (request, limit)`` (None when absent) for each GPU resource the container names."""
    requests, limits = _resources(container, "requests"), _resources(container, "limits")
    names = [n for n in (*limits, *requests) if isinstance(n, str) and gpu_resource_kind(n)]
    return {name: (requests.get(name), limits.get(name)) for name in dict.fromkeys(names)}


def quantity(value: Any) -> Fraction | None:
    """A Kubernetes quantity as a number (``8``, ``"8"``, ``"1k"``); None when it is not one."""
    from .reval import quantity as quantities

    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(value).limit_denominator(10**9)
    try:
        return quantities.parse(str(value).strip())[0]
    except ValueError:
        return None


def container_gpus(container: Container, resources: Iterable[str] = (NVIDIA_GPU,)) -> int:
    """Whole GPUs a container gets: its limit of each of ``resources`` (its request when it has no
    limit); values that are not whole numbers count as 0 (rule ``gpu-request-limit`` flags them)."""
    requests, limits = _resources(container, "requests"), _resources(container, "limits")
    total = 0
    for resource in resources:
        value = limits.get(resource, requests.get(resource))
        number = quantity(value)
        if number is not None and number.denominator == 1 and number > 0:
            total += int(number)
    return total


def is_sidecar(container: Container) -> bool:
    return container.list_name == "initContainers" and container.spec.get("restartPolicy") == "Always"


def pod_gpus(pod: Pod, resources: Iterable[str] = (NVIDIA_GPU,)) -> int:
    """A pod's effective GPUs: ``max(sum(app + sidecar init containers), max(regular init containers))``."""
    resources = tuple(resources)
    running = sum(container_gpus(c, resources) for c in pod.containers if c.list_name == "containers" or is_sidecar(c))
    init = [container_gpus(c, resources) for c in pod.containers if c.list_name == "initContainers" and not is_sidecar(c)]
    return max([running, *init])


def requests_any_gpu(pod: Pod) -> bool:
    """Whether any container of the pod names a GPU resource of any kind with a non-zero amount."""
    for container in pod.containers:
        for request, limit in gpu_requests(container).values():
            for value in (request, limit):
                number = quantity(value)
                if (number is None and value not in (None, "")) or (number is not None and number > 0):
                    return True
    return False


def _count(value: Any, default: int) -> int | None:
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def pod_count(obj: dict[str, Any]) -> int | None:
    """How many pods an object runs at once: ``spec.replicas`` of a Deployment, ReplicaSet,
    StatefulSet (default 1), a Job's (CronJob's) ``parallelism`` (default 1), a LeaderWorkerSet's
    ``replicas × leaderWorkerTemplate.size``, 1 for a Pod; None when unknown (DaemonSet, or a value
    that is not a count)."""
    kind = obj.get("kind")
    spec = as_mapping(obj.get("spec"))
    if kind == "Pod":
        return 1
    if kind in ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"):
        return _count(spec.get("replicas"), 1)
    if kind == "Job":
        return _count(spec.get("parallelism"), 1)
    if kind == "CronJob":
        return _count(as_mapping(as_mapping(spec.get("jobTemplate")).get("spec")).get("parallelism"), 1)
    if kind == "LeaderWorkerSet":
        replicas = _count(spec.get("replicas"), 1)
        size = _count(as_mapping(spec.get("leaderWorkerTemplate")).get("size"), 1)
        return None if replicas is None or size is None else replicas * size
    return None


class GpuWorkload(NamedTuple):
    """A pod-bearing object of the release that asks for GPUs, with its resolved instance type."""

    manifest: Manifest
    gpus_per_pod: int  # the largest pod's whole GPUs (LeaderWorkerSet: leader or worker)
    pods: int | None  # pods it runs at once (None: unknown)
    resolution: Resolution


def gpu_workloads(
    manifests: Iterable[Manifest],
    function: FunctionSpec | None,
    params: dict[str, Any],
    pods: Callable[[Manifest], Iterable[Pod]] | None = None,
) -> Iterator[GpuWorkload]:
    """The objects of a release whose pods get whole GPUs (param ``gpu_resources``); ``pods`` gives
    a manifest's pods (``RuleContext.pods``, cached per run; default ``pods_of``)."""
    resources = tuple(params.get("gpu_resources") or (NVIDIA_GPU,))
    for manifest in manifests:
        gpus = [pod_gpus(pod, resources) for pod in (pods(manifest) if pods else pods_of(manifest.obj))]
        if gpus and max(gpus) > 0:
            yield GpuWorkload(manifest, max(gpus), pod_count(manifest.obj), resolve_instance_type(manifest.obj, function, params))


#: Params every GPU rule takes (merged into each rule's schema and defaults).
COMMON_PARAMS_SCHEMA: dict[str, dict[str, Any]] = {
    "instance_type_annotations": {
        "type": "array",
        "items": {"type": "string"},
        "description": "annotation keys naming the instance type, on the object or its pod template, first match wins",
    },
    "gpu_resources": {
        "type": "array",
        "items": {"type": "string"},
        "description": "resources counted as whole GPUs of a node",
    },
    "max_gpus_per_node": {"type": "integer", "minimum": 1, "description": "instance types above are unknown"},
    "max_nodes": {"type": "integer", "minimum": 1, "description": "instance types above are unknown"},
}


def gpu_params_schema(**extra: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema of a GPU rule's params: the common ones plus ``extra``."""
    return {"type": "object", "properties": {**COMMON_PARAMS_SCHEMA, **extra}, "additionalProperties": False}


COMMON_DEFAULTS: dict[str, Any] = {
    "instance_type_annotations": [INSTANCE_TYPE_ANNOTATION],
    "gpu_resources": [NVIDIA_GPU],
    "max_gpus_per_node": DEFAULT_MAX_GPUS_PER_NODE,
    "max_nodes": DEFAULT_MAX_NODES,
}


def plural(count: int, noun: str) -> str:
    """``1 GPU``, ``2 GPUs``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# --- gpu.product labels ---------------------------------------------------------------------------

#: GPU names of instance types whose GFD product label does not contain the name itself
#: (AD102GL is the chip of the L40 / L40S / RTX 6000 Ada boards; NVCA's admin override uses it).
PRODUCT_ALIASES: dict[str, tuple[str, ...]] = {
    "AD102GL": ("AD102", "L40", "L40S", "L40G", "RTX6000ADA", "RTX6000", "6000ADA"),
}


def _norm(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def product_matches(gpu: str, product: str) -> bool:
    """Whether a ``nvidia.com/gpu.product`` value can be the instance type's ``gpu`` (case-insensitive
    containment: ``H100`` in ``NVIDIA-H100-80GB-HBM3``). Conservative: unknown names match."""
    name, value = _norm(gpu), _norm(product)
    if not name or not value:
        return True
    candidates = (name, *PRODUCT_ALIASES.get(name, ()))
    return any(c in value for c in candidates) or value in name
