"""What the rule tests in tests/rules/ share: the registry's groups of rules, the test charts' objects,
and findings as rows ``(severity, object, detail, where)``.

``where`` is ``<path inside the chart>:<line> <that template line, stripped>``: the row shows which
line of the template source the finding points at, and the test fails when the line moves. The Pod
Security Standards rows (``pss_rows``) add the finding's ``reason``: PSA's forbidden reason, next to
its detail.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import chartguard
from chartguard.findings import Finding, Report
from chartguard.profile import load_profile, with_pod_security
from chartguard.rules import RULES
from helpers.lint import found, lint_testchart_cached
from helpers.paths import chart_path

#: The Pod Security Standards rules, one per PSA check: the Baseline checks, then the Restricted ones.
PSS_RULES = (
    "pss-apparmor-profile", "pss-capabilities-baseline", "pss-host-namespaces", "pss-host-path-volumes",
    "pss-host-ports", "pss-host-probes-and-lifecycle", "pss-privileged", "pss-proc-mount", "pss-selinux-options",
    "pss-seccomp-profile-baseline", "pss-sysctls", "pss-windows-host-process",
    "pss-allow-privilege-escalation", "pss-capabilities-restricted", "pss-proc-mount-restricted",
    "pss-restricted-volumes", "pss-run-as-non-root", "pss-run-as-user", "pss-seccomp-profile-restricted",
)  # fmt: skip
#: Baseline checks that a Restricted check replaces at the latest policy version (as in PSA): they
#: never report under the nvcf profiles, only under pss-baseline (or an older --pss-version).
REPLACED_AT_RESTRICTED = ("pss-capabilities-baseline", "pss-host-path-volumes", "pss-proc-mount", "pss-seccomp-profile-baseline")
#: The rules NVCF "will enforce at a later date": warnings by default, errors with strict=True.
SHOULD_RULES = ("resource-limits", "automount-service-account-token", *PSS_RULES)
#: The rules the NVCF profiles run: all but helm-reval's (tests/test_reval_core.py covers those).
NVCF_RULES = tuple(rule for rule in RULES if rule.category != "helm-reval")

#: The insecure chart's workload, and the pss-violations chart's two pods.
WORKER = "Deployment mini-service-worker"
AGENT, EXPORTER = "Deployment mini-service-agent", "Pod mini-service-windows-exporter"

#: A pod that sets no securityContext at all.
BARE_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      image: app:1.0.0
"""

#: Lint testcharts/<name> (``lint(name, values, **options)``); the reports are cached: the rule tests only read them.
lint = lint_testchart_cached


def lint_at(name: str, version: str, values: dict[str, Any] | None = None, profile: str = "nvcf") -> Report:
    """Lint testcharts/<name> with ``profile`` at Pod Security Standards version ``version`` (--pss-version)."""
    return chartguard.lint_chart(chart_path(name), values, profile=with_pod_security(load_profile(profile), version=version))


def copy_chart(chart: str, tmp_path: Path, **chart_yaml: str) -> Path:
    """Copy testcharts/<chart> to tmp_path and replace top-level keys of its Chart.yaml."""
    target = tmp_path / chart
    shutil.copytree(chart_path(chart), target)
    lines = (target / "Chart.yaml").read_text(encoding="utf-8").splitlines()
    for key, value in chart_yaml.items():
        lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in lines]
    (target / "Chart.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def where(finding: Finding, chart_dir: Path | None = None) -> str:
    """``templates/x.yaml:12 <source line 12, stripped>`` for a finding located in a chart."""
    location = finding.location
    prefix = f"{chart_dir}/" if chart_dir is not None else ""
    assert location.path.startswith(prefix), location.path
    relative = location.path[len(prefix) :]
    source = Path(location.path).read_text(encoding="utf-8").splitlines() if chart_dir is not None else []
    assert location.line >= 1, finding
    text = source[location.line - 1].strip() if source else ""
    return f"{relative}:{location.line} {text}".rstrip()


def rows(report: Report, rule_id: str, chart: str | None = None) -> list[tuple[str, str, str, str]]:
    """The findings of one rule as ``(severity, object, detail, where)``, in report order."""
    chart_dir = chart_path(chart) if chart else None
    return [(str(f.severity), str(f.object), f.detail, where(f, chart_dir)) for f in found(report, rule_id)]


def pss_rows(report: Report, rule_id: str, chart: str) -> list[tuple[str, str, str, str, str]]:
    """The findings of one rule as ``(severity, object, reason, detail, where)``, in report order."""
    return [(str(f.severity), str(f.object), f.reason, f.detail, where(f, chart_path(chart))) for f in found(report, rule_id)]


def insecure_rows(rule_id: str, values: dict[str, Any] | None = None, **options: Any) -> list[tuple[str, str, str]]:
    """``(severity, detail, where)`` of one rule on the insecure chart's worker Deployment."""
    found_rows = rows(lint("insecure", values, **options), rule_id, "insecure")
    assert {obj for _, obj, _, _ in found_rows} <= {WORKER}
    return [(severity, detail, at) for severity, _, detail, at in found_rows]


def pss_insecure_rows(rule_id: str, values: dict[str, Any] | None = None, **options: Any) -> list[tuple[str, str, str, str]]:
    """``(severity, reason, detail, where)`` of one pss rule on the insecure chart's worker Deployment."""
    found_rows = pss_rows(lint("insecure", values, **options), rule_id, "insecure")
    assert {obj for _, obj, _, _, _ in found_rows} <= {WORKER}
    return [(severity, reason, detail, at) for severity, _, reason, detail, at in found_rows]
