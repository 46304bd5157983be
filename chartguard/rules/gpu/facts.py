"""NVCF instance types and the GPU arithmetic the GPU gating rules (``rules/gpu/*.py``) share.

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

Consistency (admission-and-gpu.md 5.3): an object whose own annotation and pod-template annotation
disagree is *inconsistent* (NVCA stamps both identically, so the chart set its own), and so is an
annotation ``nvcf.nvidia.io/instance-type-value`` (object or pod template) other than the resolved
type's ``value`` (``ON-PREM.GPU.B200`` for ``ON-PREM.GPU.B200_8x.x2``).

Partial information (5.3 step 5): with no instance-type name, or one in another format, the type's
*value* alone may still be known, from the annotation ``nvcf.nvidia.io/instance-type-value`` (object,
then pod template) or else from the node label ``nvca.nvcf.nvidia.io/instance-type`` the pods pin
(nodeSelector, or ``In`` with one value in every required node-affinity term, as NVCA writes it).
A value in the ``<CSP>.GPU.<GPU>`` format gives the GPU model (``Resolution.partial``) but not the
counts: only the model check (``gpu-product-selector``) uses it; rule ``gpu-instance-type`` decides
whether a GPU request known only this way passes (param ``allow_partial``).

GPU counting follows the Kubernetes pod resource model: a container's GPUs are its limit (or its
request when no limit is given); a pod's are ``max(sum(app + sidecar init containers),
max(regular init containers))``. Only the whole-GPU resources (param ``gpu_resources``, default
``nvidia.com/gpu``) count towards a node's GPUs; MIG slices and shared (time-sliced) GPUs are
recognised (``gpu_resource_kind``) but not whole GPUs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from ... import quantity as quantities
from ...manifests import pointer
from ...printable import clip
from ...workloads import Container, Pod, as_mapping, pods_of, template_metadata, templates_of

if TYPE_CHECKING:
    from ...function import FunctionSpec
    from ...manifests import Manifest
    from ..base import RuleContext

#: The annotation NVCA stamps on every object and pod template: the full instance-type name.
INSTANCE_TYPE_ANNOTATION = "nvcf.nvidia.io/instance-type-name"
#: NVCA's annotation with the instance type's value: the name without the suffix (``DGX-CLOUD.GPU.L40``).
INSTANCE_TYPE_VALUE_ANNOTATION = "nvcf.nvidia.io/instance-type-value"
#: The node label NVCA pins function pods to, by its value (``nvca.nvcf.nvidia.io/instance-type: ON-PREM.GPU.A100``).
INSTANCE_TYPE_NODE_LABEL = "nvca.nvcf.nvidia.io/instance-type"
#: The label NVCA stamps on every object and pod template: the function instance's GPU count.
GPU_COUNT_LABEL = "GPU_COUNT"
#: The whole-GPU resource of the NVIDIA device plugin.
NVIDIA_GPU = "nvidia.com/gpu"
#: The node label GPU Feature Discovery sets to the GPU model (``NVIDIA-H100-80GB-HBM3``).
GPU_PRODUCT_LABEL = "nvidia.com/gpu.product"

DEFAULT_MAX_GPUS_PER_NODE = 16
DEFAULT_MAX_NODES = 64

_VALUE = r"(?P<value>(?P<csp>[A-Z0-9][A-Z0-9-]*)\.GPU\.(?P<gpu>[A-Za-z0-9]+))"
INSTANCE_TYPE_RE = re.compile(rf"^{_VALUE}_(?P<per_node>[1-9][0-9]*)x(?:\.x(?P<nodes>[1-9][0-9]*))?$")
#: An instance type's value (``ON-PREM.GPU.A100``), what nodes are labelled with.
INSTANCE_VALUE_RE = re.compile(rf"^{_VALUE}$")


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


class Conflict(NamedTuple):
    """Annotations that disagree about the instance type: what they say, and where the offending one is."""

    detail: str
    pointer: str


class PartialType(NamedTuple):
    """An instance type known only by its value (``ON-PREM.GPU.A100``): the GPU model, not the counts."""

    value: str
    gpu: str
    source: str


class Resolution(NamedTuple):
    """A workload's instance type and where it came from.

    ``name`` is the raw string found (None when nothing was found); ``instance_type`` is None when
    that string is unknown (``why`` says why), and ``partial`` then holds what partial information
    gives. ``conflicts`` are the inconsistencies found on the way (module docstring).
    """

    name: str | None = None
    instance_type: InstanceType | None = None
    source: str = ""
    why: str = "no instance type"
    conflicts: tuple[Conflict, ...] = ()
    partial: PartialType | None = None

    @property
    def model(self) -> tuple[str, str] | None:
        """``(instance type name or value, GPU name)`` when the GPU model is known, fully or partially."""
        if self.instance_type is not None:
            return self.instance_type.name, self.instance_type.gpu
        if self.partial is not None:
            return self.partial.value, self.partial.gpu
        return None


def stamped_metadata(obj: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(pointer, metadata)`` of the object, then of each of its pod templates (a Pod's once): where
    NVCA stamps its labels and annotations."""
    own = ("", as_mapping(obj.get("metadata")))
    return [own] if obj.get("kind") == "Pod" else [own, *template_metadata(obj)]


