"""Containers must not run as user 0 (Restricted).

``runAsUser: 0`` (root) is forbidden on the pod's ``securityContext`` and on every container, init
container and ephemeral container. Leaving ``runAsUser`` unset is fine (``runAsNonRoot`` then makes
the kubelet refuse an image that would run as root), as is any non-zero user id.

Versions: from v1.23. From v1.35 a pod in a user namespace (``spec.hostUsers: false``, set
explicitly) is allowed whatever it sets, since root in the container is not root on the node.
"""

from __future__ import annotations

from .base import Check, Denial, Pod, VersionedCheck, containers_phrase, is_int
from .rule import declined, pss_rule

FIELD = "runAsUser"


def run_as_user_1_23(pod: Pod) -> Denial | None:
    if pod.context.get(FIELD) is None and all(c.context.get(FIELD) is None for c in pod.containers):
        return None  # nothing sets runAsUser (the common case)
    pod_root = is_int(pod.context.get(FIELD), 0)
    bad = [c for c in pod.containers if is_int(c.context.get(FIELD), 0)]
    setters = (["pod"] if pod_root else []) + ([containers_phrase([c.name for c in bad])] if bad else [])
    if not setters:
        return None
    pointer = f"{pod.spec_pointer}/securityContext/{FIELD}" if pod_root else f"{bad[0].pointer}/securityContext/{FIELD}"
    return Denial(reason="runAsUser=0", detail=f"{' and '.join(setters)} must not set runAsUser=0", pointer=pointer)


def run_as_user_1_35(pod: Pod) -> Denial | None:
    if pod.host_users_false:
        return None
    return run_as_user_1_23(pod)


CHECK = Check(
    id="runAsUser",
    level="restricted",
    versions=(
        VersionedCheck(23, run_as_user_1_23),
        VersionedCheck(35, run_as_user_1_35),
    ),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-run-as-user",
    CHECK,
    title="Containers do not run as user 0",
    remediation="Remove runAsUser: 0 from the pod and its containers (set a non-zero user id, or leave it unset).",
    fix=declined("runAsUser: 0 was set explicitly and the image may need root; choose a non-root UID yourself"),
)
