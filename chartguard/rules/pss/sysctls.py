"""Pods may only set namespaced, isolated ("safe") sysctls (Baseline).

Every ``spec.securityContext.sysctls[*].name`` (values are not checked) must be one of the safe
sysctls of the policy version:

* from v1.0: ``kernel.shm_rmid_forced``, ``net.ipv4.ip_local_port_range``,
  ``net.ipv4.tcp_syncookies``, ``net.ipv4.ping_group_range``, ``net.ipv4.ip_unprivileged_port_start``;
* from v1.27 also ``net.ipv4.ip_local_reserved_ports``;
* from v1.29 also ``net.ipv4.tcp_keepalive_time``, ``net.ipv4.tcp_fin_timeout``,
  ``net.ipv4.tcp_keepalive_intvl``, ``net.ipv4.tcp_keepalive_probes``;
* from v1.32 also ``net.ipv4.tcp_rmem``, ``net.ipv4.tcp_wmem``;
* from v1.37 also ``net.ipv4.tcp_slow_start_after_idle``, ``net.ipv4.tcp_notsent_lowat``.

Names are matched exactly (``net/ipv4/...`` spellings are not recognised).
"""

from __future__ import annotations

from ...gofmt import go_string
from .base import Check, Denial, Pod, VersionedCheck, mapping
from .rule import declined, pss_rule

ALLOWED_1_0 = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    }
)
ALLOWED_1_27 = ALLOWED_1_0 | {"net.ipv4.ip_local_reserved_ports"}
ALLOWED_1_29 = ALLOWED_1_27 | {
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
ALLOWED_1_32 = ALLOWED_1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
ALLOWED_1_37 = ALLOWED_1_32 | {"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"}


def _sysctls(pod: Pod, allowed: frozenset[str]) -> Denial | None:
    sysctls = pod.context.get("sysctls")
    if not isinstance(sysctls, list):
        return None
    # a null entry is an empty sysctl (name ""), which is not allowed
    names = [(i, go_string((mapping(entry) or {}).get("name"))) for i, entry in enumerate(sysctls)]
    forbidden = [(i, name) for i, name in names if name not in allowed]
    if not forbidden:
        return None
    return Denial(
        reason="forbidden sysctls",
        detail=", ".join(name for _, name in forbidden),  # in spec order, duplicates kept
        pointer=f"{pod.spec_pointer}/securityContext/sysctls/{forbidden[0][0]}/name",
    )


def sysctls_1_0(pod: Pod) -> Denial | None:
    return _sysctls(pod, ALLOWED_1_0)


def sysctls_1_27(pod: Pod) -> Denial | None:
    return _sysctls(pod, ALLOWED_1_27)


def sysctls_1_29(pod: Pod) -> Denial | None:
    return _sysctls(pod, ALLOWED_1_29)


def sysctls_1_32(pod: Pod) -> Denial | None:
    return _sysctls(pod, ALLOWED_1_32)


def sysctls_1_37(pod: Pod) -> Denial | None:
    return _sysctls(pod, ALLOWED_1_37)


CHECK = Check(
    id="sysctls",
    level="baseline",
    versions=(
        VersionedCheck(0, sysctls_1_0),
        VersionedCheck(27, sysctls_1_27),
        VersionedCheck(29, sysctls_1_29),
        VersionedCheck(32, sysctls_1_32),
        VersionedCheck(37, sysctls_1_37),
    ),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-sysctls",
    CHECK,
    title="Only safe sysctls",
    remediation="Remove unsafe sysctls from spec.securityContext.sysctls (only the namespaced, isolated ones are allowed).",
    fix=declined("removing unsafe sysctls changes kernel settings the workload asked for"),
)