def stamped_where(at: str) -> str:
    """How messages name a place of ``stamped_metadata``: ``on the object`` or ``on its pod template``."""
    return "on the object" if at == "" else "on its pod template"


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

    def workloads() -> list[GpuWorkload]:
        def resolve(manifest: Manifest) -> Resolution:
            return resolution_of(manifest, ctx)

        return list(gpu_workloads(ctx.manifests, params, ctx.pods, resolve, gpus=lambda pod: gpus_of(pod, ctx)))

    return ctx.memo(key, workloads)  # type: ignore[no-any-return]


def requests_of(container: Container, ctx: RuleContext) -> dict[str, tuple[Any, Any]]:
    """``gpu_requests`` of a container of the current run, computed once per run."""
    return ctx.memo(("gpu-requests", id(container)), lambda: gpu_requests(container))  # type: ignore[no-any-return]


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
    places = [(at, as_mapping(metadata.get("annotations"))) for at, metadata in stamped_metadata(obj)]
    own, templates = places[0][1], places[1:]
    conflicts = _name_conflicts(keys, own, templates)
    deployment = function.deployment if function is not None else None
    found: tuple[str, str] | None = None
    if deployment is not None and deployment.instance_type:
        found = (deployment.instance_type, "--instance-type")
    else:
        for key in keys:
            if own.get(key) not in (None, ""):
                found = (str(own[key]), f"annotation {key}")
                break
            candidates = [t.get(key) for _, t in templates if t.get(key) not in (None, "")]
            if candidates:
                found = (str(candidates[0]), f"pod template annotation {key}")
                break
    if found is None:
        return Resolution(conflicts=conflicts, partial=_partial(obj, places))
    parsed, why = explain_instance_type(found[0], **caps)
    if parsed is None:
        return Resolution(found[0], None, found[1], why, conflicts, _partial(obj, places))
    return Resolution(found[0], parsed, found[1], why, conflicts + _value_conflicts(parsed, places))


def _name_conflicts(keys: list[str], own: dict[str, Any], templates: list[tuple[str, dict[str, Any]]]) -> tuple[Conflict, ...]:
    """The first instance-type annotation whose value on the object differs from its pod template's."""
    for key in keys:
        mine = own.get(key)
        if mine in (None, ""):
            continue
        for _, theirs in templates:
            other = theirs.get(key)
            if other not in (None, "") and other != mine:
                detail = f"annotation {key} is {mine!r} on the object but {other!r} on its pod template"
                return (Conflict(detail, pointer("metadata", "annotations", key)),)
    return ()


def _value_conflicts(instance: InstanceType, places: list[tuple[str, dict[str, Any]]]) -> tuple[Conflict, ...]:
    """Each ``nvcf.nvidia.io/instance-type-value`` annotation (``places``: ``(pointer, annotations)`` of the
    object and its pod templates) other than the instance type's value."""
    key = INSTANCE_TYPE_VALUE_ANNOTATION
    return tuple(
        Conflict(
            f"annotation {key}={value} {stamped_where(at)} ≠ {instance.value} (instance type {instance.name})",
            at + pointer("metadata", "annotations", key),
        )
        for at, stamped in places
        if (value := stamped.get(key)) not in (None, "") and value != instance.value
    )


def _partial(obj: dict[str, Any], places: list[tuple[str, dict[str, Any]]]) -> PartialType | None:
    """The instance type's value from partial information (module docstring), when it names a GPU."""
    key = INSTANCE_TYPE_VALUE_ANNOTATION
    for at, stamped in places:
        match = INSTANCE_VALUE_RE.fullmatch(str(stamped.get(key) or ""))
        if match:
            return PartialType(match["value"], match["gpu"], f"{'annotation' if at == '' else 'pod template annotation'} {key}")
    pins = {pin for _, t in templates_of(obj) if (pin := pinned_value(as_mapping(as_mapping(t).get("spec")))) is not None}
    match = INSTANCE_VALUE_RE.fullmatch(pins.pop()) if len(pins) == 1 else None
    if match:
        return PartialType(match["value"], match["gpu"], f"node selector {INSTANCE_TYPE_NODE_LABEL}")
    return None


# --- GPU resources -------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
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
    if not names:
        return {}
    return {name: (requests.get(name), limits.get(name)) for name in dict.fromkeys(names)}


#: GPU quantities above this (Kubernetes' int64) are not counts but invalid values.
MAX_GPU_QUANTITY = 2**63 - 1
#: A count written as text has at most this many digits (more is beyond MAX_GPU_QUANTITY).
_MAX_COUNT_DIGITS = len(str(MAX_GPU_QUANTITY))


def quantity(value: Any) -> Fraction | None:
    """A Kubernetes quantity as a number (``8``, ``"8"``, ``"1k"``); None when it is not one, or
    not a finite one within ±``MAX_GPU_QUANTITY`` (``.inf``, ``.nan``, ``1e400``: ``out_of_range``)."""
    number = _number(value)
    return number if number is not None and not _beyond(number) else None


