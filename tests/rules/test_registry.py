"""The rule registry as a whole: which rules the NVCF profiles run, a chart that makes each of them report
(``FAILING``), and the clean test charts (testcharts/good, testcharts/edge-cases) that none reports on,
plain, strict or at the Pod Security Standards levels.
"""

from __future__ import annotations

import pytest
from helpers.lint import found
from helpers.paths import chart_path
from helpers.rules import NVCF_RULES, PSS_RULES, REPLACED_AT_RESTRICTED, SHOULD_RULES, lint

from chartguard.findings import Severity
from chartguard.function import FunctionSpec
from chartguard.profile import load_profile
from chartguard.rules import RULES
from chartguard.rules.pss import RULES as PSS_REGISTRY

#: rule id → (chart, values, lint options) that makes the rule report at least one finding; the rule's
#: own cases are in tests/rules/test_<rule id>.py, or in the file a comment below names.
FAILING = {
    "object-count": ("many-objects", {"shards": 300}, {}),
    "object-size": ("many-objects", {"blobBytes": 1024 * 1024}, {}),
    "object-kind": ("bad-objects", {}, {}),
    "object-name": ("bad-objects", {}, {}),
    "chart-name": ("bad-name", {}, {}),
    "chart-version": ("prerelease", {}, {}),
    "chart-version-semver": ("short-version", {}, {}),
    "chart-type": ("library", {}, {}),
    "chart-hooks": ("hooks", {}, {}),
    "allowed-kinds": ("bad-kinds", {}, {}),
    "service-type": ("bad-service", {}, {}),
    "volume-types": ("bad-volumes", {}, {}),
    "reserved-env-vars": ("insecure", {}, {}),
    "resource-limits": ("insecure", {}, {}),
    "automount-service-account-token": ("insecure", {}, {}),
    "image-tag": ("insecure", {}, {}),
    "env-literal-secrets": ("insecure", {}, {}),
    # the NVCF function definition and pull secrets (tests/test_function.py has the details)
    "function-service": ("function-service", {}, {"function": FunctionSpec(service_name="orphan", inference_port=8000)}),
    "inference-port-reserved": ("function-service", {}, {"function": FunctionSpec(inference_port=8080)}),
    "helm-chart-url": (
        "function-service",
        {},
        {"function": FunctionSpec(helm_chart="http://127.0.0.1/function-service-1.0.0.tgz")},
    ),
    "image-registry": (
        "function-ngc",
        {"sidecarImage": "nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04"},
        {"function": FunctionSpec(helm_chart="https://helm.ngc.nvidia.com/myorg/myteam/charts/function-ngc-1.2.0.tgz")},
    ),
    "ngc-pull-secret-key": ("function-nokey", {}, {}),
    "image-pull-secret-reference": ("function-ngc", {"pullSecret": False}, {}),
    "image-pull-secret-empty": ("function-ngc", {"ngcImagePullSecretName": ""}, {}),
    "config-read-only": ("function-ngc", {"writableConfig": True}, {}),
    # GPU gating (tests/test_gpu.py has the details)
    "gpu-resource-names": ("gpu-workloads", {"gpuResource": "nvidia.com/mig-1g.10gb"}, {}),
    "gpu-request-limit": ("insecure", {}, {}),
    "gpu-instance-type": ("gpu-workloads", {}, {"instance_type": "g6.full"}),
    "gpu-pod-fits-node": ("gpu-workloads", {"gpuLimit": 2, "gpuRequest": 2}, {"instance_type": "DGXC.GPU.L40S_1x"}),
    "gpu-whole-node": ("gpu-workloads", {"replicas": 2}, {"instance_type": "ON-PREM.GPU.B200_8x.x2"}),
    "gpu-pod-count": ("gpu-workloads", {"gpuLimit": 8, "gpuRequest": 8}, {"instance_type": "ON-PREM.GPU.B200_8x.x2"}),
    "gpu-node-total": ("gpu-workloads", {"replicas": 2}, {"instance_type": "DGXC.GPU.L40S_1x"}),
    "gpu-product-selector": ("gpu-workloads", {"gpuProduct": "NVIDIA-A100"}, {"instance_type": "OCI.GPU.H100_8x"}),
    "gpu-count-label": ("gpu-workloads", {"gpuCountLabel": "8"}, {"instance_type": "DGXC.GPU.L40S_1x"}),
    "gpu-node-affinity": ("gpu-workloads", {"instanceTypeSelector": "OCI.GPU.H100"}, {"instance_type": "DGXC.GPU.L40S_1x"}),
    "gpu-env-consistency": ("gpu-workloads", {"env": {"NUM_GPUS": "2"}}, {"instance_type": "DGXC.GPU.L40S_1x"}),
    # Pod Security Standards, Baseline (the ones Restricted replaces need the pss-baseline profile)
    "pss-apparmor-profile": ("insecure", {}, {}),
    "pss-capabilities-baseline": ("insecure", {}, {"profile": "pss-baseline"}),
    "pss-host-namespaces": ("insecure", {}, {}),
    "pss-host-path-volumes": ("bad-volumes", {}, {"profile": "pss-baseline"}),
    "pss-host-ports": ("pss-violations", {}, {}),
    "pss-host-probes-and-lifecycle": ("pss-violations", {}, {}),
    "pss-privileged": ("insecure", {}, {}),
    "pss-proc-mount": ("pss-violations", {}, {"profile": "pss-baseline"}),
    "pss-selinux-options": ("insecure", {}, {}),
    "pss-seccomp-profile-baseline": ("insecure", {}, {"profile": "pss-baseline"}),
    "pss-sysctls": ("pss-violations", {}, {}),
    "pss-windows-host-process": ("pss-violations", {}, {}),
    # Pod Security Standards, Restricted
    "pss-allow-privilege-escalation": ("insecure", {}, {}),
    "pss-capabilities-restricted": ("insecure", {}, {}),
    "pss-proc-mount-restricted": ("pss-violations", {}, {}),
    "pss-restricted-volumes": ("bad-volumes", {}, {}),
    "pss-run-as-non-root": ("insecure", {}, {}),
    "pss-run-as-user": ("pss-violations", {}, {}),
    "pss-seccomp-profile-restricted": ("insecure", {}, {}),
}


