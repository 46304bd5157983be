"""Pod Security Standards checks: one module per check of the Kubernetes reference
(pod-security-admission), each also a chartguard rule ``pss-<check>``.

The registry is explicit and checked when loaded, as PSA's ``registry.go`` checks its own: unique
check ids, each at the level its list says, versions strictly increasing, and overrides only from
restricted checks naming baseline checks. ``evaluate.py`` (``chartguard.pss``) evaluates it exactly
as PSA does.
"""

from __future__ import annotations

from . import (
    allow_privilege_escalation,
    apparmor_profile,
    capabilities_baseline,
    capabilities_restricted,
    host_namespaces,
    host_path_volumes,
    host_ports,
    host_probes_and_lifecycle,
    privileged,
    proc_mount,
    proc_mount_restricted,
    restricted_volumes,
    run_as_non_root,
    run_as_user,
    seccomp_profile_baseline,
    seccomp_profile_restricted,
    selinux_options,
    sysctls,
    windows_host_process,
)
from .base import Check

BASELINE = (
    apparmor_profile,
    capabilities_baseline,
    host_namespaces,
    host_path_volumes,
    host_ports,
    host_probes_and_lifecycle,
    privileged,
    proc_mount,
    selinux_options,
    seccomp_profile_baseline,
    sysctls,
    windows_host_process,
)
RESTRICTED = (
    allow_privilege_escalation,
    capabilities_restricted,
    proc_mount_restricted,
    restricted_volumes,
    run_as_non_root,
    run_as_user,
    seccomp_profile_restricted,
)
MODULES = BASELINE + RESTRICTED


def _validated(checks: tuple[Check, ...]) -> tuple[Check, ...]:
    """``checks``, or RuntimeError naming the first check PSA's registry would refuse."""
    baseline = {module.CHECK.id for module in BASELINE}
    seen: set[str] = set()
    for module, check in zip(MODULES, checks, strict=True):
        level = "baseline" if module in BASELINE else "restricted"
        minimums = [versioned.minimum for versioned in check.versions]
        problems = []
        if check.id in seen:
            problems.append("duplicate id")
        seen.add(check.id)
        if check.level != level:
            problems.append(f"level {check.level!r} but listed as {level}")
        if not minimums or any(b <= a for a, b in zip(minimums, minimums[1:], strict=False)) or minimums[0] < 0:
            problems.append(f"versions must be non-empty and strictly increasing, got {minimums}")
        for versioned in check.versions:
            if versioned.overrides and (level != "restricted" or not set(versioned.overrides) <= baseline):
                problems.append(f"overrides {list(versioned.overrides)} must be baseline checks overridden by a restricted one")
        if problems:
            raise RuntimeError(f"PSS check {check.id}: {'; '.join(problems)}")
    return checks


CHECKS: tuple[Check, ...] = _validated(tuple(module.CHECK for module in MODULES))
RULES = tuple(module.RULE for module in MODULES)
