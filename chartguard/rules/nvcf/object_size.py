"""Each object may be at most 1 MiB of YAML.

NVCF's validator refuses a rendered document over its size limit (and Kubernetes refuses objects
over about 1.5 MiB in etcd). Large data belongs in the image or in a volume, not in a ConfigMap.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation, params_schema


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    limit = ctx.params["max_bytes"]
    if manifest.size > limit:
        yield Violation(detail=f"{manifest.size:,} bytes, limit {limit:,}")


RULE = ObjectRule(
    id="object-size",
    title="Objects at most 1 MiB",
    reason="object too large",
    severity=Severity.ERROR,
    remediation="Move large data out of the manifest (into the image, or download it at start-up).",
    check=check,
    doc=__doc__ or "",
    params_schema=params_schema(max_bytes={"type": "integer", "minimum": 1}),
    defaults={"max_bytes": 1024 * 1024},
    reference="NVCF helm-reval decode limits",
)
