"""Containers must keep the default /proc masks, even in a user namespace (Restricted).

The default ``/proc`` masks reduce the kernel's attack surface. ``securityContext.procMount`` of every
container, init container and ephemeral container must be unset or ``Default`` (so ``Unmasked`` is
forbidden).

Versions: from v1.35, when the Baseline procMount check started allowing any procMount for pods in a
user namespace (``spec.hostUsers: false``); at the Restricted level this check replaces it and keeps
the strict rule whatever ``hostUsers`` says. Before v1.35 the Baseline check (always strict) runs.
"""

from __future__ import annotations

from .base import Check, Denial, Pod, VersionedCheck, containers_phrase, join_quote, sorted_set
from .rule import declined, pss_rule

DEFAULT = "Default"


def proc_mount_restricted_1_35(pod: Pod) -> Denial | None:
    bad = [
        (container, value)
        for container in pod.containers
        if (value := container.context.get("procMount")) is not None and value != DEFAULT
    ]
    if not bad:
        return None
    names = [container.name for container, _ in bad]
    values = sorted_set(str(value) for _, value in bad)
    return Denial(
        reason="procMount",
        detail=f"{containers_phrase(names)} must not set securityContext.procMount to {join_quote(values)}",
        pointer=f"{bad[0][0].pointer}/securityContext/procMount",
    )


CHECK = Check(
    id="procMount_restricted",
    level="restricted",
    versions=(VersionedCheck(35, proc_mount_restricted_1_35, overrides=("procMount",)),),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-proc-mount-restricted",
    CHECK,
    title="Default /proc masks, even in a user namespace",
    remediation="Remove securityContext.procMount (or set it to Default) on every container.",
    fix=declined("an unmasked /proc was chosen explicitly (e.g. for nested containers); masking it could break the container"),
)
