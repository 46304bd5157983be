"""The baseline Pod Security Standards checks, one small hand-written pod per case.

Each case evaluates a pod at the baseline level and one policy version with ``chartguard.pss`` and
compares every violation as ``(check, reason, detail, pointer)``: the reason and detail exactly as
Kubernetes' Pod Security Admission prints them (policy/check_*.go at the fixtures' commit), the
pointer at the first offending field. The pods are built so that only the check under test can
fire, so the lists also prove that no other check reacts.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers.objects import pod

from chartguard import pss
from chartguard.rules.pss import BASELINE

Row = tuple[str, str, str, str]

APPARMOR = "container.apparmor.security.beta.kubernetes.io/"
SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP = "container.seccomp.security.alpha.kubernetes.io/"


# --- building pods ---------------------------------------------------------------------------


def ctr(name: str = "app", context: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A container; ``context`` is its securityContext."""
    container = {"name": name, "image": "registry.k8s.io/pause", **fields}
    if context is not None:
        container["securityContext"] = context
    return container


def app_pod(
    *,
    containers: list[dict[str, Any]] | None = None,
    init: list[dict[str, Any]] | None = None,
    ephemeral: list[dict[str, Any]] | None = None,
    annotations: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    """A Pod with one container ``app`` unless told otherwise; ``init``, ``ephemeral`` and ``context``
    are its initContainers, ephemeralContainers and pod securityContext."""
    named = {"initContainers": init, "ephemeralContainers": ephemeral, "securityContext": context}
    spec.update({field: value for field, value in named.items() if value is not None})
    return pod(*(containers if containers is not None else [ctr()]), name="test", annotations=annotations, **spec)


def rows(obj: dict[str, Any], version: str, level: str = "baseline") -> list[Row]:
    return [(v.check, v.reason, v.detail, v.pointer) for v in pss.evaluate(obj, level, version)]


def case(version: str, obj: dict[str, Any], *expected: Row, id: str) -> Any:
    return pytest.param(version, obj, list(expected), id=id)


def debug(context: dict[str, Any] | None = None, **fields: Any) -> list[dict[str, Any]]:
    """One ephemeral container ``debug``."""
    return [ctr("debug", context, **fields)]


def init(context: dict[str, Any] | None = None, **fields: Any) -> list[dict[str, Any]]:
    """One init container ``init``."""
    return [ctr("init", context, **fields)]


# --- appArmorProfile -------------------------------------------------------------------------

APPARMOR_CASES = [
    case("v1.37", app_pod(context={"appArmorProfile": {"type": "RuntimeDefault"}},
                          containers=[ctr(context={"appArmorProfile": {"type": "Localhost", "localhostProfile": "p"}})],
                          annotations={APPARMOR + "app": "runtime/default", APPARMOR + "x": "localhost/p", APPARMOR + "y": ""}),
         id="apparmor-allowed-values"),
    case("v1.37", app_pod(context={"appArmorProfile": None}, containers=[ctr(context={"appArmorProfile": None})]),
         id="apparmor-null-is-unset"),
    case("v1.37", app_pod(context={"appArmorProfile": {"type": "Unconfined"}}),
         ("appArmorProfile", "forbidden AppArmor profile", 'pod must not set AppArmor profile type to "Unconfined"',
          "/spec/securityContext/appArmorProfile/type"),
         id="apparmor-pod-unconfined"),
    case("v1.0", app_pod(containers=[ctr(context={"appArmorProfile": {}})]),
         ("appArmorProfile", "forbidden AppArmor profile", 'container "app" must not set AppArmor profile type to ""',
          "/spec/containers/0/securityContext/appArmorProfile/type"),
         id="apparmor-container-empty-type-v1.0"),
    case("v1.37", app_pod(containers=[ctr("a", {"appArmorProfile": {"type": "Unconfined"}}),
                                      ctr("b", {"appArmorProfile": {"type": "Bogus"}})]),
         ("appArmorProfile", "forbidden AppArmor profiles", 'containers "a", "b" must not set AppArmor profile type to "Bogus", "Unconfined"',
          "/spec/containers/0/securityContext/appArmorProfile/type"),
         id="apparmor-two-containers-two-types"),
    case("v1.37", app_pod(init=init({"appArmorProfile": {"type": "Unconfined"}}),
                          ephemeral=debug({"appArmorProfile": {"type": "Unconfined"}})),
         ("appArmorProfile", "forbidden AppArmor profile", 'containers "init", "debug" must not set AppArmor profile type to "Unconfined"',
          "/spec/initContainers/0/securityContext/appArmorProfile/type"),
         id="apparmor-init-and-ephemeral"),
    case("v1.37", app_pod(annotations={APPARMOR + "ghost": "unconfined", APPARMOR: "bogus", APPARMOR + "ok": "localhost/"}),
         ("appArmorProfile", "forbidden AppArmor profiles",
          f'annotations must not set AppArmor profile type to "{APPARMOR}="bogus"", "{APPARMOR}ghost="unconfined""',
          "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1"),
         id="apparmor-annotations-any-suffix"),
    case("v1.37", app_pod(context={"appArmorProfile": {"type": "Unconfined"}},
                          ephemeral=debug({"appArmorProfile": {"type": "Unconfined"}}),
                          annotations={APPARMOR + "app": "unconfined"}),
         ("appArmorProfile", "forbidden AppArmor profiles",
          f'pod and container "debug" and annotation must not set AppArmor profile type to "Unconfined", "{APPARMOR}app="unconfined""',
          "/spec/securityContext/appArmorProfile/type"),
         id="apparmor-pod-container-and-annotation"),
    case("v1.37", app_pod(annotations={APPARMOR + "app": 'a"b\\\n\x01\x7f\u00a0é'}),
         ("appArmorProfile", "forbidden AppArmor profile",
          f'annotation must not set AppArmor profile type to "{APPARMOR}app="a\\"b\\\\\\n\\x01\\x7f\\u00a0é""',
          "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app"),
         id="apparmor-annotation-value-go-quoted"),
]  # fmt: skip

# --- capabilities_baseline -------------------------------------------------------------------

DEFAULT_CAPABILITIES = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                        "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]  # fmt: skip

CAPABILITIES_CASES = [
    case("v1.37", app_pod(containers=[ctr(context={"capabilities": {"add": DEFAULT_CAPABILITIES, "drop": ["ALL"]}})]),
         id="capabilities-default-set-allowed"),
    case("v1.37", app_pod(containers=[ctr(context={"capabilities": {}})], init=init({"capabilities": {"drop": ["ALL"]}})),
         id="capabilities-drop-only-allowed"),
    case("v1.37", app_pod(containers=[ctr(context={"capabilities": {"add": ["NET_RAW"]}})]),
         ("capabilities_baseline", "non-default capabilities",
          'container "app" must not include "NET_RAW" in securityContext.capabilities.add',
          "/spec/containers/0/securityContext/capabilities/add/0"),
         id="capabilities-net-raw"),
    case("v1.0", app_pod(containers=[ctr(context={"capabilities": {"add": ["CHOWN", "chown", "CAP_CHOWN"]}})]),
         ("capabilities_baseline", "non-default capabilities",
          'container "app" must not include "CAP_CHOWN", "chown" in securityContext.capabilities.add',
          "/spec/containers/0/securityContext/capabilities/add/1"),
         id="capabilities-exact-case-sensitive-names"),
    case("v1.37", app_pod(init=init({"capabilities": {"add": ["SYS_ADMIN"]}}),
                          containers=[ctr(context={"capabilities": {"add": ["KILL", "SYS_ADMIN", "NET_RAW"]}})],
                          ephemeral=debug({"capabilities": {"add": ["ALL"]}})),
         ("capabilities_baseline", "non-default capabilities",
          'containers "init", "app", "debug" must not include "ALL", "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
          "/spec/initContainers/0/securityContext/capabilities/add/0"),
         id="capabilities-init-regular-ephemeral"),
]  # fmt: skip

# --- hostPathVolumes -------------------------------------------------------------------------

HOST_PATH_CASES = [
    case("v1.37", app_pod(volumes=[{"name": "e", "emptyDir": {}}, {"name": "n", "hostPath": None}]),
         id="hostpath-null-allowed"),
    case("v1.37", app_pod(volumes=[{"name": "e", "emptyDir": {}}, {"name": "h", "hostPath": {"path": "/etc"}}]),
         ("hostPathVolumes", "hostPath volumes", 'volume "h"', "/spec/volumes/1/hostPath"),
         id="hostpath-one"),
    case("v1.0", app_pod(volumes=[{"name": "h1", "hostPath": {}}, {"name": "c", "configMap": {"name": "x"}},
                                  {"name": "h2", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}}]),
         ("hostPathVolumes", "hostPath volumes", 'volumes "h1", "h2"', "/spec/volumes/0/hostPath"),
         id="hostpath-empty-object-is-set"),
]  # fmt: skip

