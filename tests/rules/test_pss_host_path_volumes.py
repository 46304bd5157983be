"""``pss-host-path-volumes``: No hostPath volumes."""

from __future__ import annotations

from helpers.rules import lint, pss_rows


def test_host_path_volumes() -> None:
    report = lint("bad-volumes", profile="pss-baseline")
    assert pss_rows(report, "pss-host-path-volumes", "bad-volumes") == [
        ("error", "Deployment mini-service-inference", "hostPath volumes", 'volume "host-models"',
         "templates/deployment.yaml:48 hostPath:"),
    ]  # fmt: skip
    assert [f.rule_id for f in report.findings] == ["pss-host-path-volumes"]  # nfs is fine at Baseline
