"""What each bad test chart reports, rule by rule: testcharts/insecure, testcharts/pss-violations (with and
without a user namespace) and a pod that sets no securityContext at all.
"""

from __future__ import annotations

from collections import Counter

from helpers.lint import found
from helpers.rules import BARE_POD, NVCF_RULES, lint, lint_at

import chartguard


def test_insecure_chart_findings_per_rule() -> None:
    report = lint("insecure")
    # one Pod Security Standards finding per check and pod, naming every offender (as PSA does)
    assert Counter(f.rule_id for f in report.findings) == {
        "pss-host-namespaces": 1, "automount-service-account-token": 1, "pss-run-as-non-root": 1,
        "pss-seccomp-profile-restricted": 1, "pss-selinux-options": 1, "image-tag": 3,
        "pss-capabilities-restricted": 1, "resource-limits": 3, "reserved-env-vars": 1, "env-literal-secrets": 1,
        "pss-privileged": 1, "pss-allow-privilege-escalation": 1, "pss-apparmor-profile": 1,
        "gpu-request-limit": 1,
    }  # fmt: skip
    # the reserved variable, the container without image and the GPU request without a limit
    assert report.summary()["errors"] == 3
    assert report.summary()["warnings"] == 15
    assert all(f.location.template == "insecure/templates/deployment.yaml" for f in report.findings)
    lines = [f.location.line for f in report.findings]
    assert lines == sorted(lines)  # findings come in template order


def test_pss_violations_chart_findings_per_rule() -> None:
    report = lint("pss-violations")
    assert Counter(f.rule_id for f in report.findings) == {
        "pss-sysctls": 1, "pss-run-as-user": 1, "pss-run-as-non-root": 1, "pss-capabilities-restricted": 1,
        "pss-host-ports": 1, "pss-host-probes-and-lifecycle": 1, "pss-proc-mount-restricted": 1,
        "pss-host-namespaces": 1, "pss-windows-host-process": 1,
    }  # fmt: skip
    # the NVCF restrictions and best practices accept the chart: only pod-security warnings
    assert report.summary() == {"objects": 2, "hooks": 0, "rules": len(NVCF_RULES), "errors": 0, "warnings": 9, "infos": 0}
    lines = [(f.location.template, f.location.line) for f in report.findings]
    assert lines == sorted(lines)


def test_bare_pod_fails_restricted_but_passes_baseline() -> None:
    # nothing set: every Restricted check that needs a setting reports, no Baseline check does
    report = chartguard.lint_manifests(BARE_POD)
    assert [(f.rule_id, str(f.severity), f.reason, f.detail) for f in report.findings if f.rule_id.startswith("pss-")] == [
        ("pss-allow-privilege-escalation", "warning", "allowPrivilegeEscalation != false",
         'container "app" must set securityContext.allowPrivilegeEscalation=false'),
        ("pss-capabilities-restricted", "warning", "unrestricted capabilities",
         'container "app" must set securityContext.capabilities.drop=["ALL"]'),
        ("pss-run-as-non-root", "warning", "runAsNonRoot != true",
         'pod or container "app" must set securityContext.runAsNonRoot=true'),
        ("pss-seccomp-profile-restricted", "warning", "seccompProfile",
         'pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'),
    ]  # fmt: skip
    assert chartguard.lint_manifests(BARE_POD, profile="pss-baseline").findings == []


def test_user_namespace_relaxations() -> None:
    # hostUsers: false (v1.35) lifts runAsNonRoot, runAsUser and Baseline's procMount, not procMount_restricted
    report = lint("pss-violations", {"userNamespace": True})
    assert {f.rule_id for f in report.findings} == {
        "pss-sysctls", "pss-capabilities-restricted", "pss-host-ports", "pss-host-probes-and-lifecycle",
        "pss-proc-mount-restricted", "pss-host-namespaces", "pss-windows-host-process",
    }  # fmt: skip
    assert found(lint("pss-violations", {"userNamespace": True}, profile="pss-baseline"), "pss-proc-mount") == []
    assert found(lint_at("pss-violations", "v1.34", {"userNamespace": True}), "pss-run-as-user") != []