# --- hostPorts -------------------------------------------------------------------------------

HOST_PORT_CASES = [
    case("v1.37", app_pod(containers=[ctr(ports=[{"containerPort": 80}, {"containerPort": 81, "hostPort": 0}])]),
         id="hostports-unset-or-zero-allowed"),
    case("v1.37", app_pod(containers=[ctr(ports=[{"containerPort": 80, "hostPort": 80}])]),
         ("hostPorts", "hostPort", 'container "app" uses hostPort 80', "/spec/containers/0/ports/0/hostPort"),
         id="hostports-one"),
    case("v1.37", app_pod(containers=[ctr(ports=[{"containerPort": 80, "hostPort": 80}, {"containerPort": 443, "hostPort": 443}])]),
         ("hostPorts", "hostPort", 'container "app" uses hostPorts 443, 80', "/spec/containers/0/ports/0/hostPort"),
         id="hostports-one-container-two-ports"),
    case("v1.0", app_pod(init=init(ports=[{"containerPort": 1, "hostPort": 10000}]),
                         containers=[ctr(ports=[{"containerPort": 2, "hostPort": 0}, {"containerPort": 3, "hostPort": 80},
                                                {"containerPort": 4, "hostPort": 80}])]),
         ("hostPorts", "hostPort", 'containers "init", "app" use hostPorts 10000, 80', "/spec/initContainers/0/ports/0/hostPort"),
         id="hostports-sorted-as-strings"),
    case("v1.37", app_pod(ephemeral=debug(ports=[{"containerPort": 8080, "hostPort": 8080}])),
         ("hostPorts", "hostPort", 'container "debug" uses hostPort 8080', "/spec/ephemeralContainers/0/ports/0/hostPort"),
         id="hostports-ephemeral"),
    case("v1.37", app_pod(os={"name": "windows"}, containers=[ctr(ports=[{"containerPort": 80, "hostPort": 80}])]),
         ("hostPorts", "hostPort", 'container "app" uses hostPort 80', "/spec/containers/0/ports/0/hostPort"),
         id="hostports-windows-pod-too"),
]  # fmt: skip

