"""GPU quantities are whole numbers, set as limits, with any request equal to the limit.

Kubernetes: "GPUs are only supposed to be specified in the limits section": a limit alone is
fine (it becomes the request), a request must equal the limit, a request without a limit is
invalid, and extended resources take integer quantities only (not ``0.5`` or ``1500m``). The
apiserver rejects these before a validating webhook sees them; chartguard flags them at lint time
and keeps the mutating webhook from ever producing one. Every GPU resource (``nvidia.com/gpu``,
MIG, shared) is checked. Infinite, NaN and out-of-range quantities (beyond Kubernetes' int64) are
invalid values, flagged here and counted as no GPUs by the other GPU rules.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest, pointer
from ..base import ObjectRule, RuleContext, Violation
from .facts import COMMON_DEFAULTS, gpu_params_schema, out_of_range, quantity, quoted, requests_of


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    for pod in ctx.pods(manifest):
        for container in pod.containers:
            for resource, (request, limit) in requests_of(container, ctx).items():
                at = container.pointer + pointer("resources", "limits" if limit is not None else "requests", resource)
                bad = [
                    f"{section} {quoted(repr(value))}"
                    for section, value in (("request", request), ("limit", limit))
                    if value is not None and ((q := quantity(value)) is None or q.denominator != 1 or q < 0)
                ]
                if bad:
                    huge = out_of_range(request) or out_of_range(limit)
                    problem = "is not a valid count (beyond Kubernetes' int64)" if huge else "is not a whole number"
                    yield Violation(
                        detail=f"{container.label}: {resource} {', '.join(bad)} {problem}",
                        pointer=at,
                        reason="GPU quantity is not an integer",
                    )
                elif limit is None:
                    yield Violation(
                        detail=f"{container.label}: {resource} request {quoted(str(request))} has no limit",
                        pointer=at,
                        reason="GPU request without a limit",
                    )
                elif request is not None and quantity(request) != quantity(limit):
                    shown = f"request {quoted(str(request))} != limit {quoted(str(limit))}"
                    yield Violation(detail=f"{container.label}: {resource} {shown}", pointer=at)


RULE = ObjectRule(
    id="gpu-request-limit",
    title="GPU counts are integers, request equals limit",
    reason="GPU request differs from its limit",
    severity=Severity.ERROR,
    remediation="Set GPUs as a whole-number limit (resources.limits.nvidia.com/gpu: 1); a request, if given, must equal it.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema=gpu_params_schema(),
    defaults=dict(COMMON_DEFAULTS),
    reference="Kubernetes docs, Schedule GPUs; admission-and-gpu.md 4.1, 5.4 (G1)",
    category="gpu",
)
