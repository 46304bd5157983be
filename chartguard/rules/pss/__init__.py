"""Pod Security Standards checks: one module per check of the Kubernetes reference
(pod-security-admission), each also a chartguard rule ``pss-<check>``.

The registry is explicit; ``chartguard.pss`` evaluates it exactly as PSA does.
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

CHECKS: tuple[Check, ...] = tuple(module.CHECK for module in MODULES)
RULES = tuple(module.RULE for module in MODULES)