# --- hostProbesAndHostLifecycle --------------------------------------------------------------

LIVENESS_HOST = {"livenessProbe": {"httpGet": {"host": "10.0.0.1", "port": 80}}}

HOST_PROBE_CASES = [
    case("v1.33", app_pod(containers=[ctr(**LIVENESS_HOST)]), id="probes-absent-before-v1.34"),
    case("v1.34", app_pod(containers=[ctr(**LIVENESS_HOST)]),
         ("hostProbesAndHostLifecycle", "probe or lifecycle host", 'container "app" uses probe or lifecycle host "10.0.0.1"',
          "/spec/containers/0/livenessProbe/httpGet/host"),
         id="probes-liveness-httpget-v1.34"),
    case("v1.37", app_pod(containers=[ctr(
            livenessProbe={"httpGet": {"host": "", "port": 80}},
            readinessProbe={"tcpSocket": {"port": 80}},
            startupProbe={"exec": {"command": ["true"]}},
            lifecycle={"postStart": {"sleep": {"seconds": 1}}, "preStop": {"httpGet": {"port": 80, "host": None}}})]),
         id="probes-empty-or-unset-host-allowed"),
    case("v1.37", app_pod(containers=[ctr(readinessProbe={"tcpSocket": {"host": "::1", "port": 80}})]),
         ("hostProbesAndHostLifecycle", "probe or lifecycle host", 'container "app" uses probe or lifecycle host "::1"',
          "/spec/containers/0/readinessProbe/tcpSocket/host"),
         id="probes-readiness-tcpsocket"),
    case("v1.37", app_pod(containers=[ctr(startupProbe={"httpGet": {"host": "localhost", "port": 80},
                                                        "tcpSocket": {"host": "127.0.0.1", "port": 81}})]),
         ("hostProbesAndHostLifecycle", "probe or lifecycle host", 'container "app" uses probe or lifecycle hosts "127.0.0.1", "localhost"',
          "/spec/containers/0/startupProbe/httpGet/host"),
         id="probes-startup-both-actions"),
    case("v1.37", app_pod(containers=[ctr(lifecycle={"postStart": {"httpGet": {"host": "a.com", "port": 80}}})]),
         ("hostProbesAndHostLifecycle", "probe or lifecycle host", 'container "app" uses probe or lifecycle host "a.com"',
          "/spec/containers/0/lifecycle/postStart/httpGet/host"),
         id="probes-poststart-httpget"),
    case("v1.37", app_pod(containers=[ctr(lifecycle={"preStop": {"tcpSocket": {"host": "b.com", "port": 80}}})]),
         ("hostProbesAndHostLifecycle", "probe or lifecycle host", 'container "app" uses probe or lifecycle host "b.com"',
          "/spec/containers/0/lifecycle/preStop/tcpSocket/host"),
         id="probes-prestop-tcpsocket"),
    case("v1.37", app_pod(init=[ctr("zinit", livenessProbe={"httpGet": {"host": "b.com", "port": 80}})],
                          containers=[ctr(readinessProbe={"httpGet": {"host": "a.com", "port": 80}},
                                          lifecycle={"preStop": {"httpGet": {"host": "a.com", "port": 80}}})],
                          ephemeral=debug(startupProbe={"tcpSocket": {"host": "localhost", "port": 80}})),
         ("hostProbesAndHostLifecycle", "probe or lifecycle host",
          'containers "app", "debug", "zinit" use probe or lifecycle hosts "a.com", "b.com", "localhost"',
          "/spec/initContainers/0/livenessProbe/httpGet/host"),
         id="probes-names-and-hosts-sorted"),
]  # fmt: skip

