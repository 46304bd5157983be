"""The security fixes, rule by rule: the exact JSON Patch of each fixable case and the reason of each
case that is not safe to patch, through ``lint_manifests`` → ``report.fixes`` / ``finding.fixable``
and ``apply_fixes`` (whose result the rule must then pass)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from helpers.objects import pod
from helpers.paths import SHARED, TESTCHARTS

import chartguard
from chartguard.chart import load_chart
from chartguard.engine import run_rules
from chartguard.errors import ConfigError
from chartguard.findings import Report, Severity
from chartguard.manifests import Manifest
from chartguard.profile import Profile, RuleConfig, load_profile
from chartguard.rules import BY_ID
from chartguard.rules.pss.base import Exemption, PodSecuritySettings

SPEC = "/spec/template/spec"


def only(
    rule_id: str, *, level: str = "restricted", version: str = "latest", exempt: tuple[Exemption, ...] = (), **params: Any
) -> Profile:
    """A profile running one rule (params over its defaults)."""
    rule = BY_ID[rule_id]
    return Profile(
        name="only",
        title="one rule",
        follows="tests",
        description="",
        rules=[RuleConfig(rule, Severity.ERROR, {**rule.defaults, **params})],
        pod_security=PodSecuritySettings(level, version, exempt),
    )


def container(name: str = "app", image: str = "nginx:1.25", **fields: Any) -> dict[str, Any]:
    return {"name": name, "image": image, **fields}


def deployment(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    template = {"metadata": {"labels": {"app": "d"}}, "spec": {"containers": list(containers), **spec}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": template}}


def outcome(report: Report, rule_id: str) -> list[tuple[bool, str]]:
    """``(fixable, unfixable_reason)`` of the rule's findings."""
    return [(f.fixable, f.unfixable_reason) for f in report.findings if f.rule_id == rule_id]


def fixed(obj: dict[str, Any], profile: Profile | str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The object's patch (asserting every finding was fixable) and the patched object, which must
    pass the profile's rules that were fixed."""
    original = copy.deepcopy(obj)
    report = chartguard.lint_manifests([obj], profile=profile)
    assert report.findings and all(f.fixable and not f.unfixable_reason for f in report.findings if f.rule_id in _fixers(report))
    assert len(report.fixes) == 1
    patched = chartguard.apply_fixes([obj], report)
    assert obj == original  # inputs are never modified
    again = chartguard.lint_manifests(patched, profile=profile)
    assert not [f for f in again.findings if f.rule_id in report.fixes[0].rules]
    assert again.fixes == []  # idempotent
    return list(report.fixes[0].ops), patched[0]


def _fixers(report: Report) -> set[str]:
    return {rule_id for rule_id in report.rule_ids if BY_ID[rule_id].fix is not None}


def refused(obj: dict[str, Any], profile: Profile | str, rule_id: str) -> str:
    """The reason the rule's single finding on ``obj`` is not fixable (and nothing is patched for it)."""
    report = chartguard.lint_manifests([obj], profile=profile)
    (fixable, reason), *rest = outcome(report, rule_id)
    assert not fixable and reason and all(r == (fixable, reason) for r in rest)
    assert all(rule_id not in fix.rules for fix in report.fixes)
    return reason


def add(path: str, value: Any) -> dict[str, Any]:
    return {"op": "add", "path": path, "value": value}


# --- pss-allow-privilege-escalation -------------------------------------------------------------

APE = only("pss-allow-privilege-escalation")


@pytest.mark.parametrize(
    ("context", "ops"),
    [
        (None, [add("/spec/containers/0/securityContext", {"allowPrivilegeEscalation": False})]),
        ({}, [add("/spec/containers/0/securityContext/allowPrivilegeEscalation", False)]),
        ({"runAsUser": 1000}, [add("/spec/containers/0/securityContext/allowPrivilegeEscalation", False)]),
        ({"privileged": False}, [add("/spec/containers/0/securityContext/allowPrivilegeEscalation", False)]),
    ],
)
def test_allow_privilege_escalation_fix(context: Any, ops: list[dict[str, Any]]) -> None:
    obj = pod(container(securityContext=context))
    assert fixed(obj, APE)[0] == ops
    missing = pod(container())  # no securityContext at all: created
    assert fixed(missing, APE)[0] == [add("/spec/containers/0/securityContext", {"allowPrivilegeEscalation": False})]


def test_allow_privilege_escalation_fixes_every_container_of_every_list() -> None:
    spec = {
        "initContainers": [container("init", securityContext={"allowPrivilegeEscalation": False}), container("init2")],
        "containers": [container("app")],
        "ephemeralContainers": [container("debug", securityContext={"capabilities": {}})],
    }
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "c"},
        "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": spec}}}},
    }
    where = "/spec/jobTemplate/spec/template/spec"
    ops, patched = fixed(cronjob, APE)
    assert ops == [
        add(f"{where}/initContainers/1/securityContext", {"allowPrivilegeEscalation": False}),
        add(f"{where}/containers/0/securityContext", {"allowPrivilegeEscalation": False}),
        add(f"{where}/ephemeralContainers/0/securityContext/allowPrivilegeEscalation", False),
    ]
    assert patched["spec"]["jobTemplate"]["spec"]["template"]["spec"]["ephemeralContainers"][0]["securityContext"] == {
        "capabilities": {},
        "allowPrivilegeEscalation": False,
    }


