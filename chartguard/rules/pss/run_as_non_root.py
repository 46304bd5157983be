"""Containers must run as a non-root user (Restricted).

``runAsNonRoot: true`` must be set on the pod's ``securityContext`` (every container inherits it) or
on every container, init container and ephemeral container. Setting it to ``false`` anywhere is
forbidden, on the pod even when every container sets ``true``, and on a container even when the pod
sets ``true``.

Versions: from v1.0. From v1.35 a pod in a user namespace (``spec.hostUsers: false``, set explicitly)
is allowed whatever it sets, since root in the container is not root on the node.
"""

from __future__ import annotations

from ..repair import Patch
from ..security_context_repairs import refuse_pod_root_allowed, require_non_root
from .base import Check, Denial, Pod, VersionedCheck, containers_phrase
from .rule import FlaggedPod, pss_rule

FIELD = "runAsNonRoot"


def _compliant(pod: Pod) -> bool:
    """The pod sets true and no container sets false, or every container sets true (fast path)."""
    if pod.context.get(FIELD) is True:
        for container in pod.containers:  # noqa: SIM110 - a plain loop is faster than all() here
            if container.context.get(FIELD) is False:
                return False
        return True
    if pod.context.get(FIELD) is False:
        return False
    for container in pod.containers:  # noqa: SIM110 - a plain loop is faster than all() on this hot path
        if container.context.get(FIELD) is not True:
            return False
    return True


def run_as_non_root_1_0(pod: Pod) -> Denial | None:
    if _compliant(pod):
        return None
    pod_value = pod.context.get(FIELD)
    pod_pointer = f"{pod.spec_pointer}/securityContext/{FIELD}"
    explicit = [c for c in pod.containers if c.context.get(FIELD) is False]
    # a non-boolean value cannot be decoded into the API's *bool: read as unset
    implicit = [] if pod_value is True else [c for c in pod.containers if not isinstance(c.context.get(FIELD), bool)]

    setters = (["pod"] if pod_value is False else []) + ([containers_phrase([c.name for c in explicit])] if explicit else [])
    if setters:
        pointer = pod_pointer if pod_value is False else f"{explicit[0].pointer}/securityContext/{FIELD}"
        return Denial(
            reason="runAsNonRoot != true",
            detail=f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false",
            pointer=pointer,
        )
    if implicit:
        return Denial(
            reason="runAsNonRoot != true",
            detail=f"pod or {containers_phrase([c.name for c in implicit])} must set securityContext.runAsNonRoot=true",
            pointer=f"{implicit[0].pointer}/securityContext/{FIELD}",
        )
    return None


def run_as_non_root_1_35(pod: Pod) -> Denial | None:
    if pod.host_users_false:
        return None
    return run_as_non_root_1_0(pod)


def fix(flagged: FlaggedPod, patch: Patch) -> None:
    """Fix: sets ``runAsNonRoot: true`` (on the pod when no container sets it, else on each offending
    container) only when every offending container runs as a non-zero ``runAsUser`` (its own or the
    pod's); not safe when the pod or a container sets ``runAsNonRoot: false`` or ``runAsUser: 0``
    explicitly, or when the image's user is unknown (the kubelet would refuse an image that runs as
    root)."""
    pod = flagged.pod
    refuse_pod_root_allowed(pod)  # forbidden whatever the containers set
    inherited = pod.context.get(FIELD) is True
    offenders = [c for c in pod.containers if c.context.get(FIELD) is False or not (inherited or c.context.get(FIELD) is True)]
    require_non_root(patch, pod, offenders, flagged.pod_wide)


CHECK = Check(
    id="runAsNonRoot",
    level="restricted",
    versions=(
        VersionedCheck(0, run_as_non_root_1_0),
        VersionedCheck(35, run_as_non_root_1_35),
    ),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-run-as-non-root",
    CHECK,
    title="Containers run as non-root",
    remediation="Set securityContext.runAsNonRoot: true on the pod (and remove any runAsNonRoot: false).",
    fix=fix,
)