# --- privileged ------------------------------------------------------------------------------

PRIVILEGED_CASES = [
    case("v1.37", app_pod(containers=[ctr(context={"privileged": False})], init=init({})), id="privileged-false-allowed"),
    case("v1.37", app_pod(containers=[ctr(context={"privileged": True})]),
         ("privileged", "privileged", 'container "app" must not set securityContext.privileged=true',
          "/spec/containers/0/securityContext/privileged"),
         id="privileged-container"),
    case("v1.0", app_pod(init=init({"privileged": True}), ephemeral=debug({"privileged": True})),
         ("privileged", "privileged", 'containers "init", "debug" must not set securityContext.privileged=true',
          "/spec/initContainers/0/securityContext/privileged"),
         id="privileged-init-and-ephemeral"),
]  # fmt: skip

# --- procMount -------------------------------------------------------------------------------

UNMASKED = {"procMount": "Unmasked"}
PROC_MOUNT_DENIAL = ("procMount", "procMount", 'container "app" must not set securityContext.procMount to "Unmasked"',
                     "/spec/containers/0/securityContext/procMount")  # fmt: skip

PROC_MOUNT_CASES = [
    case("v1.37", app_pod(containers=[ctr(context={"procMount": "Default"})]), id="procmount-default-allowed"),
    case("v1.37", app_pod(containers=[ctr(context=UNMASKED)]), PROC_MOUNT_DENIAL, id="procmount-unmasked"),
    case("v1.34", app_pod(hostUsers=False, containers=[ctr(context=UNMASKED)]), PROC_MOUNT_DENIAL,
         id="procmount-hostusers-false-v1.34-strict"),
    case("v1.35", app_pod(hostUsers=False, containers=[ctr(context=UNMASKED)]), id="procmount-hostusers-false-v1.35-relaxed"),
    case("v1.35", app_pod(hostUsers=True, containers=[ctr(context=UNMASKED)]), PROC_MOUNT_DENIAL,
         id="procmount-hostusers-true-v1.35"),
    case("v1.35", app_pod(containers=[ctr(context=UNMASKED)]), PROC_MOUNT_DENIAL, id="procmount-hostusers-unset-v1.35"),
    case("v1.0", app_pod(init=init(UNMASKED), ephemeral=debug({"procMount": "Bogus"})),
         ("procMount", "procMount", 'containers "init", "debug" must not set securityContext.procMount to "Bogus", "Unmasked"',
          "/spec/initContainers/0/securityContext/procMount"),
         id="procmount-init-and-ephemeral"),
]  # fmt: skip

