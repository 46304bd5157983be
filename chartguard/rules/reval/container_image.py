"""helm-reval: every container and init container has an image.

``container "<name>" has no image`` when a container's ``image`` is empty or only whitespace
(helm-reval's ``validatePodSpec``; Default policy).
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...gofmt import go_quote
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation
from .common import POD_KINDS, containers, pod_spec, text


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    found = pod_spec(manifest)
    if found is None:
        return
    spec, pointer = found
    for list_name, i, container in containers(spec):
        if not text(container.get("image")).strip():
            yield Violation(
                detail=f"container {go_quote(text(container.get('name')))} has no image", pointer=f"{pointer}/{list_name}/{i}"
            )


RULE = ObjectRule(
    id="reval-container-image",
    title="helm-reval: containers have an image",
    reason="container has no image",
    severity=Severity.ERROR,
    remediation="Set `image` on every container and init container.",
    check=check,
    doc=__doc__ or "",
    kinds=POD_KINDS,
    reference="helm-reval reval/run.go validatePodSpec",
    category="helm-reval",
)
