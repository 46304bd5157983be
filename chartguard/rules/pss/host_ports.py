"""Containers must not bind host ports (Baseline).

A host port publishes the container on the node's network interfaces, bypassing network policy.
Every ``ports[*].hostPort`` of every container (init, regular and ephemeral) must be unset or 0.
"""

from __future__ import annotations

from .base import Check, Denial, Pod, VersionedCheck, containers_phrase, pluralize, sorted_set
from .rule import declined, pss_rule


def _host_port(port: object) -> int | None:
    """The port's non-zero hostPort (an integer), else None."""
    value = port.get("hostPort") if isinstance(port, dict) else None
    return value if type(value) is int and value != 0 else None


def _any_host_port(pod: Pod) -> bool:
    """Whether any container port sets a truthy hostPort (a fast pre-check)."""
    for container in pod.containers:
        ports = container.spec.get("ports")
        if isinstance(ports, list):
            for port in ports:
                if isinstance(port, dict) and port.get("hostPort"):
                    return True
    return False


def host_ports_1_0(pod: Pod) -> Denial | None:
    if not _any_host_port(pod):
        return None
    names: list[str] = []
    host_ports: list[str] = []
    pointer = ""
    for container in pod.containers:
        ports = container.spec.get("ports")
        if not isinstance(ports, list):
            continue
        bad = [(i, port) for i, entry in enumerate(ports) if (port := _host_port(entry)) is not None]
        if bad:
            names.append(container.name)
            host_ports.extend(str(port) for _, port in bad)
            pointer = pointer or f"{container.pointer}/ports/{bad[0][0]}/hostPort"
    if not names:
        return None
    ports_text = sorted_set(host_ports)  # sorted as strings, as PSA does ("10000" before "80")
    return Denial(
        reason="hostPort",
        detail=(
            f"{containers_phrase(names)} {pluralize('uses', 'use', len(names))} "
            f"{pluralize('hostPort', 'hostPorts', len(ports_text))} {', '.join(ports_text)}"
        ),
        pointer=pointer,
    )


CHECK = Check(
    id="hostPorts",
    level="baseline",
    versions=(VersionedCheck(0, host_ports_1_0),),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-host-ports",
    CHECK,
    title="No host ports",
    remediation="Remove hostPort from the container ports and expose the pod through a Service instead.",
    fix=declined("removing a hostPort changes how the pod is reached (expose it through a Service instead)"),
)