# --- seLinuxOptions --------------------------------------------------------------------------

SELINUX_CASES = [
    case("v1.0", app_pod(context={"seLinuxOptions": {"type": "container_t", "level": "s0:c123,c456"}},
                         init=init({"seLinuxOptions": {"type": "container_init_t"}}),
                         containers=[ctr(context={"seLinuxOptions": {"type": "container_kvm_t"}})],
                         ephemeral=debug({"seLinuxOptions": {}})),
         id="selinux-allowed-types-and-level"),
    case("v1.37", app_pod(context={"seLinuxOptions": {"type": "spc_t"}}),
         ("seLinuxOptions", "seLinuxOptions", 'pod set forbidden securityContext.seLinuxOptions: type "spc_t"',
          "/spec/securityContext/seLinuxOptions/type"),
         id="selinux-pod-type"),
    case("v1.30", app_pod(containers=[ctr(context={"seLinuxOptions": {"type": "container_engine_t"}})]),
         ("seLinuxOptions", "seLinuxOptions", 'container "app" set forbidden securityContext.seLinuxOptions: type "container_engine_t"',
          "/spec/containers/0/securityContext/seLinuxOptions/type"),
         id="selinux-container-engine-t-v1.30"),
    case("v1.31", app_pod(containers=[ctr(context={"seLinuxOptions": {"type": "container_engine_t"}})]),
         id="selinux-container-engine-t-v1.31"),
    case("v1.37", app_pod(init=init({"seLinuxOptions": {"user": "system_u"}})),
         ("seLinuxOptions", "seLinuxOptions", 'container "init" set forbidden securityContext.seLinuxOptions: user may not be set',
          "/spec/initContainers/0/securityContext/seLinuxOptions/user"),
         id="selinux-init-user"),
    case("v1.37", app_pod(ephemeral=debug({"seLinuxOptions": {"role": "system_r", "type": "container_t"}})),
         ("seLinuxOptions", "seLinuxOptions", 'container "debug" set forbidden securityContext.seLinuxOptions: role may not be set',
          "/spec/ephemeralContainers/0/securityContext/seLinuxOptions/role"),
         id="selinux-ephemeral-role"),
    case("v1.37", app_pod(context={"seLinuxOptions": {"role": "r"}},
                          init=init({"seLinuxOptions": {"type": "foo"}}),
                          containers=[ctr(context={"seLinuxOptions": {}})],
                          ephemeral=debug({"seLinuxOptions": {"type": "bar", "user": "u"}})),
         ("seLinuxOptions", "seLinuxOptions",
          'pod and containers "init", "debug" set forbidden securityContext.seLinuxOptions: '
          'types "bar", "foo"; user may not be set; role may not be set',
          "/spec/securityContext/seLinuxOptions/role"),
         id="selinux-pod-and-containers"),
]  # fmt: skip

