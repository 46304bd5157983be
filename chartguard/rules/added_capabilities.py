"""Containers should not add Linux capabilities (``NET_BIND_SERVICE`` excepted).

NVCF: no "root capabilities". The Restricted Pod Security Standard allows adding only
``NET_BIND_SERVICE``; anything else in ``securityContext.capabilities.add`` is reported.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Severity
from ..manifests import Manifest
from ..workloads import containers, pod_specs
from .base import Rule, RuleContext, Violation, params_schema, string_list


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    allowed = set(ctx.params["allowed"])
    for pod in pod_specs(manifest.obj):
        for container in containers(pod):
            capabilities = container.security_context.get("capabilities")
            added = capabilities.get("add") if isinstance(capabilities, dict) else None
            bad = [str(c) for c in (added if isinstance(added, list) else []) if str(c) not in allowed]
            if bad:
                yield Violation(
                    detail=f"{container.label}: add {', '.join(bad)}",
                    pointer=f"{container.pointer}/securityContext/capabilities/add",
                )


RULE = Rule(
    id="added-capabilities",
    title="No added capabilities",
    reason="capabilities added",
    severity=Severity.WARNING,
    remediation='Remove capabilities.add (keep at most NET_BIND_SERVICE) and set capabilities.drop: ["ALL"].',
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema=params_schema(allowed=string_list("capabilities a container may add")),
    defaults={"allowed": ["NET_BIND_SERVICE"]},
    reference="NVCF docs, Security Constraints (should: no root capabilities)",
)
