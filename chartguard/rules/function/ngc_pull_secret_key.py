"""A chart pulling images from NGC (nvcr.io) must define ``ngcImagePullSecretName`` in values.yaml.

NVCF docs: "For pulling containers defined as part of the helm chart from NGC Private Registry,
define ngcImagePullSecretName in values.yaml. [...] For nested Helm charts, define
global.ngcImagePullSecretName": NVCF sets that value to the name of the pull secret it creates,
and the pods reference it in ``imagePullSecrets`` (see ``image-pull-secret-reference``).

An image of the parent chart's templates on ``nvcr.io`` (or a subdomain such as ``stg.nvcr.io``)
needs either key; an image of a subchart needs ``global.ngcImagePullSecretName``, the only one a
subchart sees. The finding is an error when the image is in the function's own NGC org (from the
``helmChart`` URL of ``--function``: its private registry), a warning otherwise, since public NGC
images (``nvcr.io/nvidia/...``) need no secret. Only charts are checked (values.yaml is needed).
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...values import NGC_PULL_SECRET_KEY
from ..base import ReleaseRule, RuleContext, Violation
from .image_registry import in_function_org, ngc_image

GLOBAL_KEY = f"global.{NGC_PULL_SECRET_KEY}"


def check(ctx: RuleContext) -> Iterable[Violation]:
    if ctx.chart is None:
        return
    defaults = ctx.chart.values()
    global_defaults = defaults.get("global")
    has_global = isinstance(global_defaults, dict) and NGC_PULL_SECRET_KEY in global_defaults
    has_key = NGC_PULL_SECRET_KEY in defaults or has_global
    pulls: dict[str, list[str]] = {NGC_PULL_SECRET_KEY: [], GLOBAL_KEY: []}
    private = {NGC_PULL_SECRET_KEY: False, GLOBAL_KEY: False}
    for manifest in ctx.manifests:
        key = GLOBAL_KEY if ctx.chart.from_subchart(manifest.template) else NGC_PULL_SECRET_KEY
        if has_global or (key == NGC_PULL_SECRET_KEY and has_key):
            continue
        for pod in ctx.pods(manifest):
            for container in pod.containers:
                image = ngc_image(container.spec.get("image"))
                if image is not None:
                    pulls[key].append(f"{image.image} ({manifest.ref}, {container.label})")
                    private[key] = private[key] or in_function_org(image, ctx)
    for key, where in pulls.items():
        if not where:
            continue
        more = f" and {len(where) - 1} more image(s)" if len(where) > 1 else ""
        confirmed = "" if private[key] else "; needed if private"
        yield Violation(
            detail=f"values.yaml defines no {key} for {where[0]}{more}{confirmed}",
            severity=None if private[key] else Severity.WARNING,
            location=ctx.chart.file_location("values.yaml"),
        )


RULE = ReleaseRule(
    id="ngc-pull-secret-key",
    title="Charts pulling from NGC define ngcImagePullSecretName",
    reason="no ngcImagePullSecretName for NGC images",
    severity=Severity.ERROR,
    remediation='Add `ngcImagePullSecretName: ""` to values.yaml (`global: {ngcImagePullSecretName: ""}` '
    "for subcharts) and reference it in each pod's imagePullSecrets.",
    check=check,
    doc=__doc__ or "",
    reference="NVCF docs, Helm-Based Function Creation > Secret Management",
)
