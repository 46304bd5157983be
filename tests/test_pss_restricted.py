"""The Restricted Pod Security Standards checks (chartguard/rules/pss/*): exact PSA reasons, details,
pointers and version boundaries, on small hand-written pods; and how the restricted checks replace
baseline ones (``chartguard.pss.active_checks`` / ``evaluate``).

Every expectation follows the reference pod-security-admission ``policy/check_*.go``.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers.objects import pod

from chartguard import pss
from chartguard.manifests import Manifest
from chartguard.rules.base import RuleContext
from chartguard.rules.pss import RESTRICTED
from chartguard.rules.pss.base import Exemption, PodSecuritySettings
from chartguard.workloads import pod_under_test

# --------------------------------------------------------------------------------------------
# building pods


def c(name: str = "app", **context: Any) -> dict[str, Any]:
    """A container; keyword arguments form its securityContext (``sc=None`` for a null one)."""
    container: dict[str, Any] = {"name": name, "image": "registry.k8s.io/pause"}
    if "sc" in context:
        container["securityContext"] = context.pop("sc")
    if context:
        container["securityContext"] = context
    return container


def spec(*containers: dict[str, Any], init=(), ephemeral=(), **fields: Any) -> dict[str, Any]:
    """A pod spec; ``sc`` is the pod's securityContext, ``os`` a shortcut for ``os.name``."""
    result: dict[str, Any] = {"containers": list(containers)}
    if init:
        result["initContainers"] = list(init)
    if ephemeral:
        result["ephemeralContainers"] = list(ephemeral)
    if "sc" in fields:
        result["securityContext"] = fields.pop("sc")
    if "os" in fields:
        result["os"] = {"name": fields.pop("os")}
    result.update(fields)
    return result


#: A container that satisfies every restricted container-level check.
GOOD = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
#: A pod securityContext that satisfies every restricted pod-level check.
GOOD_POD = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


def run(check_id: str, version: str, pod_spec: dict[str, Any], metadata: dict[str, Any] | None = None):
    """The check's verdict at restricted/version: None (allowed), (reason, detail, pointer), or
    "not run" when the check does not exist at that version."""
    versioned = pss.implementation(check_id, "restricted", version)
    if versioned is None:
        return "not run"
    denial = versioned.check(pod_under_test(metadata or {}, pod_spec))
    return None if denial is None else (denial.reason, denial.detail, denial.pointer)


def ids(level: str, version: str) -> list[str]:
    return [check.id for check, _ in pss.active_checks(level, pss.resolve_version(version))]


# --------------------------------------------------------------------------------------------
# allowPrivilegeEscalation

APE = "allowPrivilegeEscalation != false"
APE_DETAIL = "must set securityContext.allowPrivilegeEscalation=false"
APE_PTR = "/spec/containers/0/securityContext/allowPrivilegeEscalation"

ALLOW_PRIVILEGE_ESCALATION = [
    ("v1.7", spec(c()), "not run"),
    ("v1.8", spec(c()), (APE, f'container "app" {APE_DETAIL}', APE_PTR)),
    ("v1.8", spec(c(sc=None)), (APE, f'container "app" {APE_DETAIL}', APE_PTR)),
    ("v1.8", spec(c(sc={})), (APE, f'container "app" {APE_DETAIL}', APE_PTR)),
    ("v1.8", spec(c(allowPrivilegeEscalation=None)), (APE, f'container "app" {APE_DETAIL}', APE_PTR)),
    ("v1.8", spec(c(allowPrivilegeEscalation=True)), (APE, f'container "app" {APE_DETAIL}', APE_PTR)),
    ("v1.8", spec(c(allowPrivilegeEscalation="false")), (APE, f'container "app" {APE_DETAIL}', APE_PTR)),
    ("v1.8", spec(c(allowPrivilegeEscalation=False)), None),
    ("v1.37", spec(c(allowPrivilegeEscalation=False)), None),
    ("v1.37", spec(), None),  # no containers
    # pod-level securityContext has no such field: it is not read
    ("v1.37", spec(c(), sc={"allowPrivilegeEscalation": False}), (APE, f'container "app" {APE_DETAIL}', APE_PTR)),
    # init, regular and ephemeral containers, named in that order
    (
        "v1.37",
        spec(
            c("app", allowPrivilegeEscalation=False),
            c("side"),
            init=[c("init", allowPrivilegeEscalation=True)],
            ephemeral=[c("debug")],
        ),
        (
            APE,
            f'containers "init", "side", "debug" {APE_DETAIL}',
            "/spec/initContainers/0/securityContext/allowPrivilegeEscalation",
        ),
    ),
    (
        "v1.37",
        spec(c(allowPrivilegeEscalation=False), ephemeral=[c("debug", sc={})]),
        (APE, f'container "debug" {APE_DETAIL}', "/spec/ephemeralContainers/0/securityContext/allowPrivilegeEscalation"),
    ),
    # Windows pods are exempt from v1.25 only, and only with the exact name "windows"
    ("v1.24", spec(c(), os="windows"), (APE, f'container "app" {APE_DETAIL}', APE_PTR)),
    ("v1.25", spec(c(), os="windows"), None),
    ("v1.37", spec(c(allowPrivilegeEscalation=True), os="windows"), None),
    ("v1.37", spec(c(), os="Windows"), (APE, f'container "app" {APE_DETAIL}', APE_PTR)),
    ("v1.37", spec(c(), os="linux"), (APE, f'container "app" {APE_DETAIL}', APE_PTR)),
    ("v1.37", spec(c(), os={}), (APE, f'container "app" {APE_DETAIL}', APE_PTR)),
]