def test_allow_privilege_escalation_in_every_pod_template() -> None:
    template = {"spec": {"containers": [container()]}}
    lws = {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": {"name": "l"},
        "spec": {"leaderWorkerTemplate": {"leaderTemplate": template, "workerTemplate": copy.deepcopy(template)}},
    }
    where = "/spec/leaderWorkerTemplate"
    assert fixed(lws, APE)[0] == [
        add(f"{where}/leaderTemplate/spec/containers/0/securityContext", {"allowPrivilegeEscalation": False}),
        add(f"{where}/workerTemplate/spec/containers/0/securityContext", {"allowPrivilegeEscalation": False}),
    ]


@pytest.mark.parametrize(
    ("context", "reason"),
    [
        (
            {"privileged": True},
            'container "app" is privileged: true, which the API does not allow together with '
            "allowPrivilegeEscalation: false; decide whether it needs to be privileged",
        ),
        (
            {"capabilities": {"add": ["CAP_SYS_ADMIN"]}},
            'container "app" adds "CAP_SYS_ADMIN", which implies privilege escalation (the API rejects '
            "allowPrivilegeEscalation: false with CAP_SYS_ADMIN)",
        ),
        (
            {"allowPrivilegeEscalation": True},
            'container "app" sets allowPrivilegeEscalation: true explicitly; it may rely on set-user-ID binaries '
            "(sudo, ping): set it to false yourself if it does not",
        ),
    ],
)
def test_allow_privilege_escalation_not_safe(context: dict[str, Any], reason: str) -> None:
    assert refused(pod(container("ok"), container(securityContext=context)), APE, "pss-allow-privilege-escalation") == reason


def test_allow_privilege_escalation_windows_pod_at_an_old_version() -> None:
    obj = pod(container(), os={"name": "windows"})
    assert refused(obj, only("pss-allow-privilege-escalation", version="v1.24"), "pss-allow-privilege-escalation") == (
        "the pod runs on Windows (spec.os.name: windows), where the API forbids allowPrivilegeEscalation"
    )
    assert chartguard.lint_manifests([obj], profile=APE).findings == []  # exempt from v1.25


def test_allow_privilege_escalation_leaves_exempt_containers_alone() -> None:
    profile = only("pss-allow-privilege-escalation", exempt=(Exemption("allowPrivilegeEscalation", containers=("legacy",)),))
    assert fixed(pod(container("legacy"), container("app")), profile)[0] == [
        add("/spec/containers/1/securityContext", {"allowPrivilegeEscalation": False})
    ]


# --- pss-capabilities-restricted ----------------------------------------------------------------

CAPS = only("pss-capabilities-restricted")
C0 = "/spec/containers/0/securityContext"


