"""``pss-host-probes-and-lifecycle``: Probes and lifecycle hooks do not target other hosts."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import AGENT, lint, lint_at, pss_rows


def test_host_probes_and_lifecycle() -> None:
    # the liveness probe's and the preStop hook's hosts; a check from policy version v1.34
    assert pss_rows(lint("pss-violations"), "pss-host-probes-and-lifecycle", "pss-violations") == [
        ("warning", AGENT, "probe or lifecycle host", 'container "agent" uses probe or lifecycle hosts "127.0.0.1", "localhost"',
         "templates/agent.yaml:56 host: 127.0.0.1"),
    ]  # fmt: skip
    assert found(lint_at("pss-violations", "v1.33"), "pss-host-probes-and-lifecycle") == []
    assert found(lint_at("pss-violations", "v1.34"), "pss-host-probes-and-lifecycle") != []
