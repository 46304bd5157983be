"""Pods and containers must not override or disable the default AppArmor profile (Baseline).

On hosts with AppArmor, the container runtime's default profile confines every container. The
pod's and every container's (init, regular and ephemeral) ``securityContext.appArmorProfile.type``
must be unset, ``RuntimeDefault`` or ``Localhost``: ``Unconfined`` is forbidden, and so is an
``appArmorProfile`` without a type (``{}``). The legacy annotations
``container.apparmor.security.beta.kubernetes.io/<container>`` (checked whatever the suffix, even
when no container has that name) may only be empty, ``runtime/default`` or ``localhost/<profile>``.
Both the fields and the annotations are checked at every policy version.
"""

from __future__ import annotations

from ...gofmt import go_quote, go_string
from ...manifests import pointer as json_pointer
from .base import Check, Denial, Pod, VersionedCheck, any_context_sets, forbidden_profile_types, join_quote, pluralize, sorted_set
from .rule import declined, pss_rule

ALLOWED_TYPES = frozenset({"RuntimeDefault", "Localhost"})
ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"


def allowed_annotation(value: str) -> bool:
    return value in ("", "runtime/default") or value.startswith("localhost/")


def apparmor_profile_1_0(pod: Pod) -> Denial | None:
    if not any_context_sets(pod, "appArmorProfile") and not any(
        isinstance(key, str) and key.startswith(ANNOTATION_PREFIX) for key in pod.annotations
    ):
        return None
    found = forbidden_profile_types(pod, "appArmorProfile", ALLOWED_TYPES)
    setters, bad_types, pointers = found.setters, found.bad_types, found.pointers

    annotations = sorted(
        (f"{key}={go_quote(go_string(value))}", key)
        for key, value in pod.annotations.items()
        if isinstance(key, str) and key.startswith(ANNOTATION_PREFIX) and not allowed_annotation(go_string(value))
    )
    if annotations:
        setters.append(pluralize("annotation", "annotations", len(annotations)))
        pointers.append(pod.pointer + json_pointer("metadata", "annotations", annotations[0][1]))

    if not setters:
        return None
    values = sorted_set(bad_types) + [text for text, _ in annotations]
    return Denial(
        reason=pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", len(values)),
        detail=f"{' and '.join(setters)} must not set AppArmor profile type to {join_quote(values)}",
        pointer=pointers[0],
    )


CHECK = Check(
    id="appArmorProfile",
    level="baseline",
    versions=(VersionedCheck(0, apparmor_profile_1_0),),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-apparmor-profile",
    CHECK,
    title="AppArmor is not disabled or overridden",
    remediation=(
        "Remove appArmorProfile (or set its type to RuntimeDefault or Localhost) and remove AppArmor "
        "annotations other than runtime/default or localhost/<profile>."
    ),
    fix=declined("an unconfined or custom AppArmor profile was chosen explicitly and the workload may need it"),
)
