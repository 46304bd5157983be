"""``pss-run-as-user``: Containers do not run as user 0."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import AGENT, lint, lint_at, pss_rows


def test_run_as_user() -> None:
    assert pss_rows(lint("pss-violations"), "pss-run-as-user", "pss-violations") == [
        ("warning", AGENT, "runAsUser=0", 'container "chown" must not set runAsUser=0', "templates/agent.yaml:34 runAsUser: 0")
    ]
    assert found(lint_at("pss-violations", "v1.22"), "pss-run-as-user") == []  # a check from v1.23
    assert found(lint("edge-cases"), "pss-run-as-user") == []  # runAsUser: 10001
    assert found(lint("good"), "pss-run-as-user") == []  # runAsUser: 1000
