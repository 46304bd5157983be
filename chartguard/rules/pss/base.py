"""The shape of a Pod Security Standards check, and the helpers every check shares.

A check (one module each in this folder) has PSA's id (``hostNamespaces``), a level and an ordered
list of versioned implementations, exactly as the Kubernetes reference registers them: for policy
version ``v1.N`` the implementation with the largest minimum version ``<= N`` runs; a restricted
implementation may *override* baseline checks (they are skipped at restricted).

An implementation takes a ``Pod`` and returns ``None`` (allowed) or a ``Denial`` carrying
PSA's forbidden reason and detail, and the JSON pointer of the first offending field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Any, Literal

from ...gofmt import go_string
from ...workloads import Container as Container  # re-exported: the check modules take their vocabulary from here
from ...workloads import Pod as Pod

Level = Literal["baseline", "restricted"]


@dataclass(frozen=True)
class Denial:
    """Why a check forbids a pod: PSA's reason and detail, and where the first offending field is."""

    reason: str
    detail: str
    pointer: str


CheckFn = Callable[[Pod], Denial | None]


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


@dataclass
class ProfileSetters:
    """Who sets a securityContext profile (``appArmorProfile``, ``seccompProfile``) to a type the
    check forbids: ``setters`` as PSA names them ("pod", ``containers "a", "b"``), the bad types,
    and the pointers of the offending fields in that order."""

    setters: list[str] = field(default_factory=list)
    bad_types: list[str] = field(default_factory=list)
    pointers: list[str] = field(default_factory=list)


def forbidden_profile_types(pod: Pod, name: str, allowed: frozenset[str]) -> ProfileSetters:
    """The pod's and its containers' ``securityContext.<name>`` whose ``type`` is not ``allowed``."""
    found = ProfileSetters()
    profile = mapping(pod.context.get(name))
    if profile is not None and go_string(profile.get("type")) not in allowed:
        found.setters.append("pod")
        found.bad_types.append(go_string(profile.get("type")))
        found.pointers.append(f"{pod.spec_pointer}/securityContext/{name}/type")
    names = []
    for container in pod.containers:
        profile = mapping(container.context.get(name))
        if profile is not None and go_string(profile.get("type")) not in allowed:
            names.append(container.name)
            found.bad_types.append(go_string(profile.get("type")))
            found.pointers.append(f"{container.pointer}/securityContext/{name}/type")
    if names:
        found.setters.append(containers_phrase(names))
    return found


def mapping(value: Any) -> dict[str, Any] | None:
    """``value`` if it is a mapping, else None (PSA reads absent and null alike)."""
    return value if isinstance(value, dict) else None


def is_true(value: Any) -> bool:
    return value is True


def is_int(value: Any, number: int) -> bool:
    """``value == number`` for real integers only (YAML's ``false`` is not 0)."""
    return type(value) is int and value == number


def any_context_sets(pod: Pod, name: str) -> bool:
    """Whether the pod's or any container's securityContext sets ``name`` (a fast pre-check that
    lets the common, compliant pod skip a check's message building)."""
    if pod.context.get(name) is not None:
        return True
    for container in pod.containers:  # noqa: SIM110 - a plain loop is faster than any() on this hot path
        if container.context.get(name) is not None:
            return True
    return False


# --- building a pod under test ------------------------------------------------------------------

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

        image = container.spec.get("image")
        image = image if isinstance(image, str) else ""
        return any(fnmatchcase(image, pattern) for pattern in self.images) or any(
            fnmatchcase(container.name, pattern) for pattern in self.containers
        )


@dataclass(frozen=True)
class PodSecuritySettings:
    """Which Pod Security Standard a profile enforces: level, policy version, exemptions, and
    ``keep_replaced_baseline``: at the restricted level, also run the Baseline checks a Restricted
    check replaces (capabilities, seccomp, hostPath volumes, procMount), so a profile can make the
    Baseline rules errors and the Restricted ones warnings (PSA's enforce=baseline, warn=restricted)."""

    level: str = "restricted"
    version: str = "latest"
    exemptions: tuple[Exemption, ...] = ()
    keep_replaced_baseline: bool = False

    def exempt(self, check_id: str, pod: Pod) -> Pod | None:
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
        return replace(pod, containers=kept)