def out_of_range(value: Any) -> bool:
    """Whether ``value`` is a finite quantity beyond ±``MAX_GPU_QUANTITY``."""
    number = _number(value)
    return number is not None and _beyond(number)


def _beyond(number: Fraction) -> bool:
    """Whether ``|number|`` exceeds ``MAX_GPU_QUANTITY`` (in integers: Fraction arithmetic is slow)."""
    return abs(number.numerator) > MAX_GPU_QUANTITY * number.denominator


def _number(value: Any) -> Fraction | None:
    """``value`` as a finite quantity, however large; None when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(value).limit_denominator(10**9) if math.isfinite(value) else None
    count = literal_count(value)
    if count is not None:  # the usual GPU count: "8"
        return Fraction(count)
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


def requests_any_gpu(pod: Pod, requests: Callable[[Container], dict[str, tuple[Any, Any]]] = gpu_requests) -> bool:
    """Whether any container of the pod names a GPU resource of any kind with a non-zero amount
    (``requests``: a container's ``gpu_requests``, e.g. memoised by ``requests_of``)."""
    for container in pod.containers:
        for request, limit in requests(container).values():
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
    params: dict[str, Any],
    pods: Callable[[Manifest], Iterable[Pod]] | None = None,
    resolve: Callable[[Manifest], Resolution] | None = None,
    function: FunctionSpec | None = None,
    gpus: Callable[[Pod], int] | None = None,
) -> Iterator[GpuWorkload]:
    """The objects of a release whose pods get whole GPUs (param ``gpu_resources``); ``pods`` gives
    a manifest's pods (``RuleContext.pods``, cached per run; default ``pods_of``), ``resolve`` its
    instance type (``resolution_of``, cached per run; default ``resolve_instance_type`` with ``function``),
    ``gpus`` a pod's GPUs (``gpus_of``, cached per run; default ``pod_gpus``)."""
    resources = tuple(params.get("gpu_resources") or (NVIDIA_GPU,))
    count = gpus or (lambda pod: pod_gpus(pod, resources))
    for manifest in manifests:
        per_pod = [count(pod) for pod in (pods(manifest) if pods else pods_of(manifest.obj))]
        if per_pod and max(per_pod) > 0:
            resolution = resolve(manifest) if resolve else resolve_instance_type(manifest.obj, function, params)
            yield GpuWorkload(manifest, max(per_pod), pod_count(manifest.obj), resolution)


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


def literal_count(value: Any) -> int | None:
    """A count written as a label or env value (``"8"``, ``8``); None when it is not a whole number
    (or has more digits than any GPU count)."""
    text = "" if value is None or isinstance(value, bool) else str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= _MAX_COUNT_DIGITS else None


#: A value a GPU rule's message quotes is cut to this many characters.
QUOTED_CHARS = 40


def quoted(text: str) -> str:
    """``text`` (a value from the object) as a GPU rule's message quotes it: cut when long."""
    return clip(text, QUOTED_CHARS)


def plural(count: int, noun: str) -> str:
    """``1 GPU``, ``2 GPUs``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# --- node selection -------------------------------------------------------------------------------

#: Where a pod spec's required node-affinity terms are, below the spec.
REQUIRED_TERMS_POINTER = "/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms"


def required_node_terms(spec: dict[str, Any]) -> list[Any]:
    """A pod spec's required node-affinity terms: alternatives, a node must match one ([] when none)."""
    node_affinity = as_mapping(as_mapping(spec.get("affinity")).get("nodeAffinity"))
    terms = as_mapping(node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")).get("nodeSelectorTerms")
    return terms if isinstance(terms, list) else []


def term_expressions(term: Any, key: str) -> Iterator[tuple[int, str, list[str]]]:
    """``(index, operator, values)`` of each ``matchExpressions`` entry of a node-selector term on label ``key``."""
    expressions = as_mapping(term).get("matchExpressions")
    for index, expression in enumerate(expressions if isinstance(expressions, list) else []):
        expression = as_mapping(expression)
        if expression.get("key") == key:
            values = expression.get("values")
            listed = [str(v) for v in values if v not in (None, "")] if isinstance(values, list) else []
            yield index, str(expression.get("operator")), listed


def pinned_value(spec: dict[str, Any], key: str = INSTANCE_TYPE_NODE_LABEL) -> str | None:
    """The one value a pod spec pins node label ``key`` to: its nodeSelector's, else that of an ``In``
    with exactly one value in every required node-affinity term (NVCA's form); None when it pins no
    single value."""
    selector = as_mapping(spec.get("nodeSelector")).get(key)
    if selector not in (None, ""):
        return str(selector)
    pins: set[str] = set()
    for term in required_node_terms(spec):
        values = [v[0] for _, operator, v in term_expressions(term, key) if operator == "In" and len(v) == 1]
        if not values:
            return None
        pins.update(values)
    return pins.pop() if len(pins) == 1 else None


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