@pytest.mark.parametrize(
    ("context", "ops"),
    [
        (None, [add(C0, {"capabilities": {"drop": ["ALL"]}})]),
        ({}, [add(f"{C0}/capabilities", {"drop": ["ALL"]})]),
        ({"capabilities": None}, [add(f"{C0}/capabilities", {"drop": ["ALL"]})]),
        ({"capabilities": {}}, [add(f"{C0}/capabilities/drop", ["ALL"])]),
        ({"capabilities": {"drop": None}}, [add(f"{C0}/capabilities/drop", ["ALL"])]),
        ({"capabilities": {"drop": ["NET_RAW", "all"]}}, [add(f"{C0}/capabilities/drop/-", "ALL")]),
        ({"capabilities": {"add": ["NET_BIND_SERVICE"]}}, [add(f"{C0}/capabilities/drop", ["ALL"])]),
    ],
)
def test_capabilities_restricted_fix(context: Any, ops: list[dict[str, Any]]) -> None:
    obj = pod(container(securityContext=context))
    assert fixed(obj, CAPS)[0] == ops


def test_capabilities_restricted_keeps_existing_entries() -> None:
    obj = pod(container(securityContext={"capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["NET_RAW"]}}))
    capabilities = fixed(obj, CAPS)[1]["spec"]["containers"][0]["securityContext"]["capabilities"]
    assert capabilities == {"add": ["NET_BIND_SERVICE"], "drop": ["NET_RAW", "ALL"]}


@pytest.mark.parametrize(
    ("context", "reason"),
    [
        (
            {"capabilities": {"add": ["NET_BIND_SERVICE", "NET_RAW", "SYS_TIME"], "drop": ["ALL"]}},
            'container "app" adds capabilities "NET_RAW", "SYS_TIME"; removing them could break it '
            "(only NET_BIND_SERVICE may be added back)",
        ),
        ({"capabilities": {"drop": "ALL"}}, f"{C0}/capabilities/drop is a string, not a list: fix it by hand"),
        ({"capabilities": ["ALL"]}, f"{C0}/capabilities is a list, not a mapping: fix it by hand"),
    ],
)
def test_capabilities_restricted_not_safe(context: dict[str, Any], reason: str) -> None:
    assert refused(pod(container(securityContext=context)), CAPS, "pss-capabilities-restricted") == reason


# --- pss-seccomp-profile-restricted -------------------------------------------------------------

SECCOMP = only("pss-seccomp-profile-restricted")
RUNTIME_DEFAULT = {"type": "RuntimeDefault"}


@pytest.mark.parametrize(
    ("spec", "ops"),
    [
        ({}, [add(f"{SPEC}/securityContext", {"seccompProfile": RUNTIME_DEFAULT})]),
        ({"securityContext": None}, [add(f"{SPEC}/securityContext", {"seccompProfile": RUNTIME_DEFAULT})]),
        ({"securityContext": {"runAsUser": 1000}}, [add(f"{SPEC}/securityContext/seccompProfile", RUNTIME_DEFAULT)]),
        ({"securityContext": {"seccompProfile": None}}, [add(f"{SPEC}/securityContext/seccompProfile", RUNTIME_DEFAULT)]),
    ],
)
def test_seccomp_restricted_sets_the_pod_profile(spec: dict[str, Any], ops: list[dict[str, Any]]) -> None:
    own = container("own", securityContext={"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}})
    ops_, patched = fixed(deployment(container(), own, **spec), SECCOMP)
    assert ops_ == ops
    assert patched["spec"]["template"]["spec"]["containers"][1] == own  # its own valid profile stays


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (
            {"containers": [container(securityContext={"seccompProfile": {"type": "Unconfined"}})]},
            'container "app" sets seccompProfile type "Unconfined" explicitly; choose RuntimeDefault yourself',
        ),
        (
            {"containers": [container()], "initContainers": [container("init", securityContext={"seccompProfile": {}})]},
            'initContainer "init" sets seccompProfile type "" explicitly; choose RuntimeDefault yourself',
        ),
        (
            {"containers": [container()], "securityContext": {"seccompProfile": {"type": "Unconfined"}}},
            'the pod sets seccompProfile type "Unconfined" explicitly; choose RuntimeDefault yourself',
        ),
        (
            {"containers": [container()], "securityContext": "restricted"},
            f"{SPEC}/securityContext is a string, not a mapping: fix it by hand",
        ),
    ],
)
def test_seccomp_restricted_not_safe(spec: dict[str, Any], reason: str) -> None:
    obj = deployment()
    obj["spec"]["template"]["spec"] = spec
    assert refused(obj, SECCOMP, "pss-seccomp-profile-restricted") == reason


def test_seccomp_restricted_with_an_exempt_container_sets_the_others() -> None:
    profile = only("pss-seccomp-profile-restricted", exempt=(Exemption("seccompProfile_restricted", images=("legacy/*",)),))
    obj = pod(container(), container("old", "legacy/tool:1"), container("two"))
    assert fixed(obj, profile)[0] == [
        add("/spec/containers/0/securityContext", {"seccompProfile": RUNTIME_DEFAULT}),
        add("/spec/containers/2/securityContext", {"seccompProfile": RUNTIME_DEFAULT}),
    ]


# --- pss-run-as-non-root and pss-run-as-user ----------------------------------------------------

NON_ROOT = only("pss-run-as-non-root")


def test_run_as_non_root_on_the_pod_when_the_user_is_known() -> None:
    obj = deployment(container(), container("two", securityContext={"runAsUser": 2000}), securityContext={"runAsUser": 1000})
    assert fixed(obj, NON_ROOT)[0] == [add(f"{SPEC}/securityContext/runAsNonRoot", True)]
    every = deployment(container(securityContext={"runAsUser": 1000}), container("two", securityContext={"runAsUser": 2000}))
    assert fixed(every, NON_ROOT)[0] == [add(f"{SPEC}/securityContext", {"runAsNonRoot": True})]


def test_run_as_non_root_on_the_containers_that_need_it() -> None:
    obj = pod(
        container("set", securityContext={"runAsNonRoot": True}),
        container("uid", securityContext={"runAsUser": 1000}),
        initContainers=[container("init", securityContext={"runAsUser": 3000, "runAsNonRoot": None})],
    )
    assert fixed(obj, NON_ROOT)[0] == [
        add("/spec/initContainers/0/securityContext/runAsNonRoot", True),
        add("/spec/containers/1/securityContext/runAsNonRoot", True),
    ]


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        (
            pod(container()),
            'container "app": the image\'s user is unknown; set runAsUser to a non-root UID or runAsNonRoot: true yourself',
        ),
        (
            pod(container(securityContext={"runAsUser": 1000}), container("two")),
            'container "two": the image\'s user is unknown; set runAsUser to a non-root UID or runAsNonRoot: true yourself',
        ),
        (
            pod(container(securityContext={"runAsUser": "1000"})),
            'container "app": the image\'s user is unknown; set runAsUser to a non-root UID or runAsNonRoot: true yourself',
        ),
        (
            pod(container(securityContext={"runAsUser": 0})),
            'container "app" runs as root (runAsUser: 0) on purpose; choose a non-root UID yourself',
        ),
        (
            pod(container(), securityContext={"runAsUser": 0, "runAsNonRoot": None}),
            'container "app" runs as root (runAsUser: 0) on purpose; choose a non-root UID yourself',
        ),
        (
            pod(container(securityContext={"runAsNonRoot": True}), securityContext={"runAsNonRoot": False, "runAsUser": 5}),
            "the pod sets runAsNonRoot: false explicitly; set it to true yourself if the image allows it",
        ),
        (
            pod(container(securityContext={"runAsNonRoot": False}), securityContext={"runAsNonRoot": True}),
            'container "app" sets runAsNonRoot: false explicitly; set it to true yourself if the image allows it',
        ),
    ],
)
def test_run_as_non_root_not_safe(obj: dict[str, Any], reason: str) -> None:
    assert refused(obj, NON_ROOT, "pss-run-as-non-root") == reason


def test_run_as_user_zero_is_never_patched() -> None:
    obj = pod(container(securityContext={"runAsUser": 0}), securityContext={"runAsUser": 0})
    assert refused(obj, only("pss-run-as-user"), "pss-run-as-user") == (
        "runAsUser: 0 was set explicitly and the image may need root; choose a non-root UID yourself "
        '(pod and container "app" must not set runAsUser=0)'
    )


# --- the checks no fix can repair safely --------------------------------------------------------

DECLINED = [
    (
        "pss-host-namespaces",
        "baseline",
        pod(container(), hostNetwork=True, hostPID=True),
        "disabling hostNetwork, hostPID or hostIPC changes how the pod is reached and what it can see "
        "(hostNetwork=true, hostPID=true)",
    ),
    (
        "pss-privileged",
        "baseline",
        pod(container(securityContext={"privileged": True})),
        "a privileged container may need host devices or every capability; removing privileged: true could break it "
        '(container "app" must not set securityContext.privileged=true)',
    ),
    (
        "pss-host-path-volumes",
        "baseline",
        pod(container(), volumes=[{"name": "data", "hostPath": {"path": "/data"}}]),
        'replacing a hostPath volume loses the node\'s files the pod reads or writes (volume "data")',
    ),
    (
        "pss-host-ports",
        "baseline",
        pod(container(ports=[{"containerPort": 80, "hostPort": 8080}])),
        "removing a hostPort changes how the pod is reached (expose it through a Service instead) "
        '(container "app" uses hostPort 8080)',
    ),
    (
        "pss-sysctls",
        "baseline",
        pod(container(), securityContext={"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}),
        "removing unsafe sysctls changes kernel settings the workload asked for (kernel.msgmax)",
    ),
    (
        "pss-proc-mount",
        "baseline",
        pod(container(securityContext={"procMount": "Unmasked"})),
        "an unmasked /proc was chosen explicitly (e.g. for nested containers); masking it could break the container "
        '(container "app" must not set securityContext.procMount to "Unmasked")',
    ),
    (
        "pss-proc-mount-restricted",
        "restricted",
        pod(container(securityContext={"procMount": "Unmasked"}), hostUsers=False),
        "an unmasked /proc was chosen explicitly (e.g. for nested containers); masking it could break the container "
        '(container "app" must not set securityContext.procMount to "Unmasked")',
    ),
    (
        "pss-selinux-options",
        "baseline",
        pod(container(securityContext={"seLinuxOptions": {"user": "root"}})),
        "a custom SELinux type, user or role was chosen explicitly and the workload may need it "
        '(container "app" set forbidden securityContext.seLinuxOptions: user may not be set)',
    ),
    (
        "pss-windows-host-process",
        "baseline",
        pod(container(), securityContext={"windowsOptions": {"hostProcess": True}}),
        "a HostProcess container needs the host's privileges and cannot run without them "
        "(pod must not set securityContext.windowsOptions.hostProcess=true)",
    ),
    (
        "pss-restricted-volumes",
        "restricted",
        pod(container(), volumes=[{"name": "share", "nfs": {"server": "nfs", "path": "/"}}]),
        "replacing these volumes changes where the pod's data lives (mount the storage through a PersistentVolumeClaim) "
        '(volume "share" uses restricted volume type "nfs")',
    ),
    (
        "pss-capabilities-baseline",
        "baseline",
        pod(container(securityContext={"capabilities": {"add": ["NET_RAW"]}})),
        'removing capabilities a container adds could break it (container "app" must not include "NET_RAW" in '
        "securityContext.capabilities.add)",
    ),
    (
        "pss-seccomp-profile-baseline",
        "baseline",
        pod(container(securityContext={"seccompProfile": {"type": "Unconfined"}})),
        "an Unconfined seccomp profile (or one without a valid type) was chosen explicitly and the workload may "
        'need the syscalls it allows; set RuntimeDefault yourself (container "app" must not set '
        'securityContext.seccompProfile.type to "Unconfined")',
    ),
    (
        "pss-apparmor-profile",
        "baseline",
        pod(container(securityContext={"appArmorProfile": {"type": "Unconfined"}})),
        "an unconfined or custom AppArmor profile was chosen explicitly and the workload may need it "
        '(container "app" must not set AppArmor profile type to "Unconfined")',
    ),
    (
        "pss-host-probes-and-lifecycle",
        "baseline",
        pod(container(livenessProbe={"httpGet": {"host": "10.0.0.1", "port": 80}})),
        "removing the host makes the probe or lifecycle hook reach the pod instead of the host it names "
        '(container "app" uses probe or lifecycle host "10.0.0.1")',
    ),
]


@pytest.mark.parametrize(("rule_id", "level", "obj", "reason"), DECLINED, ids=[case[0] for case in DECLINED])
def test_not_safe_checks_say_why(rule_id: str, level: str, obj: dict[str, Any], reason: str) -> None:
    assert refused(obj, only(rule_id, level=level), rule_id) == reason
    assert BY_ID[rule_id].doc.rstrip().endswith(".") and "Not fixed automatically: " in BY_ID[rule_id].doc


def test_every_pss_rule_has_a_fix() -> None:
    assert [r.id for r in BY_ID.values() if r.category == "pss" and r.fix is None] == []


# --- automount-service-account-token ------------------------------------------------------------

AUTOMOUNT = only("automount-service-account-token")


def test_automount_fix() -> None:
    obj = deployment(container(), automountServiceAccountToken=True)
    ops, patched = fixed(obj, AUTOMOUNT)
    assert ops == [add(f"{SPEC}/automountServiceAccountToken", False)]
    assert patched["spec"]["template"]["spec"]["automountServiceAccountToken"] is False


def test_automount_not_safe_when_the_release_binds_the_service_account() -> None:
    obj = deployment(container(), automountServiceAccountToken=True, serviceAccountName="operator")
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "operator"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "operator"},
        "subjects": [{"kind": "ServiceAccount", "name": "operator"}],
    }
    report = chartguard.lint_manifests([obj, binding], profile=AUTOMOUNT)
    assert outcome(report, "automount-service-account-token") == [
        (
            False,
            'RoleBinding "operator" binds service account "operator" to a role: the pod likely calls the API server with its token',
        )
    ]
    other = copy.deepcopy(binding)
    other["subjects"][0]["name"] = "someone-else"
    assert outcome(chartguard.lint_manifests([obj, other], profile=AUTOMOUNT), "automount-service-account-token") == [(True, "")]


def test_reval_automount_token_fix() -> None:
    obj = pod(container(), automountServiceAccountToken=True)
    report = chartguard.lint_manifests([obj], profile=only("reval-automount-token"))
    assert outcome(report, "reval-automount-token") == [(True, "")]
    assert report.fixes[0].ops == (add("/spec/automountServiceAccountToken", False),)


# --- resource-limits ----------------------------------------------------------------------------


def limits_profile(**fix_limits: Any) -> Profile:
    return only("resource-limits", fix_limits=fix_limits)


def test_resource_limits_are_opt_in() -> None:
    obj = pod(container())
    assert refused(obj, "nvcf", "resource-limits") == (
        'no default limits configured in the profile (rule param fix_limits, e.g. {cpu: "1", memory: 1Gi}): '
        'container "app" has no cpu limit'
    )
    assert refused(obj, limits_profile(cpu="1"), "resource-limits") == (
        'no default memory limit configured in the profile (rule param fix_limits, e.g. {cpu: "1", memory: 1Gi}): '
        'container "app" has no memory limit'
    )


def test_resource_limits_from_the_profile() -> None:
    resources = {"requests": {"cpu": "250m", "memory": "2Gi"}}
    obj = pod(
        container(resources=resources),
        initContainers=[container("init", resources=None)],
        ephemeralContainers=[container("debug")],  # ephemeral containers cannot set resources
    )
    ops, patched = fixed(obj, limits_profile(cpu="1", memory="1Gi"))
    assert ops == [
        add("/spec/initContainers/0/resources", {"limits": {"cpu": "1"}}),
        add("/spec/initContainers/0/resources/limits/memory", "1Gi"),
        add("/spec/containers/0/resources/limits", {"cpu": "1"}),
        add("/spec/containers/0/resources/limits/memory", "2Gi"),  # never below the request
    ]
    assert "resources" not in patched["spec"]["ephemeralContainers"][0]


def test_resource_limits_gpu_copies_the_request() -> None:
    gpu = container(resources={"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"nvidia.com/gpu": 2}})
    assert fixed(pod(gpu), only("resource-limits"))[0] == [add("/spec/containers/0/resources/limits/nvidia.com~1gpu", 2)]
    copy_request = limits_profile(cpu="request", memory=2)
    both = container(resources={"requests": {"cpu": "3"}})
    assert fixed(pod(both), copy_request)[0] == [
        add("/spec/containers/0/resources/limits", {"cpu": "3"}),
        add("/spec/containers/0/resources/limits/memory", "2"),
    ]
    assert refused(pod(container()), copy_request, "resource-limits") == 'container "app" has no cpu request to copy as its limit'


def test_resource_limits_unparsable_request() -> None:
    obj = pod(container(resources={"requests": {"cpu": "lots"}}))
    assert refused(obj, limits_profile(cpu="1", memory="1Gi"), "resource-limits") == (
        "cannot compare the request 'lots' with the default limit '1'"
    )


def test_resource_limits_profile_file(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(
        "name: team\ntitle: Team\nfollows: ours\nextends: nvcf\nrules:\n"
        "  resource-limits:\n    params:\n      fix_limits: {cpu: '1', memory: 1Gi, ephemeral-storage: 1}\n"
    )
    profile = load_profile(str(path), strict=True)
    config = next(c for c in profile.rules if c.rule.id == "resource-limits")
    assert config.params["fix_limits"] == {"cpu": "1", "memory": "1Gi", "ephemeral-storage": 1}
    assert outcome(chartguard.lint_manifests([pod(container())], profile=profile), "resource-limits") == [(True, "")]
    path.write_text(path.read_text().replace("ephemeral-storage: 1", "ephemeral-storage: [1]"))
    with pytest.raises(ConfigError, match="fix_limits"):
        load_profile(str(path))


# --- reval-security-context (readOnlyRootFilesystem is opt-in) ----------------------------------


def test_reval_security_context_needs_the_read_only_opt_in() -> None:
    obj = deployment(container(), securityContext={"runAsUser": 1000})
    assert refused(obj, "reval-default", "reval-security-context") == (
        "readOnlyRootFilesystem: true breaks a container that writes outside its volumes; "
        "opt in with the rule param fix_read_only_root_filesystem: true"
    )


def test_reval_security_context_fix() -> None:
    profile = only("reval-security-context", fix_read_only_root_filesystem=True)
    obj = deployment(
        container(securityContext={"capabilities": {"drop": ["all"]}}),
        initContainers=[container("init")],
        ephemeralContainers=[container("debug")],  # helm-reval ignores ephemeral containers
        securityContext={"runAsUser": 1000},
    )
    obj["spec"]["selector"] = {"matchLabels": {"app": "d"}}
    ops, _ = fixed(obj, profile)
    assert ops == [
        add(f"{SPEC}/initContainers/0/securityContext", {"capabilities": {"drop": ["ALL"]}}),
        add(f"{SPEC}/initContainers/0/securityContext/readOnlyRootFilesystem", True),
        add(f"{SPEC}/containers/0/securityContext/readOnlyRootFilesystem", True),
        add(f"{SPEC}/securityContext/seccompProfile", RUNTIME_DEFAULT),
        add(f"{SPEC}/initContainers/0/securityContext/runAsNonRoot", True),
        add(f"{SPEC}/containers/0/securityContext/runAsNonRoot", True),
    ]


@pytest.mark.parametrize(
    ("context", "reason"),
    [
        ({"privileged": True, "runAsUser": 1}, 'container "app" is privileged: true; removing it could break the container'),
        (
            {"readOnlyRootFilesystem": False, "runAsUser": 1},
            'container "app" sets readOnlyRootFilesystem: false explicitly; it writes to its root filesystem',
        ),
        (
            {"seLinuxOptions": {"role": "sysadm_r"}, "runAsUser": 1},
            'container "app" (or the pod) sets its own seLinuxOptions; the workload may need it',
        ),
        ({"runAsUser": 0}, 'container "app" runs as root (runAsUser: 0) on purpose; choose a non-root UID yourself'),
        (
            {},
            'container "app": the image\'s user is unknown; set runAsUser to a non-root UID or runAsNonRoot: true yourself',
        ),
    ],
)
def test_reval_security_context_not_safe(context: dict[str, Any], reason: str) -> None:
    profile = only("reval-security-context", fix_read_only_root_filesystem=True)
    assert refused(pod(container(securityContext=context)), profile, "reval-security-context") == reason


def test_reval_security_context_names_every_obstacle() -> None:
    obj = pod(container(), container("two", securityContext={"seccompProfile": {"type": "Unconfined"}}))
    assert refused(obj, "reval-default", "reval-security-context") == (
        "readOnlyRootFilesystem: true breaks a container that writes outside its volumes; opt in with the rule param "
        'fix_read_only_root_filesystem: true; container "two" sets seccompProfile type "Unconfined" explicitly; choose RuntimeDefault yourself; '
        'container "app": the image\'s user is unknown; set runAsUser to a non-root UID or runAsNonRoot: true yourself'
    )


# --- image-pull-secret-reference ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "name"),
    [
        ({"pullSecret": False}, "nvcf-image-pull-secret"),
        ({"pullSecret": False, "ngcImagePullSecretName": "mine"}, "mine"),  # the chart's own key first
    ],
)
def test_image_pull_secret_reference_fix(values: dict[str, Any], name: str) -> None:
    chart = TESTCHARTS / "function-ngc"
    report = chartguard.lint_chart(chart, values, profile=only("image-pull-secret-reference"))
    assert outcome(report, "image-pull-secret-reference") == [(True, "")]
    (fix,) = report.fixes
    assert fix.ops == (add(f"{SPEC}/imagePullSecrets", [{"name": name}]),)
    rendered = chartguard.render_chart(chart, values)
    objects = [m.obj for m in rendered.manifests + rendered.hooks]
    patched = chartguard.apply_fixes(objects, report)
    assert patched[fix.index]["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": name}]


def test_image_pull_secret_reference_appends_to_the_list() -> None:
    obj = deployment(container(image="nvcr.io/myorg/api:1.0"), imagePullSecrets=[{"name": "other"}])
    chart = load_chart(TESTCHARTS / "function-ngc")
    report = run_rules(
        [Manifest(obj=obj, text="", index=0)],
        load_profile("nvcf", strict=True),
        chart=chart,
        values={"ngcImagePullSecretName": "nvcf-image-pull-secret"},
    )
    assert outcome(report, "image-pull-secret-reference") == [(True, "")]
    assert [op for op in report.fixes[0].ops if "imagePullSecrets" in op["path"]] == [
        add(f"{SPEC}/imagePullSecrets/-", {"name": "nvcf-image-pull-secret"})
    ]


# --- all of them together -----------------------------------------------------------------------


def test_nvcf_strict_fixes_a_typical_deployment() -> None:
    obj = deployment(
        container(image="nvcr.io/myorg/api:1.0", resources={"limits": {"cpu": "1", "memory": "1Gi"}}),
        securityContext={"runAsUser": 1000, "fsGroup": 1000},
        automountServiceAccountToken=True,
    )
    report = chartguard.lint_manifests([obj], profile="nvcf", strict=True)
    (fix,) = report.fixes
    assert fix.rules == (
        "automount-service-account-token",
        "pss-allow-privilege-escalation",
        "pss-capabilities-restricted",
        "pss-run-as-non-root",
        "pss-seccomp-profile-restricted",
    )
    (patched,) = chartguard.apply_fixes([obj], report)
    assert patched["spec"]["template"]["spec"]["securityContext"] == {
        "runAsUser": 1000,
        "fsGroup": 1000,
        "runAsNonRoot": True,
        "seccompProfile": RUNTIME_DEFAULT,
    }
    assert patched["spec"]["template"]["spec"]["containers"][0]["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
    }
    assert [f.rule_id for f in chartguard.lint_manifests([patched], profile="nvcf", strict=True).findings] == []


def _sample_charts() -> list[Path]:
    charts = SHARED / "charts"
    return sorted(p for p in charts.glob("nv*-*") if p.name.startswith(("nvcf-", "nvca-"))) if charts.is_dir() else []


@pytest.mark.parametrize("chart", _sample_charts(), ids=lambda p: p.name)
def test_sample_charts_fixable_findings_go_away(chart: Path) -> None:
    try:
        rendered = chartguard.render_chart(chart)
        report = chartguard.lint_chart(chart, strict=True)
    except chartguard.ChartguardError as exc:
        pytest.skip(f"{chart.name} does not render without values: {exc}")
    objects = [m.obj for m in rendered.manifests + rendered.hooks]
    patched = chartguard.apply_fixes(objects, report)
    ours = {f.rule_id for f in report.findings if f.fixable} & set(SECURITY_RULES)
    again = chartguard.lint_manifests(patched, profile="nvcf", strict=True)
    assert not [f for f in again.findings if f.rule_id in ours]


SECURITY_RULES = (
    "automount-service-account-token",
    "resource-limits",
    *(r.id for r in BY_ID.values() if r.category == "pss"),
)
