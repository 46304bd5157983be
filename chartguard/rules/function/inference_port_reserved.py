"""The function's inference port must not be one NVCF reserves (8080 and 8010).

NVCF docs: "Cloud Functions reserves the following ports on your container for internal monitoring
and metrics: Port 8080, Port 8010". Checked only when the function definition gives the port
(``--inference-port``, or ``inferencePort`` in ``--function``).
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ..base import ReleaseRule, RuleContext, Violation, params_schema


def check(ctx: RuleContext) -> Iterable[Violation]:
    function = ctx.function
    if function is None or function.inference_port is None:
        return
    if function.inference_port in ctx.params["ports"]:
        yield Violation(
            detail=f"inferencePort {function.inference_port}",
            location=function.location("inferencePort"),
            object=function.ref,
        )


RULE = ReleaseRule(
    id="inference-port-reserved",
    title="Inference port is not an NVCF-reserved port",
    reason="inference port is reserved by NVCF",
    severity=Severity.ERROR,
    remediation="Serve inference on another port (e.g. 8000) and use it as the Service port and inferencePort.",
    check=check,
    doc=__doc__ or "",
    params_schema=params_schema(
        ports={"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 65535}, "description": "reserved ports"}
    ),
    defaults={"ports": [8080, 8010]},
    reference="NVCF docs, Container-Based Function Creation > Container Endpoints (reserved ports)",
)
