"""A release may hold at most 300 objects.

NVCF limits a helm function to "a maximum of 300" objects; its validator stops decoding past that.
Every rendered document counts, CRDs included (hooks are not installed and do not count).
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ..base import ReleaseRule, RuleContext, Violation, params_schema


def check(ctx: RuleContext) -> Iterable[Violation]:
    limit = ctx.params["max_objects"]
    if len(ctx.manifests) > limit:
        first_over = ctx.manifests[limit]
        yield Violation(
            manifest=first_over,
            detail=f"{len(ctx.manifests)} objects, limit {limit}; the first over the limit is {first_over.ref}",
        )


RULE = ReleaseRule(
    id="object-count",
    title="At most 300 objects",
    reason="too many objects",
    severity=Severity.ERROR,
    remediation="Split the function or drop generated objects; NVCF refuses releases over the limit.",
    check=check,
    doc=__doc__ or "",
    params_schema=params_schema(max_objects={"type": "integer", "minimum": 1}),
    defaults={"max_objects": 300},
    reference="NVCF helm-reval decode limits",
)
