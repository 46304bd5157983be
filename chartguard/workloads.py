"""One pod view over every pod-bearing kind, so pod rules never branch on the workload kind.

``pods_of(obj)`` gives the pod(s) of a Pod, a workload's pod template, a CronJob's job template,
a PodTemplate, or a known custom resource (LeaderWorkerSet), as Pod Security Admission sees them:
metadata, spec, and the containers (init, regular, ephemeral, in that order) with their
securityContext and JSON pointers. NVCF rules and the Pod Security Standards checks share it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .manifests import pointer as json_pointer

#: kind → paths (from the object root) to its pod template(s). A pod template is a mapping with
#: ``metadata`` and ``spec``; a Pod is its own "template" (path ``()``).
POD_TEMPLATE_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Pod": ((),),
    "PodTemplate": (("template",),),
    "Deployment": (("spec", "template"),),
    "ReplicaSet": (("spec", "template"),),
    "StatefulSet": (("spec", "template"),),
    "DaemonSet": (("spec", "template"),),
    "ReplicationController": (("spec", "template"),),
    "Job": (("spec", "template"),),
    "CronJob": (("spec", "jobTemplate", "spec", "template"),),
    "LeaderWorkerSet": (
        ("spec", "leaderWorkerTemplate", "leaderTemplate"),
        ("spec", "leaderWorkerTemplate", "workerTemplate"),
    ),
}


@dataclass(slots=True)
class Container:
    """A container of a pod: init, regular and ephemeral containers alike."""

    name: str
    spec: dict[str, Any]
    security_context: dict[str, Any] | None  # None when unset or null (Go nil); {} is set
    pointer: str  # JSON pointer of the container in the evaluated object
    context: dict[str, Any] = field(default_factory=dict)  # securityContext or {}: ``context.get(f)`` reads a field
    list_name: str = "containers"  # initContainers, containers or ephemeralContainers

    @property
    def label(self) -> str:
        """How messages name the container: ``container "app"`` / ``initContainer "setup"``."""
        return f'{self.list_name[:-1]} "{self.name}"'


@dataclass(slots=True)
class Pod:
    """A pod's metadata and spec, with its containers in PSA's order (init, regular, ephemeral)."""

    metadata: dict[str, Any]
    spec: dict[str, Any]
    containers: tuple[Container, ...]
    pointer: str = ""  # JSON pointer of the pod (template) in the evaluated object: "" or "/spec/template"
    security_context: dict[str, Any] | None = None  # spec.securityContext; None when unset (Go nil)
    context: dict[str, Any] = field(default_factory=dict)  # securityContext or {}: ``context.get(f)`` reads a field
    #: Capabilities a profile lets this pod add beyond its Pod Security level's list (the
    #: capabilities checks read it; param ``allowed_gpu_capabilities``, GPU pods only). Empty: PSA's lists.
    allowed_capabilities: frozenset[str] = frozenset()

    @property
    def spec_pointer(self) -> str:
        return f"{self.pointer}/spec"

    @property
    def annotations(self) -> dict[str, Any]:
        annotations = self.metadata.get("annotations")
        return annotations if isinstance(annotations, dict) else {}

    @property
    def is_windows(self) -> bool:
        os_ = self.spec.get("os")
        return isinstance(os_, dict) and os_.get("name") == "windows"

    @property
    def host_users_false(self) -> bool:
        """``spec.hostUsers`` explicitly false: the pod runs in a user namespace (v1.35 relaxations)."""
        return self.spec.get("hostUsers") is False


CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def pod_under_test(metadata: Any, spec: Any, pointer: str = "") -> Pod:
    """Wrap a pod's metadata and spec (either may be missing: an empty pod)."""
    spec = spec if isinstance(spec, dict) else {}
    containers = []
    for list_name in CONTAINER_LISTS:
        entries = spec.get(list_name)
        if not isinstance(entries, list):
            continue
        for i, entry in enumerate(entries):
            if isinstance(entry, dict):
                name = entry.get("name")
                context = entry.get("securityContext")
                context = context if isinstance(context, dict) else None
                containers.append(
                    Container(
                        name if isinstance(name, str) else "",
                        entry,
                        context,
                        f"{pointer}/spec/{list_name}/{i}",
                        context or {},
                        list_name,
                    )
                )
    pod_context = spec.get("securityContext")
    pod_context = pod_context if isinstance(pod_context, dict) else None
    metadata = metadata if isinstance(metadata, dict) else {}
    return Pod(metadata, spec, tuple(containers), pointer, pod_context, pod_context or {})


#: Kinds whose pod template may be missing (PSA skips them then; custom resources are chartguard's).
_OPTIONAL_TEMPLATE = frozenset({"ReplicationController", "LeaderWorkerSet"})


def templates_of(obj: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """``(path, template)`` for each pod template path of ``obj``'s kind; ``template`` is what is at
    that path (None when missing; a Pod is its own template)."""
    for path in POD_TEMPLATE_PATHS.get(kind_of(obj), ()):
        template: Any = obj
        for part in path:
            template = template.get(part) if isinstance(template, dict) else None
        yield path, template


def pods_of(obj: dict[str, Any]) -> Iterator[Pod]:
    """The pods PSA evaluates for an object: a Pod itself, or a controller's pod template.

    As in PSA, a missing template is evaluated as an empty pod, except for a ReplicationController
    (whose template is optional) and the custom resources.
    """
    optional = kind_of(obj) in _OPTIONAL_TEMPLATE
    for path, template in templates_of(obj):
        if not isinstance(template, dict):
            if optional:
                continue
            template = {}
        yield pod_under_test(template.get("metadata"), template.get("spec"), _pointer(path))


@cache
def _pointer(path: tuple[str, ...]) -> str:
    return json_pointer(*path)


def template_metadata(obj: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(pointer, metadata)`` of each pod template of ``obj`` (a Pod's own at ``""``; no pods are built)."""
    return [(_pointer(path), as_mapping(as_mapping(t).get("metadata"))) for path, t in templates_of(obj)]


def kind_of(obj: dict[str, Any]) -> str:
    """``obj``'s kind; ``""`` when it has none or it is not a string (``kind: {a: b}``)."""
    kind = obj.get("kind")
    return kind if isinstance(kind, str) else ""


def is_pod_bearing(obj: dict[str, Any]) -> bool:
    return kind_of(obj) in POD_TEMPLATE_PATHS


def env_vars(container: Container) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(index, variable)`` for each entry of a container's ``env`` that is a mapping (its pointer:
    ``env_pointer``, built only for the variables a rule reports)."""
    env = container.spec.get("env")
    if isinstance(env, list):
        for i, variable in enumerate(env):
            if isinstance(variable, dict):
                yield i, variable


def env_pointer(container: Container, index: int) -> str:
    """JSON pointer of ``env[index]`` of ``container``."""
    return f"{container.pointer}/env/{index}"


def as_mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else an empty one (rendered fields can be anything)."""
    return value if isinstance(value, dict) else {}
