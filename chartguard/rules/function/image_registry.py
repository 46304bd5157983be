"""Images on NGC (nvcr.io) should be in the helm chart's NGC org, and team when the chart has one.

NVCF docs: "Containers defined in the helm chart should be in the same NGC Organization and Team
that the helm chart itself is being pulled from": the pull secret NVCF gives the function is for
that org and team. Checked only when the function definition's ``helmChart`` is an NGC URL
(``https://helm.ngc.nvidia.com/<org>/[<team>/]charts/...``); images on ``nvcr.io`` and its
subdomains (``stg.nvcr.io``) are ``nvcr.io/<org>/[<team>/]<image>``. Images on other registries
are not judged here, and whether images are pinned is the ``image-tag`` rule's job.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from ...findings import Severity
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation
from ..nvcf.image_tag import image_reference
from .helm_chart_url import ngc_chart


class NgcImage(NamedTuple):
    """An image on NGC's registry: its org and team (None for an org-level image)."""

    image: str
    org: str
    team: str | None


def is_ngc_registry(registry: str) -> bool:
    """``nvcr.io`` or one of its subdomains (``stg.nvcr.io``)."""
    return registry == "nvcr.io" or registry.endswith(".nvcr.io")


def ngc_image(image: Any) -> NgcImage | None:
    """The NGC org and team of an image reference on nvcr.io; None for other registries or non-strings."""
    if not isinstance(image, str) or not image.strip():
        return None
    reference = image_reference(image.strip())
    if not is_ngc_registry(reference.registry):
        return None
    parts = reference.repository.split("/")
    return NgcImage(image.strip(), parts[0].lower(), parts[1].lower() if len(parts) >= 3 else None)


def in_function_org(image: NgcImage, ctx: RuleContext) -> bool:
    """Whether ``image`` is in the NGC org of the function's helm chart: the function's own
    private registry (False when the function definition names no NGC chart)."""
    chart = ngc_chart(ctx.function.helm_chart) if ctx.function is not None else None
    return chart is not None and image.org == chart.org.lower()


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    chart = ngc_chart(ctx.function.helm_chart) if ctx.function is not None else None
    if chart is None:
        return
    org, team = chart.org.lower(), chart.team.lower() if chart.team else None
    for pod in ctx.pods(manifest):
        for container in pod.containers:
            image = ngc_image(container.spec.get("image"))
            if image is None:
                continue
            if image.org != org:
                detail = f'{container.label}: {image.image} is in NGC org "{image.org}", the helm chart in "{chart.org}"'
            elif team is not None and image.team != team:
                where = f'team "{image.team}"' if image.team else "no team"
                detail = f'{container.label}: {image.image} is in {where}, the helm chart in team "{chart.team}"'
            else:
                continue
            yield Violation(detail=detail, pointer=f"{container.pointer}/image")


RULE = ObjectRule(
    id="image-registry",
    title="NGC images are in the chart's NGC org and team",
    reason="image not in the helm chart's NGC org/team",
    severity=Severity.WARNING,
    remediation="Push the image to the NGC org (and team) the chart is pulled from, or move the chart there.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    reference="NVCF docs, Helm-Based Function Creation > Secret Management",
)
