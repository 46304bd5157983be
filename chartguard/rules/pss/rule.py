"""Turn a Pod Security Standards check into a chartguard rule (``pss-<check>``).

The rule runs the check's implementation for the profile's policy level and version (see
``chartguard.pss``), on every pod and pod template, honouring the profile's exemptions; a finding
carries PSA's forbidden reason and detail and points at the first offending field.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ..base import Rule, RuleContext, Violation
from .base import Check, PodSecuritySettings

DEFAULT_SETTINGS = PodSecuritySettings()


def pss_rule(rule_id: str, check: Check, title: str, remediation: str) -> Rule:
    """The chartguard rule for ``check``; its docstring is the check module's."""

    def run(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
        from ...pss import implementation  # the registry imports the check modules: import late

        settings = ctx.pod_security or DEFAULT_SETTINGS
        versioned = implementation(check.id, settings.level, settings.version)
        if versioned is None:
            return
        for pod in ctx.pods(manifest):
            seen = settings.exempt(check.id, pod)
            denial = versioned.check(seen) if seen is not None else None
            if denial is not None:
                yield Violation(reason=denial.reason, detail=denial.detail, pointer=denial.pointer)

    versions = ", ".join(f"v1.{versioned.minimum}" for versioned in check.versions)
    replaces = sorted({o for versioned in check.versions for o in versioned.overrides})
    facts = f"PSA check `{check.id}`, {check.level} level; implementations from {versions}"
    facts += f"; at restricted it replaces {', '.join(f'`{r}`' for r in replaces)}." if replaces else "."
    return Rule(
        id=rule_id,
        title=title,
        reason=f'violates PodSecurity "{check.level}" ({check.id}); findings show PSA\'s own reason',
        severity=Severity.ERROR,
        remediation=remediation,
        check=run,
        doc=f"{check.doc.rstrip()}\n\n{facts}\n",
        pods=True,
        reference=f"Kubernetes Pod Security Standards ({check.level}), PSA check {check.id}",
        category="pss",
    )
