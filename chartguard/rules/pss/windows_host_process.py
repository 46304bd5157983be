"""Windows pods and containers must not run as host processes (Baseline).

A Windows HostProcess container runs directly on the node with the host's privileges.
``securityContext.windowsOptions.hostProcess`` must be unset or false on the pod and on every
container (init, regular and ephemeral). The check applies to every pod, whatever ``spec.os``.
"""

from __future__ import annotations

from typing import Any

from .base import Check, Denial, Pod, VersionedCheck, any_context_sets, containers_phrase, is_true, mapping
from .rule import declined, pss_rule


def _host_process(context: dict[str, Any] | None) -> bool:
    options = mapping(context.get("windowsOptions")) if context is not None else None
    return options is not None and is_true(options.get("hostProcess"))


def windows_host_process_1_0(pod: Pod) -> Denial | None:
    if not any_context_sets(pod, "windowsOptions"):
        return None
    setters: list[str] = []
    pointers: list[str] = []
    if _host_process(pod.security_context):
        setters.append("pod")
        pointers.append(f"{pod.spec_pointer}/securityContext/windowsOptions/hostProcess")
    bad = [container for container in pod.containers if _host_process(container.security_context)]
    if bad:
        setters.append(containers_phrase([c.name for c in bad]))
        pointers.append(f"{bad[0].pointer}/securityContext/windowsOptions/hostProcess")
    if not setters:
        return None
    return Denial(
        reason="hostProcess",
        detail=f"{' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true",
        pointer=pointers[0],
    )


CHECK = Check(
    id="windowsHostProcess",
    level="baseline",
    versions=(VersionedCheck(0, windows_host_process_1_0),),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-windows-host-process",
    CHECK,
    title="No Windows HostProcess containers",
    remediation="Remove securityContext.windowsOptions.hostProcess (or set it to false) on the pod and its containers.",
    fix=declined("a HostProcess container needs the host's privileges and cannot run without them"),
)
