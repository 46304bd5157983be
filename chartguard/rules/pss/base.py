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
from functools import cache
from typing import Any, Literal

from ...workloads import POD_TEMPLATE_PATHS

Level = Literal["baseline", "restricted"]


@dataclass(slots=True)
class Container:
    """A container as PSA sees it: init, regular and ephemeral containers alike."""

    name: str
    spec: dict[str, Any]
    security_context: dict[str, Any] | None  # None when unset or null (Go nil); {} is set
    pointer: str  # JSON pointer of the container in the evaluated object
    context: dict[str, Any] = field(default_factory=dict)  # securityContext or {}: ``context.get(f)`` reads a field


@dataclass(slots=True)
class PodUnderTest:
    """A pod's metadata and spec, with its containers listed in PSA's order (init, regular, ephemeral)."""

    metadata: dict[str, Any]
    spec: dict[str, Any]
    containers: tuple[Container, ...]
    pointer: str = ""  # JSON pointer of the pod (template) in the evaluated object: "" or "/spec/template"
    security_context: dict[str, Any] | None = None  # spec.securityContext; None when unset (Go nil)
    context: dict[str, Any] = field(default_factory=dict)  # securityContext or {}: ``context.get(f)`` reads a field

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


_GO_ESCAPES = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r", "\t": r"\t", "\v": r"\v"}


def go_string(value: Any) -> str:
    """A string field as Go decodes it: null is the empty string (other scalars are shown as text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def go_quote(text: str) -> str:
    """Go's ``%q`` of a string (``strconv.Quote``): printable runes kept, the rest escaped."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        elif char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def mapping(value: Any) -> dict[str, Any] | None:
    """``value`` if it is a mapping, else None (PSA reads absent and null alike)."""
    return value if isinstance(value, dict) else None


def is_true(value: Any) -> bool:
    return value is True


def is_int(value: Any, number: int) -> bool:
    """``value == number`` for real integers only (YAML's ``false`` is not 0)."""
    return type(value) is int and value == number


def any_context_sets(pod: PodUnderTest, name: str) -> bool:
    """Whether the pod's or any container's securityContext sets ``name`` (a fast pre-check that
    lets the common, compliant pod skip a check's message building)."""
    if pod.context.get(name) is not None:
        return True
    for container in pod.containers:  # noqa: SIM110 - a plain loop is faster than any() on this hot path
        if container.context.get(name) is not None:
            return True
    return False


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
                context = context if isinstance(context, dict) else None
                containers.append(
                    Container(
                        name if isinstance(name, str) else "", entry, context, f"{pointer}/spec/{list_name}/{i}", context or {}
                    )
                )
    pod_context = spec.get("securityContext")
    pod_context = pod_context if isinstance(pod_context, dict) else None
    metadata = metadata if isinstance(metadata, dict) else {}
    return PodUnderTest(metadata, spec, tuple(containers), pointer, pod_context, pod_context or {})


#: Kinds whose pod template may be missing (PSA skips them then; custom resources are chartguard's).
_OPTIONAL_TEMPLATE = frozenset({"ReplicationController", "LeaderWorkerSet"})


def pods_of(obj: dict[str, Any]) -> Iterator[PodUnderTest]:
    """The pods PSA evaluates for an object: a Pod itself, or a controller's pod template.

    As in PSA, a missing template is evaluated as an empty pod, except for a ReplicationController
    (whose template is optional) and the custom resources.
    """
    kind = obj.get("kind")
    optional = kind in _OPTIONAL_TEMPLATE
    for path in POD_TEMPLATE_PATHS.get(kind, ()):  # type: ignore[arg-type]
        template: Any = obj
        for part in path:
            template = template.get(part) if isinstance(template, dict) else None
        if not isinstance(template, dict):
            if optional:
                continue
            template = {}
        yield pod_under_test(template.get("metadata"), template.get("spec"), _pointer(path))


@cache
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
        if len(kept) == len(pod.containers):
            return pod
        return PodUnderTest(pod.metadata, pod.spec, kept, pod.pointer, pod.security_context, pod.context)
