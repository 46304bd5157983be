"""Containers must not set ``NVCF_*`` environment variables.

NVCF: "All environment variables with the NVCF_* prefix are reserved and should not be overridden
in your application code or function configuration." NVCF injects them into the function's
containers; a chart that sets them overrides what NVCF provides.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ...workloads import env_pointer, env_vars
from ..base import ObjectRule, RuleContext, Violation, params_schema, string_list


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    prefixes = tuple(ctx.params["prefixes"])
    for pod in ctx.pods(manifest):
        for container in pod.containers:
            for index, variable in env_vars(container):
                name = variable.get("name")
                if isinstance(name, str) and name.startswith(prefixes):
                    yield Violation(detail=f"{container.label}: env {name}", pointer=f"{env_pointer(container, index)}/name")


RULE = ObjectRule(
    id="reserved-env-vars",
    title="No reserved NVCF_* environment variables",
    reason="reserved environment variable",
    severity=Severity.ERROR,
    remediation="Rename the variable; NVCF_* names are set by NVCF itself.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema=params_schema(prefixes=string_list("reserved name prefixes")),
    defaults={"prefixes": ["NVCF_"]},
    reference="NVCF docs, Function Creation (Note: NVCF_* environment variables are reserved)",
)
