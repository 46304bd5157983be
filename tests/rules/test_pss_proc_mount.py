"""``pss-proc-mount``: Default /proc masks. From v1.35, pss-proc-mount-restricted replaces it at Restricted
(both are checked here).
"""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import AGENT, lint, lint_at, pss_rows


def test_proc_mount() -> None:
    unmasked = 'container "agent" must not set securityContext.procMount to "Unmasked"'
    at = "templates/agent.yaml:68 procMount: Unmasked"
    restricted = lint("pss-violations")
    assert pss_rows(restricted, "pss-proc-mount-restricted", "pss-violations") == [("warning", AGENT, "procMount", unmasked, at)]
    assert found(restricted, "pss-proc-mount") == []  # replaced at Restricted from v1.35
    baseline = lint("pss-violations", profile="pss-baseline")
    assert pss_rows(baseline, "pss-proc-mount", "pss-violations") == [("error", AGENT, "procMount", unmasked, at)]
    # before v1.35 the Baseline check runs at Restricted too
    assert pss_rows(lint_at("pss-violations", "v1.34"), "pss-proc-mount", "pss-violations") == [
        ("warning", AGENT, "procMount", unmasked, at)
    ]
    assert found(lint_at("pss-violations", "v1.34"), "pss-proc-mount-restricted") == []
