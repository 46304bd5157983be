"""Containers must keep the default /proc masks (Baseline).

The runtime masks sensitive parts of ``/proc`` by default. Every container's (init, regular and
ephemeral) ``securityContext.procMount`` must be unset or ``Default`` (``Unmasked`` is forbidden).
From v1.35 a pod that runs in its own user namespace (``spec.hostUsers: false``, explicitly) may
set any procMount; unset or ``true`` gets no relaxation. At the restricted level (from v1.35)
``procMount_restricted`` replaces this check and keeps the strict rule for every pod.
"""

from __future__ import annotations

from ...gofmt import go_string
from .base import Check, Denial, Pod, VersionedCheck, containers_phrase, join_quote, sorted_set
from .rule import declined, pss_rule


def proc_mount_1_0(pod: Pod) -> Denial | None:
    bad = [
        (container, go_string(value))
        for container in pod.containers
        if (value := container.context.get("procMount")) is not None and go_string(value) != "Default"
    ]
    if not bad:
        return None
    return Denial(
        reason="procMount",
        detail=(
            f"{containers_phrase([c.name for c, _ in bad])} must not set securityContext.procMount to "
            f"{join_quote(sorted_set(value for _, value in bad))}"
        ),
        pointer=f"{bad[0][0].pointer}/securityContext/procMount",
    )


def proc_mount_1_35(pod: Pod) -> Denial | None:
    return None if pod.host_users_false else proc_mount_1_0(pod)


CHECK = Check(
    id="procMount",
    level="baseline",
    versions=(VersionedCheck(0, proc_mount_1_0), VersionedCheck(35, proc_mount_1_35)),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-proc-mount",
    CHECK,
    title="Default /proc masks",
    remediation="Remove securityContext.procMount (or set it to Default), or run the pod with hostUsers: false.",
    fix=declined("an unmasked /proc was chosen explicitly (e.g. for nested containers); masking it could break the container"),
)
