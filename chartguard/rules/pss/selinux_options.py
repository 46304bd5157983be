"""Pods and containers must not pick a custom SELinux type, user or role (Baseline).

``seLinuxOptions`` on the pod's and every container's (init, regular and ephemeral)
``securityContext`` may only set ``type`` to an empty value, ``container_t``, ``container_init_t``
or ``container_kvm_t`` (from v1.31 also ``container_engine_t``), and must leave ``user`` and
``role`` empty. ``level`` is not restricted.
"""

from __future__ import annotations

from typing import Any

from ...gofmt import go_string
from .base import (
    Check,
    Denial,
    Pod,
    VersionedCheck,
    any_context_sets,
    containers_phrase,
    join_quote,
    mapping,
    pluralize,
    sorted_set,
)
from .rule import declined, pss_rule

ALLOWED_TYPES_1_0 = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
ALLOWED_TYPES_1_31 = ALLOWED_TYPES_1_0 | {"container_engine_t"}


def _forbidden_fields(options: dict[str, Any], allowed_types: frozenset[str]) -> list[str]:
    """The fields of one seLinuxOptions that are forbidden: ``type``, ``user``, ``role``."""
    bad = []
    if go_string(options.get("type")) not in allowed_types:
        bad.append("type")
    bad += [name for name in ("user", "role") if go_string(options.get(name))]
    return bad


def _selinux_options(pod: Pod, allowed_types: frozenset[str]) -> Denial | None:
    if not any_context_sets(pod, "seLinuxOptions"):
        return None
    # (container name or None for the pod, JSON pointer, seLinuxOptions), in PSA's order
    scopes: list[tuple[str | None, str, Any]] = [(None, pod.spec_pointer, pod.context.get("seLinuxOptions"))]
    scopes += [(c.name, c.pointer, c.context.get("seLinuxOptions")) for c in pod.containers]
    setters: list[str] = []
    names: list[str] = []
    bad_types: list[str] = []
    user = role = False
    pointer = ""
    for name, where, value in scopes:
        options = mapping(value)
        fields = _forbidden_fields(options, allowed_types) if options is not None else []
        if not fields or options is None:
            continue
        if "type" in fields:
            bad_types.append(go_string(options.get("type")))
        user = user or "user" in fields
        role = role or "role" in fields
        pointer = pointer or f"{where}/securityContext/seLinuxOptions/{fields[0]}"
        if name is None:
            setters.append("pod")
        else:
            names.append(name)
    if names:
        setters.append(containers_phrase(names))
    if not setters:
        return None

    problems = []
    if bad_types:
        types = sorted_set(bad_types)
        problems.append(f"{pluralize('type', 'types', len(types))} {join_quote(types)}")
    if user:
        problems.append("user may not be set")
    if role:
        problems.append("role may not be set")
    return Denial(
        reason="seLinuxOptions",
        detail=f"{' and '.join(setters)} set forbidden securityContext.seLinuxOptions: {'; '.join(problems)}",
        pointer=pointer,
    )


def selinux_options_1_0(pod: Pod) -> Denial | None:
    return _selinux_options(pod, ALLOWED_TYPES_1_0)


def selinux_options_1_31(pod: Pod) -> Denial | None:
    return _selinux_options(pod, ALLOWED_TYPES_1_31)


CHECK = Check(
    id="seLinuxOptions",
    level="baseline",
    versions=(VersionedCheck(0, selinux_options_1_0), VersionedCheck(31, selinux_options_1_31)),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-selinux-options",
    CHECK,
    title="No custom SELinux type, user or role",
    remediation="Remove seLinuxOptions.user and .role, and leave .type unset or a container type such as container_t.",
    fix=declined("a custom SELinux type, user or role was chosen explicitly and the workload may need it"),
)
