"""``pss-host-namespaces``: No host network, PID or IPC namespaces."""

from __future__ import annotations

from helpers.lint import found
from helpers.paths import chart_path
from helpers.rules import lint, pss_insecure_rows, where


def test_host_namespaces() -> None:
    # one finding for the pod, naming every shared namespace; it points at the first one
    assert pss_insecure_rows("pss-host-namespaces") == [
        ("warning", "host namespaces", "hostNetwork=true, hostPID=true", "templates/deployment.yaml:19 hostNetwork: true"),
    ]
    assert pss_insecure_rows("pss-host-namespaces", {"hostPID": False}) == [
        ("warning", "host namespaces", "hostNetwork=true", "templates/deployment.yaml:19 hostNetwork: true"),
    ]
    # explicit false is fine
    assert found(lint("edge-cases"), "pss-host-namespaces") == []


def test_host_namespaces_in_a_cronjob() -> None:
    report = lint("insecure", {"cronjob": {"enabled": True}})
    cron = [f for f in report.findings if f.object.kind == "CronJob"]
    assert [(f.rule_id, f.reason, f.detail, f.pointer, where(f, chart_path("insecure"))) for f in cron] == [
        (
            "pss-host-namespaces",
            "host namespaces",
            "hostIPC=true",
            "/spec/jobTemplate/spec/template/spec/hostIPC",
            "templates/cronjob.yaml:13 hostIPC: true",
        )
    ]  # the CronJob's pod is otherwise clean: restricted security context, image pinned by digest
