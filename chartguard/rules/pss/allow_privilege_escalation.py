"""Containers must not allow privilege escalation (Restricted).

Privilege escalation (set-user-ID or set-group-ID binaries, file capabilities) lets a process gain
more privileges than its parent. Every container, init container and ephemeral container must set
``securityContext.allowPrivilegeEscalation: false`` explicitly: leaving it unset allows escalation.

Versions: from v1.8 (when the field appeared). From v1.25 a Windows pod (``spec.os.name: windows``)
is exempt, since Windows has no such escalation and the API forbids the field there.
"""

from __future__ import annotations

from ..repair import Patch
from ..security_context_repairs import disallow_escalation
from .base import Check, Denial, Pod, VersionedCheck, containers_phrase
from .rule import FlaggedPod, pss_rule


def allow_privilege_escalation_1_8(pod: Pod) -> Denial | None:
    bad = [c for c in pod.containers if c.context.get("allowPrivilegeEscalation") is not False]
    if not bad:
        return None
    return Denial(
        reason="allowPrivilegeEscalation != false",
        detail=f"{containers_phrase([c.name for c in bad])} must set securityContext.allowPrivilegeEscalation=false",
        pointer=f"{bad[0].pointer}/securityContext/allowPrivilegeEscalation",
    )


def allow_privilege_escalation_1_25(pod: Pod) -> Denial | None:
    if pod.is_windows:
        return None
    return allow_privilege_escalation_1_8(pod)


def fix(flagged: FlaggedPod, patch: Patch) -> None:
    """Fix: sets ``allowPrivilegeEscalation: false`` on each offending container (creating its
    securityContext); not safe for a container that sets ``true`` explicitly, is privileged or adds
    SYS_ADMIN (the API rejects ``false`` with either), or on a Windows pod."""
    pod = flagged.pod
    disallow_escalation(patch, pod, [c for c in pod.containers if c.context.get("allowPrivilegeEscalation") is not False])


CHECK = Check(
    id="allowPrivilegeEscalation",
    level="restricted",
    versions=(
        VersionedCheck(8, allow_privilege_escalation_1_8),
        VersionedCheck(25, allow_privilege_escalation_1_25),
    ),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-allow-privilege-escalation",
    CHECK,
    title="Privilege escalation is disabled",
    remediation="Set securityContext.allowPrivilegeEscalation: false on every container (including init containers).",
    fix=fix,
)
