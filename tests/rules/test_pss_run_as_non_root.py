"""``pss-run-as-non-root``: Containers run as non-root."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import BARE_POD, lint, pss_insecure_rows, pss_rows

import chartguard


def test_run_as_non_root() -> None:
    # the pod says false: forbidden even though "setup" says true for itself (one finding per pod)
    assert pss_insecure_rows("pss-run-as-non-root") == [
        (
            "warning",
            "runAsNonRoot != true",
            "pod must not set securityContext.runAsNonRoot=false",
            "templates/deployment.yaml:23 runAsNonRoot: false",
        )
    ]


def test_run_as_non_root_container_overrides_pod() -> None:
    assert found(lint("edge-cases"), "pss-run-as-non-root") == []  # inherited from the pod
    report = lint("edge-cases", {"rootOverride": True})
    assert pss_rows(report, "pss-run-as-non-root", "edge-cases") == [
        (
            "warning",
            "Pod mini-service-web",
            "runAsNonRoot != true",
            'container "web" must not set securityContext.runAsNonRoot=false',
            "templates/pod.yaml:58 runAsNonRoot: false",
        )
    ]
    assert [f.rule_id for f in report.findings] == ["pss-run-as-non-root"]


def test_run_as_non_root_not_set() -> None:
    report = chartguard.lint_manifests(BARE_POD)
    assert [(f.reason, f.detail, f.pointer, f.location.line) for f in found(report, "pss-run-as-non-root")] == [
        (
            "runAsNonRoot != true",
            'pod or container "app" must set securityContext.runAsNonRoot=true',
            "/spec/containers/0/securityContext/runAsNonRoot",
            6,
        )
    ]
