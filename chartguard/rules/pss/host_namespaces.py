"""Pods must not share the host's network, PID or IPC namespaces (Baseline).

Sharing the host namespaces lets a pod see the node's processes, its IPC objects and every network
interface. ``spec.hostNetwork``, ``spec.hostPID`` and ``spec.hostIPC`` must be unset or false.
"""

from __future__ import annotations

from .base import Check, Denial, Pod, VersionedCheck
from .rule import declined, pss_rule

FIELDS = ("hostNetwork", "hostPID", "hostIPC")


def host_namespaces_1_0(pod: Pod) -> Denial | None:
    set_fields = [field for field in FIELDS if pod.spec.get(field) is True]
    if not set_fields:
        return None
    return Denial(
        reason="host namespaces",
        detail=", ".join(f"{field}=true" for field in set_fields),
        pointer=f"{pod.spec_pointer}/{set_fields[0]}",
    )


CHECK = Check(
    id="hostNamespaces",
    level="baseline",
    versions=(VersionedCheck(0, host_namespaces_1_0),),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-host-namespaces",
    CHECK,
    title="No host network, PID or IPC namespaces",
    remediation="Remove hostNetwork, hostPID and hostIPC from the pod spec (or set them to false).",
    fix=declined("disabling hostNetwork, hostPID or hostIPC changes how the pod is reached and what it can see"),
)
