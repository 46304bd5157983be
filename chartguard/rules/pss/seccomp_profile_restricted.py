"""A seccomp profile must be set, and must be RuntimeDefault or Localhost (Restricted).

``securityContext.seccompProfile.type`` must be ``RuntimeDefault`` or ``Localhost``: set it once on the
pod (containers that leave it unset inherit it) or on every container, init container and ephemeral
container. ``Unconfined``, or a seccompProfile without a type, is forbidden wherever it is set, even on
a container whose pod sets a valid profile. The legacy seccomp annotations are not read.

Versions: from v1.19, replacing the Baseline seccomp check at the Restricted level (before v1.19 the
Baseline annotation check runs instead). From v1.25 a Windows pod (``spec.os.name: windows``) is
exempt, since the API forbids seccomp there.
"""

from __future__ import annotations

from typing import Any

from ..repair import Patch
from ..security_context_repairs import require_seccomp
from .base import Check, Denial, Pod, VersionedCheck, containers_phrase, join_quote, mapping, sorted_set
from .rule import FlaggedPod, pss_rule

VALID = ("RuntimeDefault", "Localhost")
FIELD = "securityContext/seccompProfile/type"


def _profile_type(profile: Any) -> str | None:
    """None when the profile is unset, else its type as PSA quotes it ("" when missing)."""
    profile = mapping(profile)
    if profile is None:
        return None
    value = profile.get("type")
    return "" if value is None else str(value)


def _compliant(pod: Pod) -> bool:
    """A valid pod-level profile that no container overrides (the common case, checked fast)."""
    profile = pod.context.get("seccompProfile")
    if not isinstance(profile, dict) or profile.get("type") not in VALID:
        return False
    for container in pod.containers:  # noqa: SIM110 - a plain loop is faster than all() on this hot path
        if container.context.get("seccompProfile") is not None:
            return False
    return True


def seccomp_profile_restricted_1_19(pod: Pod) -> Denial | None:
    if _compliant(pod):
        return None
    bad_values: list[str] = []
    pod_type = _profile_type(pod.context.get("seccompProfile"))
    pod_valid = pod_type in VALID
    if pod_type is not None and not pod_valid:
        bad_values.append(pod_type)
    pod_bad = bool(bad_values)

    explicit, implicit = [], []
    for container in pod.containers:
        value = _profile_type(container.context.get("seccompProfile"))
        if value is None:
            if not pod_valid:
                implicit.append(container)
        elif value not in VALID:
            explicit.append(container)
            bad_values.append(value)

    setters = (["pod"] if pod_bad else []) + ([containers_phrase([c.name for c in explicit])] if explicit else [])
    if setters:
        pointer = f"{pod.spec_pointer}/{FIELD}" if pod_bad else f"{explicit[0].pointer}/{FIELD}"
        values = join_quote(sorted_set(bad_values))
        return Denial(
            reason="seccompProfile",
            detail=f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to {values}",
            pointer=pointer,
        )
    if implicit:
        return Denial(
            reason="seccompProfile",
            detail=(
                f"pod or {containers_phrase([c.name for c in implicit])} must set "
                'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'
            ),
            pointer=f"{implicit[0].pointer}/{FIELD}",
        )
    return None


def seccomp_profile_restricted_1_25(pod: Pod) -> Denial | None:
    if pod.is_windows:
        return None
    return seccomp_profile_restricted_1_19(pod)


def fix(flagged: FlaggedPod, patch: Patch) -> None:
    """Fix: sets the pod's ``securityContext.seccompProfile.type: RuntimeDefault`` when the pod sets
    none (on each container without a profile instead when an exemption leaves some containers
    unchecked); not safe when the pod or a container chose Unconfined or a profile without a valid
    type explicitly, or on a Windows pod."""
    require_seccomp(patch, flagged.pod, flagged.pod.containers, flagged.pod_wide)


CHECK = Check(
    id="seccompProfile_restricted",
    level="restricted",
    versions=(
        VersionedCheck(19, seccomp_profile_restricted_1_19, overrides=("seccompProfile_baseline",)),
        VersionedCheck(25, seccomp_profile_restricted_1_25, overrides=("seccompProfile_baseline",)),
    ),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-seccomp-profile-restricted",
    CHECK,
    title="Seccomp profile RuntimeDefault or Localhost",
    remediation="Set securityContext.seccompProfile.type: RuntimeDefault on the pod (and remove any Unconfined profile).",
    fix=fix,
)