def test_every_registered_rule_has_a_failing_case() -> None:
    assert sorted(FAILING) == sorted(rule.id for rule in NVCF_RULES)
    assert len(NVCF_RULES) == 55
    # every PSA check is registered as a rule, in the pss registry's order, at the end
    assert tuple(rule.id for rule in PSS_REGISTRY) == PSS_RULES
    assert tuple(rule.id for rule in RULES[-len(PSS_RULES) :]) == PSS_RULES


@pytest.mark.parametrize("rule_id", sorted(FAILING))
def test_rule_fails_on_its_bad_chart(rule_id: str) -> None:
    name, values, options = FAILING[rule_id]
    report = lint(name, values, **options)
    assert found(report, rule_id), f"{rule_id} found nothing in {name}"


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("name", ["good", "edge-cases"])
def test_clean_charts_have_no_findings(name: str, strict: bool) -> None:
    report = lint(name, strict=strict)
    assert [f.to_dict() for f in report.findings] == []
    assert report.rule_ids == [rule.id for rule in NVCF_RULES]  # every rule ran
    assert report.strict is strict
    assert not report.failed(Severity.INFO)


@pytest.mark.parametrize("profile", ["pss-restricted", "pss-baseline"])
@pytest.mark.parametrize("name", ["good", "edge-cases"])
def test_clean_charts_meet_the_pod_security_standards(name: str, profile: str) -> None:
    report = lint(name, profile=profile)
    assert [f.to_dict() for f in report.findings] == []
    assert report.rule_ids == list(PSS_RULES)


def test_good_chart_release() -> None:
    report = lint("good")
    assert report.summary() == {"objects": 4, "hooks": 0, "rules": len(NVCF_RULES), "errors": 0, "warnings": 0, "infos": 0}
    assert report.chart == {"name": "good", "version": "1.0.0", "path": str(chart_path("good")), "notes": ""}


@pytest.mark.parametrize("rule_id", REPLACED_AT_RESTRICTED)
def test_restricted_replaces_baseline_checks(rule_id: str) -> None:
    # the chart that fails the Baseline check passes it under the Restricted nvcf profiles
    name, values, options = FAILING[rule_id]
    assert options == {"profile": "pss-baseline"}
    for profile in ("nvcf", "nvcf-strict", "nvcf-2025", "pss-restricted"):
        assert found(lint(name, values, profile=profile), rule_id) == []


def test_profiles_load_with_expected_rules() -> None:
    assert [c.rule.id for c in load_profile("nvcf").rules] == [rule.id for rule in NVCF_RULES]
    strict = {c.rule.id: c.severity for c in load_profile("nvcf", strict=True).rules}
    assert {rule_id: strict[rule_id] for rule_id in SHOULD_RULES} == dict.fromkeys(SHOULD_RULES, Severity.ERROR)
