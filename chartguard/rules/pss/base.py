"""The shape of a Pod Security Standards check, and the helpers every check shares.

A check (one module each in this folder) has PSA's id (``hostNamespaces``), a level and an ordered
list of versioned implementations, exactly as the Kubernetes reference registers them: for policy
version ``v1.N`` the implementation with the largest minimum version ``<= N`` runs; a restricted
implementation may *override* baseline checks (they are skipped at restricted).

An implementation takes a ``PodUnderTest`` and returns ``None`` (allowed) or a ``Denial`` carrying
PSA's forbidden reason and detail, and the JSON pointer of the first offending field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["baseline", "restricted"]


@dataclass(frozen=True)
class Container:
    """A container as PSA sees it: init, regular and ephemeral containers alike."""

    name: str
    spec: dict[str, Any]
    security_context: dict[str, Any] | None  # None when unset or null (Go nil); {} is set
    pointer: str  # JSON pointer of the container in the evaluated object

    def context_field(self, name: str) -> Any:
        """A field of the container's securityContext (None when it or the context is unset)."""
        return None if self.security_context is None else self.security_context.get(name)


@dataclass(frozen=True)
class PodUnderTest:
    """A pod's metadata and spec, with its containers listed in PSA's order (init, regular, ephemeral)."""

    metadata: dict[str, Any]
    spec: dict[str, Any]
    containers: tuple[Container, ...]
    pointer: str = ""  # JSON pointer of the pod (template) in the evaluated object: "" or "/spec/template"

    @property
    def security_context(self) -> dict[str, Any] | None:
        context = self.spec.get("securityContext")
        return context if isinstance(context, dict) else None

    def pod_field(self, name: str) -> Any:
        """A field of the pod's securityContext (None when it or the context is unset)."""
        context = self.security_context
        return None if context is None else context.get(name)

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


@dataclass(frozen=True)
class Denial:
    """Why a check forbids a pod: PSA's reason and detail, and where the first offending field is."""

    reason: str
    detail: str
    pointer: str


CheckFn = Callable[[PodUnderTest], Denial | None]


@dataclass(frozen=True)
class VersionedCheck:
    """One implementation of a check, in force from ``v1.<minimum>`` until the next one."""

    minimum: int
    check: CheckFn
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    """A Pod Security Standards check as the reference registers it."""

    id: str
    level: Level
    versions: tuple[VersionedCheck, ...]
    doc: str = field(default="", repr=False)

    def at(self, minor: int) -> VersionedCheck | None:
        """The implementation in force at policy version ``v1.<minor>`` (None before the first)."""
        found = None
        for versioned in self.versions:
            if versioned.minimum <= minor:
                found = versioned
        return found


# --- message helpers (PSA's formatting) ---------------------------------------------------------


def join_quote(items: Iterable[str]) -> str:
    """``["a", "b"]`` → ``"a", "b"`` (PSA's joinQuote)."""
    items = list(items)
    return '"' + '", "'.join(items) + '"' if items else ""


