"""``pss-sysctls``: Only safe sysctls."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import AGENT, lint, lint_at, pss_rows


def test_sysctls() -> None:
    # net.ipv4.tcp_keepalive_time is safe from v1.29; the values are not checked
    assert pss_rows(lint("pss-violations"), "pss-sysctls", "pss-violations") == [
        ("warning", AGENT, "forbidden sysctls", "net.core.somaxconn, kernel.msgmax",
         "templates/agent.yaml:25 - name: net.core.somaxconn"),
    ]  # fmt: skip
    assert pss_rows(lint_at("pss-violations", "v1.28"), "pss-sysctls", "pss-violations") == [
        ("warning", AGENT, "forbidden sysctls", "net.ipv4.tcp_keepalive_time, net.core.somaxconn, kernel.msgmax",
         "templates/agent.yaml:23 - name: net.ipv4.tcp_keepalive_time"),
    ]  # fmt: skip
    assert found(lint("good"), "pss-sysctls") == []
