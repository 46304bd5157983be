"""One pod view over every pod-bearing kind, so pod rules never branch on the workload kind.

``pod_specs(obj)`` finds the pod spec(s) inside a Pod, a workload's pod template, a CronJob's job
template, a PodTemplate, or a known custom resource (LeaderWorkerSet), each with the JSON pointer
of the spec. ``containers(pod)`` walks init, regular and ephemeral containers with their pointers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .manifests import pointer

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

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True)
class PodView:
    """A pod spec found inside an object; ``pointer`` is the JSON pointer of ``spec``."""

    spec: dict[str, Any]
    metadata: dict[str, Any]
    pointer: str

    @property
    def security_context(self) -> dict[str, Any]:
        return as_mapping(self.spec.get("securityContext"))

    @property
    def annotations(self) -> dict[str, Any]:
        return as_mapping(self.metadata.get("annotations"))

    def annotation_pointer(self, key: str) -> str:
        """JSON pointer of an annotation on the pod (template) metadata."""
        return self.pointer[: -len("/spec")] + pointer("metadata", "annotations", key)


@dataclass(frozen=True)
class ContainerView:
    """A container of a pod; ``list_name`` is ``containers``, ``initContainers`` or ``ephemeralContainers``."""

    container: dict[str, Any]
    list_name: str
    pointer: str

    @property
    def name(self) -> str:
        name = self.container.get("name")
        return name if isinstance(name, str) else ""

    @property
    def label(self) -> str:
        """How messages name the container: ``container "app"`` / ``initContainer "setup"``."""
        return f'{self.list_name[:-1]} "{self.name}"'

    @property
    def security_context(self) -> dict[str, Any]:
        return as_mapping(self.container.get("securityContext"))


def is_pod_bearing(obj: dict[str, Any]) -> bool:
    return obj.get("kind") in POD_TEMPLATE_PATHS


def pod_specs(obj: dict[str, Any]) -> list[PodView]:
    """Every pod spec inside ``obj`` (empty for kinds that carry none)."""
    views = []
    for path in POD_TEMPLATE_PATHS.get(obj.get("kind"), ()):  # type: ignore[arg-type]
        template: Any = obj
        for part in path:
            template = template.get(part) if isinstance(template, dict) else None
        if isinstance(template, dict) and isinstance(template.get("spec"), dict):
            views.append(PodView(template["spec"], as_mapping(template.get("metadata")), pointer(*path, "spec")))
    return views


def containers(pod: PodView, lists: tuple[str, ...] = CONTAINER_LISTS) -> Iterator[ContainerView]:
    """The containers of ``pod`` in ``lists`` order, skipping entries that are not mappings."""
    for list_name in lists:
        entries = pod.spec.get(list_name)
        if not isinstance(entries, list):
            continue
        for i, container in enumerate(entries):
            if isinstance(container, dict):
                yield ContainerView(container, list_name, f"{pod.pointer}/{list_name}/{i}")


def env_vars(container: ContainerView) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(pointer, variable)`` for each entry of a container's ``env`` that is a mapping."""
    env = container.container.get("env")
    for i, variable in enumerate(env if isinstance(env, list) else []):
        if isinstance(variable, dict):
            yield f"{container.pointer}/env/{i}", variable


def security_scopes(pod: PodView) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(label, pointer, securityContext)`` for the pod and then each of its containers, for
    fields both levels may set independently (seccompProfile, appArmorProfile, seLinuxOptions)."""
    yield "pod", pod.pointer, pod.security_context
    for container in containers(pod):
        yield container.label, container.pointer, container.security_context


def effective_security_field(pod: PodView, container: ContainerView, field: str) -> tuple[Any, str]:
    """The value of a securityContext field that a container inherits from its pod when unset
    (runAsNonRoot, runAsUser, seccompProfile, appArmorProfile, seLinuxOptions, ...).

    Returns ``(value, pointer)``; the pointer names where the value was set, or the container's
    field when neither level sets it.
    """
    own = container.security_context.get(field)
    if own is not None:
        return own, f"{container.pointer}/securityContext/{field}"
    inherited = pod.security_context.get(field)
    if inherited is not None:
        return inherited, f"{pod.pointer}/securityContext/{field}"
    return None, f"{container.pointer}/securityContext/{field}"


def as_mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else an empty one (rendered fields can be anything)."""
    return value if isinstance(value, dict) else {}
