"""``pss-privileged``: No privileged containers."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import lint, pss_insecure_rows


def test_privileged() -> None:
    assert pss_insecure_rows("pss-privileged") == [
        (
            "warning",
            "privileged",
            'container "worker" must not set securityContext.privileged=true',
            "templates/deployment.yaml:49 privileged: true",
        )
    ]
    assert found(lint("edge-cases"), "pss-privileged") == []  # privileged: false
