"""``pss-host-ports``: No host ports."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import AGENT, lint, pss_rows


def test_host_ports() -> None:
    assert pss_rows(lint("pss-violations"), "pss-host-ports", "pss-violations") == [
        ("warning", AGENT, "hostPort", 'container "agent" uses hostPort 9100', "templates/agent.yaml:53 hostPort: 9100")
    ]
    # containerPort alone is fine
    assert found(lint("edge-cases"), "pss-host-ports") == []
    assert found(lint("good"), "pss-host-ports") == []
