"""helm-reval: every Service is ClusterIP.

``service is not ClusterIP`` (no name in the message) for each ``v1`` Service whose ``type`` is set
to anything but ``ClusterIP``; headless Services are fine (Default policy).
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation
from .common import is_typed, mapping, reval_view, text


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    if not is_typed(manifest, "v1", "Service"):
        return
    service_type = text(mapping(reval_view(manifest)[1].get("spec")).get("type"))
    if service_type not in ("", "ClusterIP"):
        yield Violation(detail="service is not ClusterIP", pointer="/spec/type")


RULE = ObjectRule(
    id="reval-service-type",
    title="helm-reval: Services are ClusterIP",
    reason="Service type is not ClusterIP",
    severity=Severity.ERROR,
    remediation="Set `type: ClusterIP` (or remove `type`).",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset({"Service"}),
    reference="helm-reval reval/run.go validateServiceSpec",
    category="helm-reval",
)
