"""Pod Security Standards, evaluated exactly as Kubernetes' Pod Security Admission does.

    >>> from chartguard import pss
    >>> pss.evaluate(deployment, "restricted", "v1.30")
    [Violation(check='runAsNonRoot', reason='runAsNonRoot != true', detail='pod or container "app" must ...', ...)]

``evaluate`` takes a Pod or any pod-bearing workload (Deployment, StatefulSet, DaemonSet, ReplicaSet,
Job, CronJob, ReplicationController, PodTemplate), a level (``baseline`` or ``restricted``; also
``privileged``, which allows everything) and a policy version (``v1.N`` or ``latest``; versions newer
than the newest known resolve to it). An empty list means allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from ...workloads import Pod, pods_of
from . import CHECKS, MODULES
from .base import Check, Exemption, PodSecuritySettings, VersionedCheck, parse_minor

__all__ = [
    "CHECKS",
    "LEVELS",
    "RULE_CHECKS",
    "MAX_MINOR",
    "Exemption",
    "PodSecuritySettings",
    "Violation",
    "active_checks",
    "checks_for",
    "evaluate",
    "evaluate_pod",
    "implementation",
    "message",
    "resolve_version",
]

LEVELS = ("privileged", "baseline", "restricted")
#: (chartguard rule, PSA check) pairs, for naming checks either way.
RULE_CHECKS = tuple((module.RULE, module.CHECK) for module in MODULES)
#: The newest policy version any check knows (``latest`` means this one).
MAX_MINOR = max(versioned.minimum for check in CHECKS for versioned in check.versions)
_BY_ID = {check.id: check for check in CHECKS}


@dataclass(frozen=True)
class Violation:
    """One check that forbids the pod: PSA's reason and detail, the check, the offending field."""

    check: str
    level: str
    reason: str
    detail: str
    pointer: str

    @property
    def message(self) -> str:
        """``reason (detail)``, as PSA prints each forbidden check."""
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


@cache
def resolve_version(version: str) -> int:
    """``latest`` or ``v1.N`` → the minor version whose checks apply; ValueError when invalid."""
    minor = parse_minor(version)
    if minor is None:
        raise ValueError(f"invalid Pod Security Standards version {version!r} (expected v1.N or latest)")
    return MAX_MINOR if minor < 0 or minor > MAX_MINOR else minor


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"invalid Pod Security Standards level {level!r} (expected {', '.join(LEVELS)})")
    return level


@cache
def active_checks(level: str, minor: int, keep_replaced_baseline: bool = False) -> tuple[tuple[Check, VersionedCheck], ...]:
    """The checks that run at ``level`` and ``v1.<minor>``, in PSA's order (baseline ids sorted,
    then restricted ids sorted), with the implementation of each; ``keep_replaced_baseline`` keeps
    the Baseline checks a Restricted one replaces (PSA drops them)."""
    if _check_level(level) == "privileged":
        return ()
    levels = ("baseline",) if level == "baseline" else ("baseline", "restricted")
    found = {check.id: (check, check.at(minor)) for check in CHECKS if check.level in levels}
    running = {cid: (check, versioned) for cid, (check, versioned) in found.items() if versioned is not None}
    overridden = {o for check, versioned in running.values() if check.level == "restricted" for o in versioned.overrides}
    ordered = sorted(running.items(), key=lambda item: (item[1][0].level != "baseline", item[0]))
    return tuple(pair for cid, pair in ordered if keep_replaced_baseline or cid not in overridden)


def checks_for(settings: PodSecuritySettings | None) -> tuple[tuple[Check, VersionedCheck], ...]:
    """The active checks of a profile's settings (restricted/latest when it has none): what the
    engine hands the ``pss-*`` rules (``RuleContext.pss_checks``)."""
    settings = settings or PodSecuritySettings()
    return active_checks(settings.level, resolve_version(settings.version), settings.keep_replaced_baseline)


@cache
def implementation(check_id: str, level: str, version: str) -> VersionedCheck | None:
    """The implementation of one check at a level and version, or None when it does not run there."""
    minor = resolve_version(version)
    return next((versioned for check, versioned in active_checks(level, minor) if check.id == check_id), None)


def evaluate(obj: dict[str, Any], level: str, version: str, *, exemptions: tuple[Exemption, ...] = ()) -> list[Violation]:
    """Every Pod Security Standards violation of ``obj`` at ``level`` and ``version``."""
    checks = active_checks(level, resolve_version(version))
    settings = PodSecuritySettings(level, version, exemptions) if exemptions else None
    violations: list[Violation] = []
    for pod in pods_of(obj):
        violations.extend(evaluate_pod(pod, checks, settings))
    return violations


def evaluate_pod(
    pod: Pod,
    checks: tuple[tuple[Check, VersionedCheck], ...],
    settings: PodSecuritySettings | None = None,
) -> list[Violation]:
    """Run ``checks`` (from ``active_checks``) on one pod."""
    violations = []
    for check, versioned in checks:
        seen = settings.exempt(check.id, pod) if settings else pod
        denial = versioned.check(seen) if seen is not None else None
        if denial is not None:
            violations.append(
                Violation(check.id, check.level, denial.reason or "unknown forbidden reason", denial.detail, denial.pointer)
            )
    return violations


def message(violations: list[Violation]) -> str:
    """PSA's aggregate message: each ``reason (detail)`` joined by ``, ``."""
    return ", ".join(v.message for v in violations)


def check_by_id(check_id: str) -> Check:
    return _BY_ID[check_id]
