"""Containers must not set ``NVCF_*`` environment variables.

NVCF: "All environment variables with the NVCF_* prefix are reserved and should not be overridden
in your application code or function configuration." NVCF injects them into the function's
containers; a chart that sets them overrides what NVCF provides.
"""

from __future__ import annotations

from typing import Iterable

from ..findings import Severity
from ..manifests import Manifest
from ..workloads import containers, pod_specs
from .base import Rule, RuleContext, Violation, string_list


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    prefixes = tuple(ctx.params["prefixes"])
    for pod in pod_specs(manifest.obj):
        for container in containers(pod):
            env = container.container.get("env")
            for i, variable in enumerate(env if isinstance(env, list) else []):
                name = variable.get("name") if isinstance(variable, dict) else None
                if isinstance(name, str) and name.startswith(prefixes):
                    yield Violation(detail=f"{container.label}: env {name}", pointer=f"{container.pointer}/env/{i}/name")


RULE = Rule(
    id="reserved-env-vars",
    title="No reserved NVCF_* environment variables",
    reason="reserved environment variable",
    severity=Severity.ERROR,
    remediation="Rename the variable; NVCF_* names are set by NVCF itself.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema={
        "type": "object",
        "properties": {"prefixes": string_list("reserved name prefixes")},
        "additionalProperties": False,
    },
    defaults={"prefixes": ["NVCF_"]},
    reference="NVCF docs, Function Creation (Note: NVCF_* environment variables are reserved)",
)
