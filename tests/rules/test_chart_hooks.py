"""``chart-hooks``: No chart hooks or test hooks."""

from __future__ import annotations

from helpers.lint import found
from helpers.paths import chart_path
from helpers.rules import lint, where

import chartguard
from chartguard.findings import Severity


def test_chart_hooks_and_test_hooks() -> None:
    report = lint("hooks")
    hooks = [(f.reason, str(f.object), f.detail, where(f, chart_path("hooks"))) for f in found(report, "chart-hooks")]
    assert hooks == [
        (
            "chart hooks are not run",
            "Job mini-service-migrate",
            "helm.sh/hook: pre-install,pre-upgrade",
            'templates/migrate-job.yaml:6 "helm.sh/hook": pre-install,pre-upgrade',
        ),
        (
            "test hooks are not run",
            "Pod mini-service-test-connection",
            "helm.sh/hook: test",
            'templates/tests/test-connection.yaml:6 "helm.sh/hook": test',
        ),
        (
            "chart hooks are not run",
            "ConfigMap mini-service-seed",
            "helm.sh/hook: post-instal (unknown hook type post-instal: Helm drops this object)",
            "templates/typo-hook.yaml:7 helm.sh/hook: post-instal",
        ),
    ]
    assert {f.severity for f in report.findings} == {Severity.ERROR}
    # hooks are not part of the release: the pod rules do not look at the hooks' insecure pods
    assert [f.rule_id for f in report.findings] == ["chart-hooks"] * 3


def test_hooks_in_a_manifest_stream() -> None:
    stream = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test-success\n"
    report = chartguard.lint_manifests(stream)
    assert [(f.reason, f.detail, f.location.line) for f in report.findings] == [
        ("test hooks are not run", "helm.sh/hook: test-success", 6)
    ]