# --- seccompProfile_baseline -----------------------------------------------------------------

UNCONFINED = {"seccompProfile": {"type": "Unconfined"}}

SECCOMP_CASES = [
    case("v1.18", app_pod(context=UNCONFINED, containers=[ctr(context=UNCONFINED)]), id="seccomp-fields-ignored-v1.18"),
    case("v1.19", app_pod(context=UNCONFINED),
         ("seccompProfile_baseline", "seccompProfile", 'pod must not set securityContext.seccompProfile.type to "Unconfined"',
          "/spec/securityContext/seccompProfile/type"),
         id="seccomp-pod-field-v1.19"),
    case("v1.18", app_pod(annotations={SECCOMP_POD: "unconfined"}),
         ("seccompProfile_baseline", "seccompProfile", f'forbidden annotation {SECCOMP_POD}="unconfined"',
          "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod"),
         id="seccomp-pod-annotation-v1.18"),
    case("v1.19", app_pod(annotations={SECCOMP_POD: "unconfined"}), id="seccomp-annotation-ignored-v1.19"),
    case("v1.18", app_pod(init=init(), ephemeral=debug(),
                          annotations={SECCOMP_POD: "runtime/default", SECCOMP + "init": "docker/default",
                                       SECCOMP + "debug": "localhost/profile.json", SECCOMP + "ghost": "unconfined"}),
         id="seccomp-annotations-allowed-v1.18"),
    case("v1.0", app_pod(annotations={SECCOMP + "app": ""}),
         ("seccompProfile_baseline", "seccompProfile", f'forbidden annotation {SECCOMP}app=""',
          "/metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1app"),
         id="seccomp-empty-annotation-denied-v1.0"),
    case("v1.0", app_pod(init=init(), ephemeral=debug(),
                         annotations={SECCOMP_POD: "unconfined", SECCOMP + "init": "unknown", SECCOMP + "debug": "unconfined"}),
         ("seccompProfile_baseline", "seccompProfile",
          f'forbidden annotations {SECCOMP}debug="unconfined", {SECCOMP}init="unknown", {SECCOMP_POD}="unconfined"',
          "/metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1debug"),
         id="seccomp-annotations-sorted-v1.0"),
    case("v1.37", app_pod(context={"seccompProfile": {"type": "RuntimeDefault"}},
                          containers=[ctr(context={"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}})]),
         id="seccomp-allowed-types"),
    case("v1.37", app_pod(init=init(UNCONFINED), containers=[ctr(context={"seccompProfile": {}})]),
         ("seccompProfile_baseline", "seccompProfile",
          'containers "init", "app" must not set securityContext.seccompProfile.type to "", "Unconfined"',
          "/spec/initContainers/0/securityContext/seccompProfile/type"),
         id="seccomp-containers-empty-type"),
    case("v1.37", app_pod(context=UNCONFINED, ephemeral=debug(UNCONFINED)),
         ("seccompProfile_baseline", "seccompProfile",
          'pod and container "debug" must not set securityContext.seccompProfile.type to "Unconfined"',
          "/spec/securityContext/seccompProfile/type"),
         id="seccomp-pod-and-ephemeral"),
]  # fmt: skip

# --- sysctls ---------------------------------------------------------------------------------


def sysctls(*names: str) -> dict[str, Any]:
    return app_pod(context={"sysctls": [{"name": name, "value": "1"} for name in names]})


def forbidden_sysctls(detail: str, index: int = 0) -> Row:
    return ("sysctls", "forbidden sysctls", detail, f"/spec/securityContext/sysctls/{index}/name")


SYSCTL_CASES = [
    case("v1.0", sysctls("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
                         "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"),
         id="sysctls-v1.0-set"),
    case("v1.26", sysctls("net.ipv4.ip_local_reserved_ports"), forbidden_sysctls("net.ipv4.ip_local_reserved_ports"),
         id="sysctls-reserved-ports-v1.26"),
    case("v1.27", sysctls("net.ipv4.ip_local_reserved_ports"), id="sysctls-reserved-ports-v1.27"),
    case("v1.28", sysctls("net.ipv4.tcp_syncookies", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                          "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"),
         forbidden_sysctls("net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl, "
                           "net.ipv4.tcp_keepalive_probes", 1),
         id="sysctls-keepalive-v1.28"),
    case("v1.29", sysctls("net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                          "net.ipv4.tcp_keepalive_probes"),
         id="sysctls-keepalive-v1.29"),
    case("v1.31", sysctls("net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"), forbidden_sysctls("net.ipv4.tcp_rmem, net.ipv4.tcp_wmem"),
         id="sysctls-rmem-wmem-v1.31"),
    case("v1.32", sysctls("net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"), id="sysctls-rmem-wmem-v1.32"),
    case("v1.36", sysctls("net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"),
         forbidden_sysctls("net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat"),
         id="sysctls-slow-start-notsent-v1.36"),
    case("v1.37", sysctls("net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"),
         id="sysctls-slow-start-notsent-v1.37"),
    case("v1.37", sysctls("kernel.shm_rmid_forced", "kernel.msgmax", "net.core.somaxconn", "kernel.msgmax"),
         forbidden_sysctls("kernel.msgmax, net.core.somaxconn, kernel.msgmax", 1),
         id="sysctls-spec-order-duplicates-kept"),
    case("v1.37", sysctls("net/ipv4/tcp_syncookies"), forbidden_sysctls("net/ipv4/tcp_syncookies"),
         id="sysctls-exact-names"),
]  # fmt: skip

# --- windowsHostProcess ----------------------------------------------------------------------

HOST_PROCESS = {"windowsOptions": {"hostProcess": True}}
WINDOWS = {"name": "windows"}

WINDOWS_CASES = [
    case("v1.37", app_pod(os=WINDOWS, context={"windowsOptions": {"hostProcess": False, "runAsUserName": "u"}},
                          containers=[ctr(context={"windowsOptions": {"hostProcess": False}})]),
         id="hostprocess-false-allowed"),
    case("v1.37", app_pod(os=WINDOWS, context=HOST_PROCESS),
         ("windowsHostProcess", "hostProcess", "pod must not set securityContext.windowsOptions.hostProcess=true",
          "/spec/securityContext/windowsOptions/hostProcess"),
         id="hostprocess-pod"),
    case("v1.0", app_pod(os=WINDOWS, context=HOST_PROCESS, init=init(HOST_PROCESS), containers=[ctr(context=HOST_PROCESS)]),
         ("windowsHostProcess", "hostProcess",
          'pod and containers "init", "app" must not set securityContext.windowsOptions.hostProcess=true',
          "/spec/securityContext/windowsOptions/hostProcess"),
         id="hostprocess-pod-and-containers"),
    case("v1.37", app_pod(ephemeral=debug(HOST_PROCESS)),
         ("windowsHostProcess", "hostProcess", 'container "debug" must not set securityContext.windowsOptions.hostProcess=true',
          "/spec/ephemeralContainers/0/securityContext/windowsOptions/hostProcess"),
         id="hostprocess-ephemeral-without-os"),
]  # fmt: skip


ALL_CASES = (
    APPARMOR_CASES + CAPABILITIES_CASES + HOST_PATH_CASES + HOST_PORT_CASES + HOST_PROBE_CASES + PRIVILEGED_CASES
    + PROC_MOUNT_CASES + SELINUX_CASES + SECCOMP_CASES + SYSCTL_CASES + WINDOWS_CASES
)  # fmt: skip


@pytest.mark.parametrize(("version", "obj", "expected"), ALL_CASES)
def test_baseline_check(version, obj, expected):
    assert rows(obj, version) == expected


# --- around the checks -----------------------------------------------------------------------


def test_minimal_pod_is_allowed_at_every_version():
    minimal = app_pod(init=init(), ephemeral=debug(), context={})
    for minor in range(38):
        assert rows(minimal, f"v1.{minor}") == [], minor


def test_every_baseline_check_is_registered_with_its_rule_id():
    assert {module.CHECK.id: module.RULE.id for module in BASELINE} == {
        "appArmorProfile": "pss-apparmor-profile",
        "capabilities_baseline": "pss-capabilities-baseline",
        "hostNamespaces": "pss-host-namespaces",
        "hostPathVolumes": "pss-host-path-volumes",
        "hostPorts": "pss-host-ports",
        "hostProbesAndHostLifecycle": "pss-host-probes-and-lifecycle",
        "privileged": "pss-privileged",
        "procMount": "pss-proc-mount",
        "seLinuxOptions": "pss-selinux-options",
        "seccompProfile_baseline": "pss-seccomp-profile-baseline",
        "sysctls": "pss-sysctls",
        "windowsHostProcess": "pss-windows-host-process",
    }
    assert all(module.CHECK.level == "baseline" and module.CHECK.doc.strip() for module in BASELINE)


def test_deployment_template_pointers():
    template = app_pod(
        containers=[ctr(context={"privileged": True}, ports=[{"containerPort": 80, "hostPort": 80}])],
        annotations={APPARMOR + "app": "unconfined"},
        volumes=[{"name": "h", "hostPath": {"path": "/"}}],
    )
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"template": {"metadata": template["metadata"], "spec": template["spec"]}},
    }
    assert rows(deployment, "v1.37") == [
        ("appArmorProfile", "forbidden AppArmor profile",
         f'annotation must not set AppArmor profile type to "{APPARMOR}app="unconfined""',
         "/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app"),
        ("hostPathVolumes", "hostPath volumes", 'volume "h"', "/spec/template/spec/volumes/0/hostPath"),
        ("hostPorts", "hostPort", 'container "app" uses hostPort 80', "/spec/template/spec/containers/0/ports/0/hostPort"),
        ("privileged", "privileged", 'container "app" must not set securityContext.privileged=true',
         "/spec/template/spec/containers/0/securityContext/privileged"),
    ]  # fmt: skip
    assert pss.message(pss.evaluate(deployment, "baseline", "v1.37")) == (
        f'forbidden AppArmor profile (annotation must not set AppArmor profile type to "{APPARMOR}app="unconfined""), '
        'hostPath volumes (volume "h"), hostPort (container "app" uses hostPort 80), '
        'privileged (container "app" must not set securityContext.privileged=true)'
    )


def test_exempted_containers_are_not_seen():
    obj = app_pod(init=init({"privileged": True}), ephemeral=debug({"privileged": True}))
    exemptions = (pss.Exemption("privileged", containers=("debug",)),)
    assert [(v.detail, v.pointer) for v in pss.evaluate(obj, "baseline", "v1.37", exemptions=exemptions)] == [
        ('container "init" must not set securityContext.privileged=true', "/spec/initContainers/0/securityContext/privileged")
    ]


def test_seccomp_annotation_of_exempted_container_is_not_read():
    obj = app_pod(init=init(), annotations={SECCOMP + "init": "unconfined"})
    assert rows(obj, "v1.18")[0][2] == f'forbidden annotation {SECCOMP}init="unconfined"'
    exemptions = (pss.Exemption("seccompProfile_baseline", containers=("init",)),)
    assert pss.evaluate(obj, "baseline", "v1.18", exemptions=exemptions) == []


def test_overridden_baseline_checks_do_not_run_at_restricted():
    obj = app_pod(volumes=[{"name": "h", "hostPath": {"path": "/"}}])
    checks = [v.check for v in pss.evaluate(obj, "restricted", "v1.37")]
    assert "hostPathVolumes" not in checks and "restrictedVolumes" in checks
