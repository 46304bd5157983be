"""Pod Security Standards through profiles, the CLI and the library: level, version, exemptions."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

import chartguard
from chartguard.cli import main
from chartguard.errors import ConfigError
from chartguard.findings import Severity
from chartguard.profile import load_profile, with_pod_security

WINDOWS_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: win
spec:
  os: {name: windows}
  securityContext: {runAsNonRoot: true}
  containers:
    - name: app
      image: mcr.microsoft.com/windows/nanoserver:ltsc2022
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
    spec:
      hostNetwork: true
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: web
          image: nvcr.io/acme/web:1.0.0
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL], add: [NET_ADMIN]}
        - name: agent
          image: nvcr.io/acme/agent:2.0.0
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL], add: [SYS_PTRACE]}
"""


def pss_findings(report):
    return [(f.rule_id, str(f.severity), f.reason, f.detail) for f in report.findings if f.rule_id.startswith("pss-")]


def test_restricted_profile_reports_psa_reasons_and_lines():
    report = chartguard.lint_manifests(DEPLOYMENT, profile="pss-restricted", source="deploy.yaml")
    assert pss_findings(report) == [
        ("pss-host-namespaces", "error", "host namespaces", "hostNetwork=true"),
        (
            "pss-capabilities-restricted",
            "error",
            "unrestricted capabilities",
            'containers "web", "agent" must not include "NET_ADMIN", "SYS_PTRACE" in securityContext.capabilities.add',
        ),
    ]
    host = next(f for f in report.findings if f.rule_id == "pss-host-namespaces")
    assert (host.pointer, host.location.line) == ("/spec/template/spec/hostNetwork", 11)


def test_baseline_profile_runs_only_baseline_checks():
    report = chartguard.lint_manifests(DEPLOYMENT, profile="pss-baseline")
    assert [f.rule_id for f in report.findings] == ["pss-host-namespaces", "pss-capabilities-baseline"]
    caps = report.findings[1]
    assert (
        caps.detail == 'containers "web", "agent" must not include "NET_ADMIN", "SYS_PTRACE" in securityContext.capabilities.add'
    )


def test_nvcf_profile_has_pss_as_warnings_and_strict_as_errors():
    normal = chartguard.lint_manifests(DEPLOYMENT)
    strict = chartguard.lint_manifests(DEPLOYMENT, strict=True)
    assert {sev for rule, sev, *_ in pss_findings(normal)} == {"warning"}
    assert {sev for rule, sev, *_ in pss_findings(strict)} == {"error"}
    assert [r for r, *_ in pss_findings(normal)] == [r for r, *_ in pss_findings(strict)]


def test_pss_version_pins_the_policy_a_cluster_runs():
    """Windows pods are exempt from allowPrivilegeEscalation, capabilities and seccomp only from v1.25."""
    v124 = with_pod_security(load_profile("pss-restricted"), version="v1.24")
    old = chartguard.lint_manifests(WINDOWS_POD, profile=v124)
    new = chartguard.lint_manifests(WINDOWS_POD, profile="pss-restricted")
    assert [f.rule_id for f in old.findings] == [
        "pss-allow-privilege-escalation",
        "pss-capabilities-restricted",
        "pss-seccomp-profile-restricted",
    ]
    assert new.findings == []


def test_cli_pss_level_and_version(tmp_path):
    path = tmp_path / "win.yaml"
    path.write_text(WINDOWS_POD)
    runner = CliRunner()
    old = runner.invoke(main, ["lint", str(path), "--profile", "pss-restricted", "--pss-version", "v1.24", "--format", "json"])
    assert old.exit_code == 1
    assert {f["ruleId"] for f in yaml.safe_load(old.output)["findings"]} == {
        "pss-allow-privilege-escalation",
        "pss-capabilities-restricted",
        "pss-seccomp-profile-restricted",
    }
    assert runner.invoke(main, ["lint", str(path), "--profile", "pss-restricted"]).exit_code == 0
    baseline = runner.invoke(
        main, ["lint", str(path), "--profile", "pss-restricted", "--pss-level", "baseline", "--pss-version", "v1.24"]
    )
    assert baseline.exit_code == 0, baseline.output
    bad = runner.invoke(main, ["lint", str(path), "--pss-version", "1.30"])
    assert bad.exit_code == 2 and "--pss-version" in bad.output


