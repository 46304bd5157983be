"""``pss-capabilities-baseline``: No capabilities beyond the default set. At Restricted,
pss-capabilities-restricted replaces it.
"""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import AGENT, lint, pss_insecure_rows, pss_rows


def test_capabilities_baseline() -> None:
    # Baseline allows the runtime's default set (NET_BIND_SERVICE is not named) and ignores drop
    assert pss_insecure_rows("pss-capabilities-baseline", profile="pss-baseline") == [
        (
            "error",
            "non-default capabilities",
            'container "worker" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
            'templates/deployment.yaml:52 add: ["NET_BIND_SERVICE", "SYS_ADMIN", "NET_RAW"]',
        )
    ]
    # at Restricted, capabilities_restricted replaces it (see test_capabilities_restricted)
    assert found(lint("insecure"), "pss-capabilities-baseline") == []
    assert found(lint("edge-cases", profile="pss-baseline"), "pss-capabilities-baseline") == []
    # CHOWN is in the default set: fine at Baseline, forbidden at Restricted
    assert found(lint("pss-violations", profile="pss-baseline"), "pss-capabilities-baseline") == []
    assert pss_rows(lint("pss-violations"), "pss-capabilities-restricted", "pss-violations") == [
        ("warning", AGENT, "unrestricted capabilities",
         'container "chown" must not include "CHOWN" in securityContext.capabilities.add',
         'templates/agent.yaml:39 add: ["CHOWN"]'),
    ]  # fmt: skip
