"""Pods and containers must not disable seccomp (Baseline).

Policy versions v1.19 and later read the fields: the pod's and every container's (init, regular
and ephemeral) ``securityContext.seccompProfile.type`` must be unset, ``RuntimeDefault`` or
``Localhost`` (``Unconfined`` is forbidden, and so is a ``seccompProfile`` without a type).
Policy versions before v1.19 read only the legacy annotations instead:
``seccomp.security.alpha.kubernetes.io/pod`` and
``container.seccomp.security.alpha.kubernetes.io/<container>`` (for the pod's containers), when
present, must be ``runtime/default``, ``docker/default`` or ``localhost/<profile>`` (an empty value
is forbidden). At the restricted level (from v1.19) ``seccompProfile_restricted`` replaces this
check.
"""

from __future__ import annotations

from ...gofmt import go_quote, go_string
from ...manifests import pointer as json_pointer
from .base import Check, Denial, Pod, VersionedCheck, forbidden_profile_types, join_quote, pluralize, sorted_set
from .rule import declined, pss_rule

POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"
ALLOWED_TYPES = frozenset({"RuntimeDefault", "Localhost"})


def allowed_annotation(value: str) -> bool:
    return value in ("runtime/default", "docker/default") or value.startswith("localhost/")


def seccomp_profile_baseline_1_0(pod: Pod) -> Denial | None:
    annotations = pod.annotations
    keys = [POD_ANNOTATION] + [CONTAINER_ANNOTATION_PREFIX + c.name for c in pod.containers]
    forbidden = sorted(
        {
            (f"{key}={go_quote(go_string(annotations[key]))}", key)
            for key in keys
            if key in annotations and not allowed_annotation(go_string(annotations[key]))
        }
    )
    if not forbidden:
        return None
    return Denial(
        reason="seccompProfile",
        detail=f"forbidden {pluralize('annotation', 'annotations', len(forbidden))} {', '.join(text for text, _ in forbidden)}",
        pointer=pod.pointer + json_pointer("metadata", "annotations", forbidden[0][1]),
    )


def seccomp_profile_baseline_1_19(pod: Pod) -> Denial | None:
    found = forbidden_profile_types(pod, "seccompProfile", ALLOWED_TYPES)
    if not found.setters:
        return None
    return Denial(
        reason="seccompProfile",
        detail=(
            f"{' and '.join(found.setters)} must not set securityContext.seccompProfile.type to "
            f"{join_quote(sorted_set(found.bad_types))}"
        ),
        pointer=found.pointers[0],
    )


CHECK = Check(
    id="seccompProfile_baseline",
    level="baseline",
    versions=(VersionedCheck(0, seccomp_profile_baseline_1_0), VersionedCheck(19, seccomp_profile_baseline_1_19)),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-seccomp-profile-baseline",
    CHECK,
    title="Seccomp is not disabled",
    remediation="Set securityContext.seccompProfile.type to RuntimeDefault (or Localhost), or remove it; never Unconfined.",
    fix=declined(
        "an Unconfined seccomp profile (or one without a valid type) was chosen explicitly and the workload may "
        "need the syscalls it allows; set RuntimeDefault yourself"
    ),
)