def test_exemptions_by_image_and_by_container(tmp_path):
    profile = tmp_path / "team.yaml"
    profile.write_text(
        "name: team\ntitle: Team\nfollows: our policy\nextends: pss-restricted\n"
        "pss:\n  exempt:\n"
        "    - {check: capabilities_restricted, images: ['nvcr.io/acme/agent:*']}\n"
        "    - {check: pss-host-namespaces}\n"
        "rules: {}\n"
    )
    report = chartguard.lint_manifests(DEPLOYMENT, profile=str(profile))
    assert pss_findings(report) == [
        (
            "pss-capabilities-restricted",
            "error",
            "unrestricted capabilities",
            'container "web" must not include "NET_ADMIN" in securityContext.capabilities.add',
        )
    ]
    by_name = profile.read_text().replace("images: ['nvcr.io/acme/agent:*']", "containers: [web, agent]")
    profile.write_text(by_name)
    assert pss_findings(chartguard.lint_manifests(DEPLOYMENT, profile=str(profile))) == []


@pytest.mark.parametrize(
    "pss, message",
    [
        ("pss: {exempt: [{check: noSuchCheck}]}\n", "unknown check 'noSuchCheck'"),
        ("pss: {level: strict}\n", "invalid profile at pss/level"),
        ("pss: {version: v1.05}\n", "invalid profile at pss/version"),
    ],
)
def test_invalid_pss_settings(tmp_path, pss, message):
    profile = tmp_path / "p.yaml"
    profile.write_text(f"name: p\ntitle: P\nfollows: f\nextends: pss-restricted\n{pss}rules: {{}}\n")
    with pytest.raises(ConfigError, match=message):
        load_profile(str(profile))


def test_pss_findings_on_a_chart_point_at_template_lines(testchart):
    report = chartguard.lint_chart(testchart("release-shape"), profile="pss-restricted")
    runs = [f for f in report.findings if f.rule_id == "pss-run-as-non-root"]
    assert runs and runs[0].location.path.endswith("release-shape/templates/a-deployment.yaml")
    assert runs[0].severity == Severity.ERROR
    assert runs[0].detail == 'pod or container "web" must set securityContext.runAsNonRoot=true'


# --- the admission webhook's profile: Pod Security Baseline denies ------------------------------------------


def webhook_answer(obj: dict, profile: str = "nvcf-webhook") -> dict:
    from helpers.objects import minimal_review

    from chartguard.admission import review

    body = minimal_review()
    body["request"]["object"] = obj
    return review(body, mode="validate", profile=load_profile(profile))["response"]


def denying_rules(response: dict) -> set[str]:
    return set(response.get("auditAnnotations", {}).get("rules", "").split(",")) - {""} if not response["allowed"] else set()


def test_the_webhook_profile_denies_every_pod_security_baseline_violation():
    """nvcf-webhook used to let a privileged pod through with a warning: every Baseline check now
    denies (as under PSA's enforce=baseline) while nvcf, following the NVCF documents, only warns."""
    from test_pss_baseline import ALL_CASES, app_pod

    from chartguard import pss

    rule_of = {check.id: rule.id for rule, check in pss.RULE_CHECKS}
    baseline = {rule.id for rule, check in pss.RULE_CHECKS if check.level == "baseline"}
    cases = [(case.id, case.values[1]) for case in ALL_CASES]
    cases += [(f"{field}-pod", app_pod(**{field: True})) for field in ("hostNetwork", "hostPID", "hostIPC")]
    exercised: set[str] = set()
    for name, obj in cases:
        broken = {rule_of[v.check] for v in pss.evaluate(obj, "baseline", "latest")}
        if not broken:
            continue
        exercised |= broken
        assert broken <= denying_rules(webhook_answer(obj)), name
        assert not broken & denying_rules(webhook_answer(obj, "nvcf")), name
    assert exercised == baseline


