"""Chart hooks and test hooks do not run on NVCF.

Objects annotated ``helm.sh/hook`` (pre-install jobs, ``test`` pods, ...) are not part of the
release NVCF installs: "No chart hooks are allowed; if specified in the chart, they will not be
executed." chartguard reports each one instead of dropping it silently, and says when Helm itself
would drop it for an unknown hook type.

Fix: remove the hook object from the release (what NVCF does: it never runs hooks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...findings import Severity
from ..base import Fix, ReleaseRule, RuleContext, Violation

#: Hook events Helm knows (pkg/release/v1/hook.go); objects with others are dropped by Helm.
KNOWN_HOOKS = frozenset({
    "pre-install", "post-install", "pre-delete", "post-delete", "pre-upgrade", "post-upgrade",
    "pre-rollback", "post-rollback", "test", "test-success", "test-failure",
})  # fmt: skip


def check(ctx: RuleContext) -> Iterable[Violation]:
    for hook in ctx.hooks:
        events = [e.strip().lower() for e in (hook.hook or "").split(",") if e.strip()]
        unknown = [e for e in events if e not in KNOWN_HOOKS]
        is_test = any(e.startswith("test") for e in events)
        detail = f"helm.sh/hook: {hook.hook}"
        if unknown:
            detail += f" (unknown hook type {', '.join(unknown)}: Helm drops this object)"
        yield Violation(
            manifest=hook,
            detail=detail,
            reason="test hooks are not run" if is_test else "chart hooks are not run",
            pointer="/metadata/annotations/helm.sh~1hook",
        )


def fix(obj: dict[str, Any], ctx: RuleContext) -> Fix:
    """Hooks and test hooks leave the release; NVCF would not run them anyway."""
    return Fix.remove_object()


RULE = ReleaseRule(
    id="chart-hooks",
    title="No chart hooks or test hooks",
    reason="chart hooks are not run",
    severity=Severity.ERROR,
    remediation="Move the hook's work into the function's containers (an init container, or a Job "
    "in the release), or drop it; delete test hooks or keep them out of the packaged chart.",
    check=check,
    doc=__doc__ or "",
    reference="NVCF docs, Security Constraints > Restrictions (No chart hooks are allowed)",
    fix=fix,
)
