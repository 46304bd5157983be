"""``pss-allow-privilege-escalation``: Privilege escalation is disabled."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import BARE_POD, lint, pss_insecure_rows

import chartguard


def test_allow_privilege_escalation() -> None:
    # "setup" and "sidecar" set false; "worker" sets true
    assert pss_insecure_rows("pss-allow-privilege-escalation") == [
        (
            "warning",
            "allowPrivilegeEscalation != false",
            'container "worker" must set securityContext.allowPrivilegeEscalation=false',
            "templates/deployment.yaml:50 allowPrivilegeEscalation: true",
        )
    ]
    report = lint("bad-service")  # no pods
    assert found(report, "pss-allow-privilege-escalation") == []
    unset = chartguard.lint_manifests(BARE_POD)
    assert [f.detail for f in found(unset, "pss-allow-privilege-escalation")] == [
        'container "app" must set securityContext.allowPrivilegeEscalation=false'
    ]