def ipc_lock_workload(*added: str, gpus: int = 8) -> dict:
    from test_gpu_gate import B200, term, workload

    obj = workload(B200, gpus=gpus, replicas=2, terms=[term(("In", ["ON-PREM.GPU.B200"]))])
    container = obj["spec"]["template"]["spec"]["containers"][0]
    if not gpus:
        del obj["metadata"]["annotations"], obj["spec"]["template"]["metadata"]["annotations"]
        del obj["spec"]["template"]["spec"]["affinity"]
    container["securityContext"]["capabilities"]["add"] = list(added)
    return obj


def test_gpu_pods_may_add_ipc_lock_and_nothing_else_beyond_baseline():
    """NVIDIA's multi-node functions add IPC_LOCK (NCCL/RDMA): allowed for GPU pods by the
    profile's allowed_gpu_capabilities, without switching the capabilities checks off."""
    assert webhook_answer(ipc_lock_workload("IPC_LOCK"))["allowed"] is True
    assert webhook_answer(ipc_lock_workload("IPC_LOCK", "NET_BIND_SERVICE"))["allowed"] is True
    denied = webhook_answer(ipc_lock_workload("IPC_LOCK", "SYS_ADMIN"))
    assert denying_rules(denied) == {"pss-capabilities-baseline"}
    assert 'must not include "SYS_ADMIN" in securityContext.capabilities.add' in denied["status"]["message"]
    assert "IPC_LOCK" not in denied["status"]["message"]
    cpu_only = webhook_answer(ipc_lock_workload("IPC_LOCK", gpus=0))
    assert denying_rules(cpu_only) == {"pss-capabilities-baseline"} and '"IPC_LOCK"' in cpu_only["status"]["message"]
    warned = webhook_answer(ipc_lock_workload("IPC_LOCK", gpus=0), "nvcf")
    assert warned["allowed"] is True and any("[pss-capabilities-restricted]" in w for w in warned["warnings"])


def test_allowed_gpu_capabilities_is_a_documented_param_off_by_default():
    rules = {c.rule.id: c for c in load_profile("pss-baseline").rules}
    assert rules["pss-capabilities-baseline"].params["allowed_gpu_capabilities"] == []
    webhook = {c.rule.id: c for c in load_profile("nvcf-webhook").rules}
    for rule_id in ("pss-capabilities-baseline", "pss-capabilities-restricted"):
        assert webhook[rule_id].params["allowed_gpu_capabilities"] == ["IPC_LOCK"]
    assert webhook["pss-capabilities-baseline"].severity == Severity.ERROR
    assert webhook["pss-capabilities-restricted"].severity == Severity.WARNING


def test_the_multi_node_sample_needs_nothing_beyond_ipc_lock(tmp_path):
    """../shared/charts/nvcf-oss-multi-node-test adds IPC_LOCK to its GPU pods."""
    import json

    from helpers.paths import shared_path

    chart = shared_path("charts", "nvcf-oss-multi-node-test")
    runner = CliRunner()

    def findings(profile: str) -> dict[str, list[str]]:
        result = runner.invoke(main, ["lint", str(chart), "-p", profile, "--format", "json"], catch_exceptions=False)
        found: dict[str, list[str]] = {}
        for finding in json.loads(result.stdout)["findings"]:
            found.setdefault(finding["ruleId"], []).append(finding["detail"])
        return found

    webhook, nvcf = findings("nvcf-webhook"), findings("nvcf")
    assert "pss-capabilities-baseline" not in webhook
    assert all("IPC_LOCK" not in detail for detail in webhook["pss-capabilities-restricted"])
    assert any("IPC_LOCK" in detail for detail in nvcf["pss-capabilities-restricted"])


def test_keep_replaced_baseline_runs_the_baseline_checks_restricted_replaces():
    from chartguard import pss

    replaced = {"capabilities_baseline", "seccompProfile_baseline", "hostPathVolumes", "procMount"}
    plain = {check.id for check, _ in pss.active_checks("restricted", pss.MAX_MINOR)}
    kept = {check.id for check, _ in pss.active_checks("restricted", pss.MAX_MINOR, True)}
    assert kept - plain == replaced and plain <= kept
    assert load_profile("nvcf-webhook").pod_security.keep_replaced_baseline is True
    assert load_profile("nvcf").pod_security.keep_replaced_baseline is False
