"""Containers must not run privileged (Baseline).

A privileged container has every capability and full access to the node's devices. Every
container's (init, regular and ephemeral) ``securityContext.privileged`` must be unset or false.
"""

from __future__ import annotations

from .base import Check, Denial, Pod, VersionedCheck, containers_phrase, is_true
from .rule import declined, pss_rule


def privileged_1_0(pod: Pod) -> Denial | None:
    bad = [container for container in pod.containers if is_true(container.context.get("privileged"))]
    if not bad:
        return None
    return Denial(
        reason="privileged",
        detail=f"{containers_phrase([c.name for c in bad])} must not set securityContext.privileged=true",
        pointer=f"{bad[0].pointer}/securityContext/privileged",
    )


CHECK = Check(
    id="privileged",
    level="baseline",
    versions=(VersionedCheck(0, privileged_1_0),),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-privileged",
    CHECK,
    title="No privileged containers",
    remediation="Remove securityContext.privileged from the containers (or set it to false).",
    fix=declined("a privileged container may need host devices or every capability; removing privileged: true could break it"),
)
