"""Containers must not add capabilities beyond the runtime's default set (Baseline).

Every container's (init, regular and ephemeral) ``securityContext.capabilities.add`` may only list
``AUDIT_WRITE``, ``CHOWN``, ``DAC_OVERRIDE``, ``FOWNER``, ``FSETID``, ``KILL``, ``MKNOD``,
``NET_BIND_SERVICE``, ``SETFCAP``, ``SETGID``, ``SETPCAP``, ``SETUID`` and ``SYS_CHROOT``. Names are
matched exactly: ``NET_RAW``, ``SYS_ADMIN``, ``ALL``, ``chown`` and ``CAP_CHOWN`` are forbidden.
At the restricted level (from v1.22) ``capabilities_restricted`` replaces this check.

Param ``allowed_gpu_capabilities`` (default none, as PSA): capabilities a pod that requests
``nvidia.com/gpu`` may also add, e.g. ``IPC_LOCK``, which NCCL and RDMA need to pin memory in
multi-node GPU functions (profile ``nvcf-webhook``). The check still runs on those pods: any other
capability is still forbidden.
"""

from __future__ import annotations

from ...gofmt import go_string
from .base import Check, Denial, Pod, VersionedCheck, containers_phrase, join_quote, sorted_set
from .rule import declined, pss_rule

ALLOWED = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)


def _forbidden(name: str, pod: Pod) -> bool:
    return name not in ALLOWED and name not in pod.allowed_capabilities


def capabilities_baseline_1_0(pod: Pod) -> Denial | None:
    names: list[str] = []
    forbidden: list[str] = []
    pointer = ""
    for container in pod.containers:
        capabilities = container.context.get("capabilities")
        added = capabilities.get("add") if isinstance(capabilities, dict) else None
        if not isinstance(added, list):
            continue
        bad = [(i, go_string(name)) for i, name in enumerate(added) if _forbidden(go_string(name), pod)]
        if bad:
            names.append(container.name)
            forbidden.extend(name for _, name in bad)
            pointer = pointer or f"{container.pointer}/securityContext/capabilities/add/{bad[0][0]}"
    if not names:
        return None
    capabilities = join_quote(sorted_set(forbidden))
    return Denial(
        reason="non-default capabilities",
        detail=f"{containers_phrase(names)} must not include {capabilities} in securityContext.capabilities.add",
        pointer=pointer,
    )


CHECK = Check(
    id="capabilities_baseline",
    level="baseline",
    versions=(VersionedCheck(0, capabilities_baseline_1_0),),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-capabilities-baseline",
    CHECK,
    title="No capabilities beyond the default set",
    remediation="Remove capabilities such as NET_RAW or SYS_ADMIN from securityContext.capabilities.add.",
    fix=declined("removing capabilities a container adds could break it"),
    gpu_capabilities=True,
)
