"""Containers must drop ALL capabilities and may add back only NET_BIND_SERVICE (Restricted).

Every container, init container and ephemeral container must list the literal ``ALL`` in
``securityContext.capabilities.drop`` (dropping each capability by name does not count), and
``securityContext.capabilities.add`` may contain nothing but ``NET_BIND_SERVICE``. A container
without a securityContext or without capabilities has not dropped ALL.

Versions: from v1.22, replacing the Baseline capabilities check at the Restricted level (before
v1.22 the Baseline check runs instead). From v1.25 a Windows pod (``spec.os.name: windows``) is
exempt, since the API forbids Linux capabilities there.

The finding points at the first container's ``capabilities.drop`` when ALL is not dropped,
otherwise at the first forbidden entry of ``capabilities.add``.

Param ``allowed_gpu_capabilities`` (default none, as PSA): capabilities a pod that requests
``nvidia.com/gpu`` may add besides NET_BIND_SERVICE (``IPC_LOCK`` in profile ``nvcf-webhook``);
ALL must still be dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..repair import Patch
from ..security_context_repairs import drop_all_capabilities, refuse_on_windows
from .base import Check, Container, Denial, Pod, VersionedCheck, containers_phrase, join_quote, mapping, sorted_set
from .rule import FlaggedPod, pss_rule

ALL = "ALL"
NET_BIND_SERVICE = "NET_BIND_SERVICE"


def _entries(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _may_add(pod: Pod) -> Callable[[Any], bool]:
    """Whether a capability may be added: NET_BIND_SERVICE, or one the profile allows this pod."""
    allowed = pod.allowed_capabilities
    return lambda c: c == NET_BIND_SERVICE or (isinstance(c, str) and c in allowed)


def _restricted(container: Container, may_add: Callable[[Any], bool]) -> bool:
    """Drops ALL and adds nothing but what ``may_add`` allows (the compliant case, checked fast)."""
    capabilities = container.context.get("capabilities")
    if not isinstance(capabilities, dict):
        return False
    drop, add = capabilities.get("drop"), capabilities.get("add")
    if not isinstance(drop, list) or ALL not in drop:
        return False
    return not add or (isinstance(add, list) and all(may_add(c) for c in add))


def capabilities_restricted_1_22(pod: Pod) -> Denial | None:
    may_add = _may_add(pod)
    for container in pod.containers:
        if not _restricted(container, may_add):
            break
    else:
        return None
    missing_drop_all: list[Container] = []
    adding_forbidden: list[tuple[Container, int]] = []  # container, index of its first bad entry
    forbidden: list[str] = []
    for container in pod.containers:
        capabilities = mapping(container.context.get("capabilities"))
        if capabilities is None:
            missing_drop_all.append(container)
            continue
        if ALL not in _entries(capabilities.get("drop")):
            missing_drop_all.append(container)
        bad = [(i, str(c)) for i, c in enumerate(_entries(capabilities.get("add"))) if not may_add(c)]
        if bad:
            adding_forbidden.append((container, bad[0][0]))
            forbidden.extend(c for _, c in bad)

    details = []
    if missing_drop_all:
        names = [c.name for c in missing_drop_all]
        details.append(f'{containers_phrase(names)} must set securityContext.capabilities.drop=["ALL"]')
    if adding_forbidden:
        names = [c.name for c, _ in adding_forbidden]
        details.append(
            f"{containers_phrase(names)} must not include {join_quote(sorted_set(forbidden))} in securityContext.capabilities.add"
        )
    if not details:
        return None
    if missing_drop_all:
        pointer = f"{missing_drop_all[0].pointer}/securityContext/capabilities/drop"
    else:
        container, index = adding_forbidden[0]
        pointer = f"{container.pointer}/securityContext/capabilities/add/{index}"
    return Denial(reason="unrestricted capabilities", detail="; ".join(details), pointer=pointer)


def capabilities_restricted_1_25(pod: Pod) -> Denial | None:
    if pod.is_windows:
        return None
    return capabilities_restricted_1_22(pod)


def fix(flagged: FlaggedPod, patch: Patch) -> None:
    """Fix: appends ``ALL`` to ``capabilities.drop`` of each offending container (creating the
    securityContext, capabilities and list; existing entries stay); not safe when a container adds
    capabilities other than NET_BIND_SERVICE and those ``allowed_gpu_capabilities`` allows a GPU pod
    (removing them could break it), or on a Windows pod."""
    refuse_on_windows(flagged.pod, "capabilities")
    may_add = _may_add(flagged.pod)
    for container in flagged.pod.containers:
        if not _restricted(container, may_add):
            drop_all_capabilities(
                patch,
                container,
                dropped=lambda drop: ALL in drop,
                allowed_add=lambda add: all(may_add(c) for c in add),
            )


CHECK = Check(
    id="capabilities_restricted",
    level="restricted",
    versions=(
        VersionedCheck(22, capabilities_restricted_1_22, overrides=("capabilities_baseline",)),
        VersionedCheck(25, capabilities_restricted_1_25, overrides=("capabilities_baseline",)),
    ),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-capabilities-restricted",
    CHECK,
    title="All capabilities dropped; only NET_BIND_SERVICE added",
    remediation='Set securityContext.capabilities.drop: ["ALL"] on every container and add back at most NET_BIND_SERVICE.',
    fix=fix,
    gpu_capabilities=True,
)
