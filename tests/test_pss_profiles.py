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
