"""``pss-windows-host-process``: No Windows HostProcess containers."""

from __future__ import annotations

from helpers.rules import AGENT, EXPORTER, lint, pss_rows


def test_windows_host_process() -> None:
    report = lint("pss-violations")
    assert pss_rows(report, "pss-windows-host-process", "pss-violations") == [
        ("warning", EXPORTER, "hostProcess", "pod must not set securityContext.windowsOptions.hostProcess=true",
         "templates/windows-exporter.yaml:14 hostProcess: true"),
    ]  # fmt: skip
    # HostProcess pods need the host network; the Restricted checks Windows pods skip do not report
    assert [(f.rule_id, f.detail) for f in report.findings if str(f.object) == EXPORTER] == [
        ("pss-host-namespaces", "hostNetwork=true"),
        ("pss-windows-host-process", "pod must not set securityContext.windowsOptions.hostProcess=true"),
    ]
    assert [str(f.object) for f in lint("pss-violations", {"windows": {"enabled": False}}).findings] == [AGENT] * 7
