"""Pod Security Standards, evaluated exactly as Kubernetes' Pod Security Admission does.

    >>> from chartguard import pss
    >>> pss.evaluate(deployment, "restricted", "v1.30")
    [Violation(check='runAsNonRoot', reason='runAsNonRoot != true', detail='pod or container "app" must ...', ...)]

The public face of ``chartguard.rules.pss.evaluate`` (the checks live in ``chartguard/rules/pss/``).
"""

from __future__ import annotations

from .rules.pss.evaluate import (
    CHECKS,
    LEVELS,
    MAX_MINOR,
    RULE_CHECKS,
    Exemption,
    PodSecuritySettings,
    Violation,
    active_checks,
    check_by_id,
    checks_for,
    evaluate,
    evaluate_pod,
    implementation,
    message,
    resolve_version,
)

__all__ = [
    "CHECKS",
    "LEVELS",
    "MAX_MINOR",
    "RULE_CHECKS",
    "Exemption",
    "PodSecuritySettings",
    "Violation",
    "active_checks",
    "check_by_id",
    "checks_for",
    "evaluate",
    "evaluate_pod",
    "implementation",
    "message",
    "resolve_version",
]