def pluralize(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def containers_phrase(names: list[str]) -> str:
    """``container "a"`` / ``containers "a", "b"``."""
    return f"{pluralize('container', 'containers', len(names))} {join_quote(names)}"


def sorted_set(values: Iterable[str]) -> list[str]:
    """Go's ``sets.String.List()``: unique values in byte order."""
    return sorted(set(values))


def mapping(value: Any) -> dict[str, Any] | None:
    """``value`` if it is a mapping, else None (PSA reads absent and null alike)."""
    return value if isinstance(value, dict) else None


def is_true(value: Any) -> bool:
    return value is True


def is_int(value: Any, number: int) -> bool:
    """``value == number`` for real integers only (YAML's ``false`` is not 0)."""
    return type(value) is int and value == number


# --- building a pod under test ------------------------------------------------------------------

_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def pod_under_test(metadata: Any, spec: Any, pointer: str = "") -> PodUnderTest:
    """Wrap a pod's metadata and spec (either may be missing: an empty pod)."""
    spec = spec if isinstance(spec, dict) else {}
    containers = []
    for list_name in _CONTAINER_LISTS:
        entries = spec.get(list_name)
        if not isinstance(entries, list):
            continue
        for i, entry in enumerate(entries):
            if isinstance(entry, dict):
                name = entry.get("name")
                context = entry.get("securityContext")
                containers.append(
                    Container(
                        name=name if isinstance(name, str) else "",
                        spec=entry,
                        security_context=context if isinstance(context, dict) else None,
                        pointer=f"{pointer}/spec/{list_name}/{i}",
                    )
                )
    return PodUnderTest(metadata if isinstance(metadata, dict) else {}, spec, tuple(containers), pointer)


#: kind → path to the pod template PSA evaluates (Pods are their own template).
TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": (),
    "PodTemplate": ("template",),
    "ReplicationController": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
#: Custom resources with pod templates that chartguard also evaluates (PSA itself does not).
EXTRA_TEMPLATE_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "LeaderWorkerSet": (
        ("spec", "leaderWorkerTemplate", "leaderTemplate"),
        ("spec", "leaderWorkerTemplate", "workerTemplate"),
    ),
}


def pods_of(obj: dict[str, Any]) -> Iterator[PodUnderTest]:
    """The pods PSA evaluates for an object: a Pod itself, or a controller's pod template.

    As in PSA, a missing template is evaluated as an empty pod, except for a ReplicationController
    (whose template is optional) and the custom resources.
    """
    kind = obj.get("kind")
    if kind in TEMPLATE_PATHS:
        paths: tuple[tuple[str, ...], ...] = (TEMPLATE_PATHS[kind],)
        optional = kind == "ReplicationController"
    elif kind in EXTRA_TEMPLATE_PATHS:
        paths, optional = EXTRA_TEMPLATE_PATHS[kind], True
    else:
        return
    for path in paths:
        template: Any = obj
        for part in path:
            template = template.get(part) if isinstance(template, dict) else None
        if not isinstance(template, dict):
            if optional:
                continue
            template = {}
        yield pod_under_test(template.get("metadata"), template.get("spec"), _pointer(path))


def _pointer(path: tuple[str, ...]) -> str:
    return "".join(f"/{part}" for part in path)


_VERSION = re.compile(r"^v1\.(0|[1-9][0-9]*)$")


def parse_minor(version: str) -> int | None:
    """``v1.N`` → N; ``latest`` → -1 (resolved by the registry); None when invalid (``v1.05``)."""
    if version == "latest":
        return -1
    match = _VERSION.match(version)
    return int(match.group(1)) if match else None


# --- profile settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Exemption:
    """Exempt one check for chosen containers (by image or name glob), as Kyverno's podSecurity
    ``exclude`` does; with neither images nor containers the check is off for every pod."""

    check: str
    images: tuple[str, ...] = ()
    containers: tuple[str, ...] = ()

    def matches(self, container: Container) -> bool:
        from fnmatch import fnmatchcase

        image = container.spec.get("image")
        image = image if isinstance(image, str) else ""
        return any(fnmatchcase(image, pattern) for pattern in self.images) or any(
            fnmatchcase(container.name, pattern) for pattern in self.containers
        )


@dataclass(frozen=True)
class PodSecuritySettings:
    """Which Pod Security Standard a profile enforces: level, policy version, exemptions."""

    level: str = "restricted"
    version: str = "latest"
    exemptions: tuple[Exemption, ...] = ()

    def exempt(self, check_id: str, pod: PodUnderTest) -> PodUnderTest | None:
        """The pod as ``check_id`` should see it: None when the check is off, else without the
        containers an exemption names."""
        exemptions = [e for e in self.exemptions if e.check == check_id]
        if not exemptions:
            return pod
        if any(not e.images and not e.containers for e in exemptions):
            return None
        kept = tuple(c for c in pod.containers if not any(e.matches(c) for e in exemptions))
        return pod if len(kept) == len(pod.containers) else PodUnderTest(pod.metadata, pod.spec, kept, pod.pointer)