@pytest.mark.parametrize("version, pod_spec, expected", ALLOW_PRIVILEGE_ESCALATION)
def test_allow_privilege_escalation(version, pod_spec, expected):
    assert run("allowPrivilegeEscalation", version, pod_spec) == expected


# --------------------------------------------------------------------------------------------
# capabilities_restricted

CAPS = "unrestricted capabilities"
DROP = 'must set securityContext.capabilities.drop=["ALL"]'
DROP_PTR = "/spec/containers/0/securityContext/capabilities/drop"
EVERY_CAPABILITY = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_ADMIN",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_ADMIN",
    "SYS_CHROOT",
]

CAPABILITIES_RESTRICTED = [
    ("v1.21", spec(c()), "not run"),
    ("v1.22", spec(c()), (CAPS, f'container "app" {DROP}', DROP_PTR)),
    ("v1.22", spec(c(sc={})), (CAPS, f'container "app" {DROP}', DROP_PTR)),
    ("v1.22", spec(c(capabilities=None)), (CAPS, f'container "app" {DROP}', DROP_PTR)),
    ("v1.22", spec(c(capabilities={})), (CAPS, f'container "app" {DROP}', DROP_PTR)),
    ("v1.22", spec(c(capabilities={"drop": []})), (CAPS, f'container "app" {DROP}', DROP_PTR)),
    ("v1.22", spec(c(capabilities={"drop": ["all"]})), (CAPS, f'container "app" {DROP}', DROP_PTR)),
    ("v1.22", spec(c(capabilities={"drop": "ALL"})), (CAPS, f'container "app" {DROP}', DROP_PTR)),
    # naming every capability is not dropping "ALL"
    ("v1.22", spec(c(capabilities={"drop": EVERY_CAPABILITY})), (CAPS, f'container "app" {DROP}', DROP_PTR)),
    ("v1.22", spec(c(capabilities={"drop": ["NET_RAW", "ALL"]})), None),
    ("v1.22", spec(c(capabilities={"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})), None),
    ("v1.22", spec(c(capabilities={"drop": ["ALL"], "add": []})), None),
    (
        "v1.22",
        spec(c(capabilities={"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "SYS_ADMIN", "CHOWN", "SYS_ADMIN"]})),
        (
            CAPS,
            'container "app" must not include "CHOWN", "SYS_ADMIN" in securityContext.capabilities.add',
            "/spec/containers/0/securityContext/capabilities/add/1",
        ),
    ),
    (
        "v1.37",
        spec(c(capabilities={"drop": ["ALL"], "add": ["net_bind_service"]})),
        (
            CAPS,
            'container "app" must not include "net_bind_service" in securityContext.capabilities.add',
            "/spec/containers/0/securityContext/capabilities/add/0",
        ),
    ),
    # both problems: the drop part first, then the add part; names in init, regular, ephemeral order
    (
        "v1.37",
        spec(
            c("b", capabilities={"drop": ["ALL"], "add": ["NET_RAW"]}),
            init=[c("a", capabilities={"add": ["NET_BIND_SERVICE"]})],
            ephemeral=[c("e", capabilities={"add": ["SYS_ADMIN", "NET_RAW"]})],
        ),
        (
            CAPS,
            'containers "a", "e" must set securityContext.capabilities.drop=["ALL"]; '
            'containers "b", "e" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
            "/spec/initContainers/0/securityContext/capabilities/drop",
        ),
    ),
    (
        "v1.37",
        spec(c(**GOOD), ephemeral=[c("e", capabilities={"drop": ["ALL"], "add": ["BPF"]})]),
        (
            CAPS,
            'container "e" must not include "BPF" in securityContext.capabilities.add',
            "/spec/ephemeralContainers/0/securityContext/capabilities/add/0",
        ),
    ),
    # pod-level securityContext has no capabilities: not read
    ("v1.37", spec(c(), sc={"capabilities": {"drop": ["ALL"]}}), (CAPS, f'container "app" {DROP}', DROP_PTR)),
    # Windows exemption from v1.25
    ("v1.24", spec(c(), os="windows"), (CAPS, f'container "app" {DROP}', DROP_PTR)),
    ("v1.25", spec(c(), os="windows"), None),
    ("v1.25", spec(c(capabilities={"add": ["SYS_ADMIN"]}), os="windows"), None),
    ("v1.25", spec(c(), os="linux"), (CAPS, f'container "app" {DROP}', DROP_PTR)),
]


@pytest.mark.parametrize("version, pod_spec, expected", CAPABILITIES_RESTRICTED)
def test_capabilities_restricted(version, pod_spec, expected):
    assert run("capabilities_restricted", version, pod_spec) == expected


# --------------------------------------------------------------------------------------------
# procMount_restricted

PM_PTR = "/spec/containers/0/securityContext/procMount"
UNMASKED = ("procMount", 'container "app" must not set securityContext.procMount to "Unmasked"', PM_PTR)

PROC_MOUNT_RESTRICTED = [
    ("v1.34", spec(c(procMount="Unmasked")), "not run"),
    ("v1.35", spec(c(procMount="Unmasked")), UNMASKED),
    # unlike baseline procMount from v1.35, a user-namespace pod is not relaxed
    ("v1.35", spec(c(procMount="Unmasked"), hostUsers=False), UNMASKED),
    ("v1.35", spec(c(procMount="Unmasked"), hostUsers=True), UNMASKED),
    ("v1.35", spec(c(procMount="Default")), None),
    ("v1.35", spec(c(procMount=None)), None),
    ("v1.35", spec(c(sc={})), None),
    ("v1.35", spec(c()), None),
    (
        "v1.37",
        spec(c(procMount="default")),
        ("procMount", 'container "app" must not set securityContext.procMount to "default"', PM_PTR),
    ),
    ("v1.37", spec(c(procMount="")), ("procMount", 'container "app" must not set securityContext.procMount to ""', PM_PTR)),
    (
        "v1.37",
        spec(
            c("app", procMount="Unmasked"),
            c("ok", procMount="Default"),
            init=[c("init", procMount="Weird")],
            ephemeral=[c("debug", procMount="Unmasked")],
        ),
        (
            "procMount",
            'containers "init", "app", "debug" must not set securityContext.procMount to "Unmasked", "Weird"',
            "/spec/initContainers/0/securityContext/procMount",
        ),
    ),
    ("v1.37", spec(c(procMount="Unmasked"), os="windows"), UNMASKED),  # no Windows exemption
]


@pytest.mark.parametrize("version, pod_spec, expected", PROC_MOUNT_RESTRICTED)
def test_proc_mount_restricted(version, pod_spec, expected):
    assert run("procMount_restricted", version, pod_spec) == expected


# --------------------------------------------------------------------------------------------
# restrictedVolumes

RV = "restricted volume types"
ALLOWED_SOURCES = {
    "configMap": {"name": "cm"},
    "csi": {"driver": "x"},
    "downwardAPI": {"items": []},
    "emptyDir": {},
    "ephemeral": {"volumeClaimTemplate": {"spec": {}}},
    "image": {"reference": "registry.k8s.io/pause"},
    "persistentVolumeClaim": {"claimName": "data"},
    "projected": {"sources": []},
    "secret": {"secretName": "s"},
}
RESTRICTED_SOURCES = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
]


def vol(name: str, **sources: Any) -> dict[str, Any]:
    return {"name": name, **sources}


RESTRICTED_VOLUMES = [
    ("v1.0", spec(c()), None),
    ("v1.0", spec(c(), volumes=[]), None),
    ("v1.0", spec(c(), volumes=[vol(k, **{k: v}) for k, v in ALLOWED_SOURCES.items()]), None),
    # no source at all: the API server defaults it to emptyDir; a null source is no source
    ("v1.0", spec(c(), volumes=[vol("bare")]), None),
    ("v1.0", spec(c(), volumes=[vol("null", hostPath=None)]), None),
    (
        "v1.0",
        spec(c(), volumes=[vol("data", nfs={"server": "nfs", "path": "/"})]),
        (RV, 'volume "data" uses restricted volume type "nfs"', "/spec/volumes/0/nfs"),
    ),
    (
        "v1.0",
        spec(c(), volumes=[vol("repo", gitRepo={})]),
        (RV, 'volume "repo" uses restricted volume type "gitRepo"', "/spec/volumes/0/gitRepo"),
    ),
    # several volumes: names in spec order, types as a sorted set
    (
        "v1.37",
        spec(
            c(),
            volumes=[
                vol("cm", configMap={"name": "x"}),
                vol("b", nfs={"server": "s", "path": "/"}),
                vol("a", hostPath={"path": "/"}),
                vol("c", hostPath={"path": "/tmp"}),
            ],
        ),
        (RV, 'volumes "b", "a", "c" use restricted volume types "hostPath", "nfs"', "/spec/volumes/1/nfs"),
    ),
    (
        "v1.37",
        spec(c(), volumes=[vol("a", hostPath={"path": "/"}), vol("b", hostPath={"path": "/tmp"})]),
        (RV, 'volumes "a", "b" use restricted volume type "hostPath"', "/spec/volumes/0/hostPath"),
    ),
    # an allowed source wins over a forbidden one (PSA's order; the API would reject both anyway)
    ("v1.37", spec(c(), volumes=[vol("mixed", configMap={"name": "x"}, hostPath={"path": "/"})]), None),
    # two forbidden sources: the type is the first in PSA's list
    (
        "v1.37",
        spec(c(), volumes=[vol("two", nfs={}, hostPath={"path": "/"})]),
        (RV, 'volume "two" uses restricted volume type "hostPath"', "/spec/volumes/0/hostPath"),
    ),
    (
        "v1.37",
        spec(c(), volumes=[vol("win", hostPath={"path": "C:/"})], os="windows"),
        (RV, 'volume "win" uses restricted volume type "hostPath"', "/spec/volumes/0/hostPath"),
    ),
]


@pytest.mark.parametrize("version, pod_spec, expected", RESTRICTED_VOLUMES)
def test_restricted_volumes(version, pod_spec, expected):
    assert run("restrictedVolumes", version, pod_spec) == expected


@pytest.mark.parametrize("source", RESTRICTED_SOURCES)
def test_restricted_volumes_names_every_forbidden_type(source):
    pod_spec = spec(c(), volumes=[vol("ok", emptyDir={}), vol("bad", **{source: {}})])
    assert run("restrictedVolumes", "v1.37", pod_spec) == (
        RV,
        f'volume "bad" uses restricted volume type "{source}"',
        f"/spec/volumes/1/{source}",
    )


# --------------------------------------------------------------------------------------------
# runAsNonRoot

RNR = "runAsNonRoot != true"
MUST_SET = "must set securityContext.runAsNonRoot=true"
MUST_NOT = "must not set securityContext.runAsNonRoot=false"
POD_RNR = "/spec/securityContext/runAsNonRoot"
APP_RNR = "/spec/containers/0/securityContext/runAsNonRoot"

RUN_AS_NON_ROOT = [
    ("v1.0", spec(c(), sc={"runAsNonRoot": True}), None),
    ("v1.0", spec(c()), (RNR, f'pod or container "app" {MUST_SET}', APP_RNR)),
    ("v1.0", spec(c(), sc={}), (RNR, f'pod or container "app" {MUST_SET}', APP_RNR)),
    ("v1.0", spec(c(), sc=None), (RNR, f'pod or container "app" {MUST_SET}', APP_RNR)),
    ("v1.0", spec(c(), sc={"runAsNonRoot": None}), (RNR, f'pod or container "app" {MUST_SET}', APP_RNR)),
    ("v1.0", spec(c(runAsNonRoot=True)), None),  # every container opts in
    ("v1.0", spec(), None),  # no containers, nothing at pod level
    # pod true, container explicitly false: the container's false wins
    ("v1.0", spec(c(runAsNonRoot=False), sc={"runAsNonRoot": True}), (RNR, f'container "app" {MUST_NOT}', APP_RNR)),
    # pod false even though every container sets true
    (
        "v1.0",
        spec(c(runAsNonRoot=True), init=[c("init", runAsNonRoot=True)], sc={"runAsNonRoot": False}),
        (RNR, f"pod {MUST_NOT}", POD_RNR),
    ),
    ("v1.0", spec(c(), sc={"runAsNonRoot": False}), (RNR, f"pod {MUST_NOT}", POD_RNR)),
    (
        "v1.0",
        spec(c(runAsNonRoot=False), c("b", runAsNonRoot=False), sc={"runAsNonRoot": False}),
        (RNR, f'pod and containers "app", "b" {MUST_NOT}', POD_RNR),
    ),
    # explicit false is reported in preference to unset containers
    (
        "v1.37",
        spec(c(), init=[c("init", runAsNonRoot=True)], ephemeral=[c("debug", runAsNonRoot=False)]),
        (RNR, f'container "debug" {MUST_NOT}', "/spec/ephemeralContainers/0/securityContext/runAsNonRoot"),
    ),
    (
        "v1.37",
        spec(c(), c("ok", runAsNonRoot=True), init=[c("init")], ephemeral=[c("debug", sc={})]),
        (RNR, f'pod or containers "init", "app", "debug" {MUST_SET}', "/spec/initContainers/0/securityContext/runAsNonRoot"),
    ),
    # a string is not a boolean: unset
    ("v1.37", spec(c(), sc={"runAsNonRoot": "true"}), (RNR, f'pod or container "app" {MUST_SET}', APP_RNR)),
    # hostUsers: false relaxes the check from v1.35, only when explicitly false
    ("v1.34", spec(c(runAsNonRoot=False), hostUsers=False), (RNR, f'container "app" {MUST_NOT}', APP_RNR)),
    ("v1.35", spec(c(runAsNonRoot=False), hostUsers=False), None),
    ("v1.35", spec(c(), hostUsers=False), None),
    ("v1.35", spec(c(), hostUsers=True), (RNR, f'pod or container "app" {MUST_SET}', APP_RNR)),
    ("v1.35", spec(c(), hostUsers="false"), (RNR, f'pod or container "app" {MUST_SET}', APP_RNR)),
    ("v1.35", spec(c(), hostUsers=None), (RNR, f'pod or container "app" {MUST_SET}', APP_RNR)),
    # no Windows exemption
    ("v1.37", spec(c(), os="windows"), (RNR, f'pod or container "app" {MUST_SET}', APP_RNR)),
    ("v1.37", spec(c(), os="windows", sc={"runAsNonRoot": True}), None),
]


@pytest.mark.parametrize("version, pod_spec, expected", RUN_AS_NON_ROOT)
def test_run_as_non_root(version, pod_spec, expected):
    assert run("runAsNonRoot", version, pod_spec) == expected


# --------------------------------------------------------------------------------------------
# runAsUser

RAU = "runAsUser=0"
POD_RAU = "/spec/securityContext/runAsUser"
APP_RAU = "/spec/containers/0/securityContext/runAsUser"

RUN_AS_USER = [
    ("v1.22", spec(c(runAsUser=0)), "not run"),
    ("v1.23", spec(c(runAsUser=0)), (RAU, 'container "app" must not set runAsUser=0', APP_RAU)),
    ("v1.23", spec(c(), sc={"runAsUser": 0}), (RAU, "pod must not set runAsUser=0", POD_RAU)),
    # a container's non-zero user does not excuse the pod's 0
    ("v1.23", spec(c(runAsUser=1000), sc={"runAsUser": 0}), (RAU, "pod must not set runAsUser=0", POD_RAU)),
    ("v1.23", spec(c(runAsUser=0), sc={"runAsUser": 1000}), (RAU, 'container "app" must not set runAsUser=0', APP_RAU)),
    (
        "v1.23",
        spec(
            c(runAsUser=0),
            c("ok", runAsUser=1),
            init=[c("init", runAsUser=0)],
            ephemeral=[c("debug", runAsUser=0)],
            sc={"runAsUser": 0},
        ),
        (RAU, 'pod and containers "init", "app", "debug" must not set runAsUser=0', POD_RAU),
    ),
    ("v1.23", spec(c(), sc={"runAsUser": 1000}), None),
    ("v1.23", spec(c(runAsUser=None), sc={"runAsUser": None}), None),
    ("v1.23", spec(c(sc={}), sc={}), None),
    ("v1.23", spec(c()), None),  # unset is fine
    # YAML false (and other non-integers) is not 0
    ("v1.23", spec(c(runAsUser=False), sc={"runAsUser": False}), None),
    ("v1.23", spec(c(runAsUser="0")), None),
    # hostUsers: false relaxes the check from v1.35
    ("v1.34", spec(c(runAsUser=0), hostUsers=False), (RAU, 'container "app" must not set runAsUser=0', APP_RAU)),
    ("v1.35", spec(c(runAsUser=0), hostUsers=False, sc={"runAsUser": 0}), None),
    ("v1.35", spec(c(runAsUser=0), hostUsers=True), (RAU, 'container "app" must not set runAsUser=0', APP_RAU)),
    ("v1.37", spec(c(runAsUser=0)), (RAU, 'container "app" must not set runAsUser=0', APP_RAU)),
    # no Windows exemption
    ("v1.37", spec(c(runAsUser=0), os="windows"), (RAU, 'container "app" must not set runAsUser=0', APP_RAU)),
]


@pytest.mark.parametrize("version, pod_spec, expected", RUN_AS_USER)
def test_run_as_user(version, pod_spec, expected):
    assert run("runAsUser", version, pod_spec) == expected


# --------------------------------------------------------------------------------------------
# seccompProfile_restricted

SEC = "seccompProfile"
SEC_SET = 'must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'
SEC_NOT = "must not set securityContext.seccompProfile.type to"
POD_SEC = "/spec/securityContext/seccompProfile/type"
APP_SEC = "/spec/containers/0/securityContext/seccompProfile/type"
RUNTIME_DEFAULT = {"type": "RuntimeDefault"}
UNCONFINED = {"type": "Unconfined"}

SECCOMP_PROFILE_RESTRICTED = [
    ("v1.18", spec(c()), "not run"),
    ("v1.19", spec(c()), (SEC, f'pod or container "app" {SEC_SET}', APP_SEC)),
    ("v1.19", spec(c(), sc={"seccompProfile": RUNTIME_DEFAULT}), None),
    ("v1.19", spec(c(), sc={"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}), None),
    ("v1.19", spec(c(seccompProfile=RUNTIME_DEFAULT), init=[c("init", seccompProfile={"type": "Localhost"})]), None),
    ("v1.19", spec(c(), sc={"seccompProfile": None}), (SEC, f'pod or container "app" {SEC_SET}', APP_SEC)),
    ("v1.19", spec(c(), sc={"seccompProfile": "RuntimeDefault"}), (SEC, f'pod or container "app" {SEC_SET}', APP_SEC)),
    # an invalid pod-level profile is reported, and unset containers are not additionally listed
    ("v1.19", spec(c(), sc={"seccompProfile": UNCONFINED}), (SEC, f'pod {SEC_NOT} "Unconfined"', POD_SEC)),
    ("v1.19", spec(c(), sc={"seccompProfile": {}}), (SEC, f'pod {SEC_NOT} ""', POD_SEC)),
    ("v1.19", spec(c(), sc={"seccompProfile": {"type": "runtimedefault"}}), (SEC, f'pod {SEC_NOT} "runtimedefault"', POD_SEC)),
    # a valid container profile does not excuse an invalid pod profile
    (
        "v1.19",
        spec(c(seccompProfile=RUNTIME_DEFAULT), sc={"seccompProfile": UNCONFINED}),
        (SEC, f'pod {SEC_NOT} "Unconfined"', POD_SEC),
    ),
    # a valid pod profile does not excuse an invalid container profile
    (
        "v1.19",
        spec(c(seccompProfile=UNCONFINED), sc={"seccompProfile": RUNTIME_DEFAULT}),
        (SEC, f'container "app" {SEC_NOT} "Unconfined"', APP_SEC),
    ),
    (
        "v1.37",
        spec(
            c(seccompProfile={"type": "Bogus"}),
            c("ok", seccompProfile=RUNTIME_DEFAULT),
            init=[c("init", seccompProfile=UNCONFINED)],
            ephemeral=[c("debug", seccompProfile={})],
            sc={"seccompProfile": UNCONFINED},
        ),
        (SEC, f'pod and containers "init", "app", "debug" {SEC_NOT} "", "Bogus", "Unconfined"', POD_SEC),
    ),
    # explicit bad values are reported in preference to unset containers
    (
        "v1.37",
        spec(c(), ephemeral=[c("debug", seccompProfile=UNCONFINED)]),
        (SEC, f'container "debug" {SEC_NOT} "Unconfined"', "/spec/ephemeralContainers/0/securityContext/seccompProfile/type"),
    ),
    (
        "v1.37",
        spec(c(), c("ok", seccompProfile=RUNTIME_DEFAULT), init=[c("init", sc={})], ephemeral=[c("debug")]),
        (
            SEC,
            f'pod or containers "init", "app", "debug" {SEC_SET}',
            "/spec/initContainers/0/securityContext/seccompProfile/type",
        ),
    ),
    # Windows exemption from v1.25
    ("v1.24", spec(c(), os="windows"), (SEC, f'pod or container "app" {SEC_SET}', APP_SEC)),
    ("v1.25", spec(c(), os="windows"), None),
    ("v1.25", spec(c(), os="windows", sc={"seccompProfile": UNCONFINED}), None),
    ("v1.25", spec(c(), os="linux"), (SEC, f'pod or container "app" {SEC_SET}', APP_SEC)),
]


@pytest.mark.parametrize("version, pod_spec, expected", SECCOMP_PROFILE_RESTRICTED)
def test_seccomp_profile_restricted(version, pod_spec, expected):
    assert run("seccompProfile_restricted", version, pod_spec) == expected


def test_seccomp_profile_restricted_ignores_annotations():
    annotations = {
        "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
        "container.seccomp.security.alpha.kubernetes.io/app": "runtime/default",
    }
    assert run("seccompProfile_restricted", "v1.19", spec(c()), {"annotations": annotations}) == (
        SEC,
        f'pod or container "app" {SEC_SET}',
        APP_SEC,
    )


# --------------------------------------------------------------------------------------------
# registration and overrides

MINE = {
    "allowPrivilegeEscalation": ("pss-allow-privilege-escalation", [8, 25], ()),
    "capabilities_restricted": ("pss-capabilities-restricted", [22, 25], ("capabilities_baseline",)),
    "procMount_restricted": ("pss-proc-mount-restricted", [35], ("procMount",)),
    "restrictedVolumes": ("pss-restricted-volumes", [0], ("hostPathVolumes",)),
    "runAsNonRoot": ("pss-run-as-non-root", [0, 35], ()),
    "runAsUser": ("pss-run-as-user", [23, 35], ()),
    "seccompProfile_restricted": ("pss-seccomp-profile-restricted", [19, 25], ("seccompProfile_baseline",)),
}


def test_restricted_checks_are_registered_in_psa_order():
    assert [module.CHECK.id for module in RESTRICTED] == list(MINE)
    for module in RESTRICTED:
        rule_id, minimums, overrides = MINE[module.CHECK.id]
        assert module.CHECK.level == "restricted"
        assert module.RULE.id == rule_id
        assert module.__name__.rsplit(".", 1)[-1] == rule_id.removeprefix("pss-").replace("-", "_")
        assert [v.minimum for v in module.CHECK.versions] == minimums
        assert all(v.overrides == overrides for v in module.CHECK.versions)
        assert module.RULE.doc.strip() and module.RULE.title and module.RULE.remediation


def test_restricted_checks_run_after_baseline_sorted_by_id():
    found = ids("restricted", "v1.37")
    assert found[-7:] == list(MINE)
    assert all(pss.check_by_id(i).level == "baseline" for i in found[:-7])
    assert found[:-7] == sorted(found[:-7])
    # restricted checks never run at baseline (or privileged)
    assert not set(ids("baseline", "v1.37")) & set(MINE)
    assert ids("privileged", "v1.37") == []


@pytest.mark.parametrize(
    "version, present, absent",
    [
        ("v1.7", ["runAsNonRoot", "restrictedVolumes"], ["allowPrivilegeEscalation", "hostPathVolumes"]),
        ("v1.8", ["allowPrivilegeEscalation"], []),
        ("v1.18", ["seccompProfile_baseline"], ["seccompProfile_restricted"]),
        ("v1.19", ["seccompProfile_restricted"], ["seccompProfile_baseline"]),
        ("v1.21", ["capabilities_baseline"], ["capabilities_restricted"]),
        ("v1.22", ["capabilities_restricted", "allowPrivilegeEscalation"], ["capabilities_baseline", "runAsUser"]),
        ("v1.23", ["runAsUser"], []),
        ("v1.34", ["procMount"], ["procMount_restricted"]),
        ("v1.35", ["procMount_restricted"], ["procMount", "hostPathVolumes"]),
        (
            "latest",
            ["procMount_restricted", "capabilities_restricted", "seccompProfile_restricted"],
            ["procMount", "capabilities_baseline", "seccompProfile_baseline", "hostPathVolumes"],
        ),
    ],
)
def test_overrides_at_restricted(version, present, absent):
    found = ids("restricted", version)
    assert set(present) <= set(found), found
    assert not set(absent) & set(found), found


@pytest.mark.parametrize("minor", range(0, 38))
def test_host_path_volumes_never_runs_at_restricted(minor):
    found = [check.id for check, _ in pss.active_checks("restricted", minor)]
    assert "restrictedVolumes" in found and "hostPathVolumes" not in found
    assert "hostPathVolumes" in [check.id for check, _ in pss.active_checks("baseline", minor)]


def test_overridden_baseline_checks_still_run_at_baseline():
    found = ids("baseline", "v1.37")
    assert {"capabilities_baseline", "seccompProfile_baseline", "procMount", "hostPathVolumes"} <= set(found)


def test_host_path_volume_is_reported_once_by_restricted_volumes():
    obj = pod(**spec(c(**GOOD), sc=GOOD_POD, volumes=[vol("host", hostPath={"path": "/var/run"})]))
    [violation] = pss.evaluate(obj, "restricted", "v1.37")
    assert (violation.check, violation.level, violation.reason, violation.detail, violation.pointer) == (
        "restrictedVolumes",
        "restricted",
        RV,
        'volume "host" uses restricted volume type "hostPath"',
        "/spec/volumes/0/hostPath",
    )
    assert [v.check for v in pss.evaluate(obj, "baseline", "v1.37")] == ["hostPathVolumes"]


def test_capabilities_baseline_is_replaced_at_v1_22():
    obj = pod(**spec(c(allowPrivilegeEscalation=False, capabilities={"add": ["SYS_ADMIN"]}), sc=GOOD_POD))
    assert [v.check for v in pss.evaluate(obj, "restricted", "v1.21")] == ["capabilities_baseline"]
    [violation] = pss.evaluate(obj, "restricted", "v1.22")
    assert violation.check == "capabilities_restricted"
    assert violation.message == (
        'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]; '
        'container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add)'
    )


def test_seccomp_baseline_is_replaced_at_v1_19():
    annotated = pod(
        **spec(c(allowPrivilegeEscalation=False), sc={"runAsNonRoot": True}),
        annotations={"seccomp.security.alpha.kubernetes.io/pod": "unconfined"},
    )
    assert [v.check for v in pss.evaluate(annotated, "restricted", "v1.18")] == ["seccompProfile_baseline"]
    # from v1.19 annotations are not read; the restricted check wants the field
    assert [v.detail for v in pss.evaluate(annotated, "restricted", "v1.19")] == [f'pod or container "app" {SEC_SET}']


def test_proc_mount_restricted_replaces_proc_mount_at_v1_35():
    obj = pod(**spec(c(procMount="Unmasked", **GOOD), sc=GOOD_POD, hostUsers=False))
    assert [v.check for v in pss.evaluate(obj, "restricted", "v1.34")] == ["procMount"]
    [violation] = pss.evaluate(obj, "restricted", "v1.35")
    assert (violation.check, violation.message) == (
        "procMount_restricted",
        'procMount (container "app" must not set securityContext.procMount to "Unmasked")',
    )
    # baseline relaxes it for a user-namespace pod from v1.35
    assert [v.check for v in pss.evaluate(obj, "baseline", "v1.34")] == ["procMount"]
    assert pss.evaluate(obj, "baseline", "v1.35") == []


def test_versions_latest_and_newer_than_known_resolve_to_v1_37():
    assert pss.resolve_version("latest") == pss.resolve_version("v1.99") == pss.resolve_version("v1.37") == 37
    assert pss.active_checks("restricted", pss.resolve_version("latest")) == pss.active_checks("restricted", 37)
    obj = pod(**spec(c(runAsUser=0)))
    assert (
        pss.evaluate(obj, "restricted", "latest")
        == pss.evaluate(obj, "restricted", "v1.99")
        == pss.evaluate(obj, "restricted", "v1.37")
    )
    assert pss.implementation("runAsUser", "restricted", "latest").check.__name__ == "run_as_user_1_35"
    assert pss.implementation("allowPrivilegeEscalation", "restricted", "v1.99").check.__name__ == (
        "allow_privilege_escalation_1_25"
    )


@pytest.mark.parametrize("version", ["v1.05", "1.30", "v2.0", "v1", "V1.30", "v1.30.0", "", "Latest", "v1.-1"])
def test_invalid_versions_raise(version):
    with pytest.raises(ValueError):
        pss.resolve_version(version)
    with pytest.raises(ValueError):
        pss.evaluate(pod(**spec(c())), "restricted", version)


def test_invalid_level_raises():
    with pytest.raises(ValueError):
        pss.evaluate(pod(**spec(c())), "Restricted", "v1.30")


# --------------------------------------------------------------------------------------------
# whole pods and workloads


def test_bare_pod_gets_psa_message():
    violations = pss.evaluate(pod(**spec(c())), "restricted", "v1.37")
    assert pss.message(violations) == (
        'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), '
        'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'
    )
    assert [v.level for v in violations] == ["restricted"] * 4


def test_minimal_restricted_pod_is_allowed_at_every_version():
    obj = pod(**spec(c(**GOOD), init=[c("init", **GOOD)], ephemeral=[c("debug", **GOOD)], sc=GOOD_POD))
    for minor in range(0, 38):
        assert pss.evaluate(obj, "restricted", f"v1.{minor}") == [], minor


def test_windows_pod_needs_only_run_as_non_root_from_v1_25():
    obj = pod(**spec(c(), os="windows", sc={"runAsNonRoot": True}))
    assert pss.evaluate(obj, "restricted", "v1.25") == []
    assert [v.check for v in pss.evaluate(obj, "restricted", "v1.24")] == [
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "seccompProfile_restricted",
    ]
    assert [v.check for v in pss.evaluate(pod(**spec(c(), os="windows")), "restricted", "v1.37")] == ["runAsNonRoot"]


def test_user_namespace_pod_may_run_as_root_from_v1_35():
    context = {"seccompProfile": RUNTIME_DEFAULT, "runAsUser": 0, "runAsNonRoot": False}
    obj = pod(**spec(c(**GOOD), sc=context, hostUsers=False))
    assert [v.message for v in pss.evaluate(obj, "restricted", "v1.34")] == [
        "runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)",
        "runAsUser=0 (pod must not set runAsUser=0)",
    ]
    assert pss.evaluate(obj, "restricted", "v1.35") == []


def test_deployment_pointers_are_under_the_template():
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": spec(
                    c("web", **GOOD, runAsUser=0),
                    init=[c("init", allowPrivilegeEscalation=True, capabilities={"drop": ["ALL"]})],
                    sc=GOOD_POD,
                    volumes=[vol("cache", emptyDir={}), vol("sock", hostPath={"path": "/var/run/docker.sock"})],
                ),
            }
        },
    }
    found = [(v.check, v.detail, v.pointer) for v in pss.evaluate(deployment, "restricted", "v1.30")]
    assert found == [
        (
            "allowPrivilegeEscalation",
            'container "init" must set securityContext.allowPrivilegeEscalation=false',
            "/spec/template/spec/initContainers/0/securityContext/allowPrivilegeEscalation",
        ),
        ("restrictedVolumes", 'volume "sock" uses restricted volume type "hostPath"', "/spec/template/spec/volumes/1/hostPath"),
        ("runAsUser", 'container "web" must not set runAsUser=0', "/spec/template/spec/containers/0/securityContext/runAsUser"),
    ]


def test_cronjob_pointers_are_under_the_job_template():
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly"},
        "spec": {
            "schedule": "0 0 * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": spec(
                            c("job", **GOOD, seccompProfile=UNCONFINED, runAsNonRoot=False),
                            sc={"seccompProfile": RUNTIME_DEFAULT},
                        )
                    }
                }
            },
        },
    }
    found = [(v.check, v.message, v.pointer) for v in pss.evaluate(cronjob, "restricted", "latest")]
    base = "/spec/jobTemplate/spec/template/spec"
    assert found == [
        (
            "runAsNonRoot",
            'runAsNonRoot != true (container "job" must not set securityContext.runAsNonRoot=false)',
            f"{base}/containers/0/securityContext/runAsNonRoot",
        ),
        (
            "seccompProfile_restricted",
            'seccompProfile (container "job" must not set securityContext.seccompProfile.type to "Unconfined")',
            f"{base}/containers/0/securityContext/seccompProfile/type",
        ),
    ]


def test_exemptions_remove_containers_from_restricted_checks():
    obj = pod(**spec(c(**GOOD), ephemeral=[c("debug")], sc=GOOD_POD))
    assert [v.detail for v in pss.evaluate(obj, "restricted", "v1.37")] == [
        'container "debug" must set securityContext.allowPrivilegeEscalation=false',
        'container "debug" must set securityContext.capabilities.drop=["ALL"]',
    ]
    exempt = (
        Exemption("allowPrivilegeEscalation", containers=("debug",)),
        Exemption("capabilities_restricted", images=("registry.k8s.io/*",)),
    )
    assert pss.evaluate(obj, "restricted", "v1.37", exemptions=exempt) == []


def test_rules_honour_the_profile_level_and_version():
    from chartguard.rules.pss import run_as_user

    obj = pod(**spec(c(runAsUser=0)))
    manifest = Manifest(obj=obj, text="")

    def findings(level: str, version: str):
        settings = PodSecuritySettings(level, version)
        ctx = RuleContext([manifest], [], None, None, pod_security=settings, pss_checks=pss.checks_for(settings))
        return [(v.reason, v.detail, v.pointer) for v in run_as_user.RULE.check(manifest, ctx)]

    assert findings("restricted", "v1.23") == [(RAU, 'container "app" must not set runAsUser=0', APP_RAU)]
    assert findings("restricted", "v1.22") == []  # the check did not exist yet
    assert findings("baseline", "latest") == []  # a restricted check
