"""Every pod pulling from NGC (nvcr.io) must list NVCF's pull secret in ``imagePullSecrets``.

NVCF sets ``ngcImagePullSecretName`` (``global.ngcImagePullSecretName`` for subcharts) to the pull
secret it creates; chartguard renders the chart with a stand-in name, ``nvcf-image-pull-secret``,
when values.yaml defines the key and you do not set it (``--set ngcImagePullSecretName=...`` wins).
A pod with an ``nvcr.io`` image whose ``imagePullSecrets`` does not name that secret cannot pull a
private image: a template that forgot ``imagePullSecrets``, hard-codes another secret name, or a
subchart that ignores the global value.

Checked for charts whose values.yaml defines one of the keys (otherwise ``ngc-pull-secret-key``
reports). An error when the image is in the function's own NGC org (from ``--function``'s
``helmChart``), a warning otherwise (public NGC images need no secret).

Fix: appends ``{name: <secret>}`` to the pod spec's ``imagePullSecrets`` (creating the list), where
the secret is the name the chart renders ``ngcImagePullSecretName`` with (else
``global.ngcImagePullSecretName``'s).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...findings import Severity
from ...manifests import Manifest
from ...values import NGC_PULL_SECRET_KEY
from ...workloads import Container, Pod, pods_of
from ..base import Fix, ObjectRule, RuleContext, Violation
from ..repair import Patch, repair
from .image_registry import NgcImage, in_function_org, ngc_image

_KEYS = ((NGC_PULL_SECRET_KEY,), ("global", NGC_PULL_SECRET_KEY))


def secret_names(ctx: RuleContext) -> list[str]:
    """The distinct non-empty values the chart renders with for its pull-secret keys, the top-level
    key's first: the value given to Helm when there is one (chartguard's placeholder or the
    user's), else the chart's default."""
    if ctx.chart is None:
        return []
    names: list[str] = []
    for path in _KEYS:
        found, value = _lookup(ctx.values or {}, path)
        if not found:
            value = _lookup(ctx.chart.values(), path)[1]
        if isinstance(value, str) and value.strip() and value not in names:
            names.append(value)
    return names


def _lookup(values: dict[str, Any], path: tuple[str, ...]) -> tuple[bool, Any]:
    node: Any = values
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node


def _unreferenced(pod: Pod, names: list[str]) -> list[tuple[Container, NgcImage]]:
    """The pod's NGC pulls when its ``imagePullSecrets`` lists none of ``names`` (else nothing)."""
    pulls = [(c, image) for c in pod.containers if (image := ngc_image(c.spec.get("image"))) is not None]
    secrets = pod.spec.get("imagePullSecrets")
    listed = {entry.get("name") for entry in secrets if isinstance(entry, dict)} if isinstance(secrets, list) else set()
    return [] if listed & set(names) else pulls


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    names = secret_names(ctx)
    if not names:
        return
    for pod in ctx.pods(manifest):
        pulls = _unreferenced(pod, names)
        if not pulls:
            continue
        container, image = pulls[0]
        more = f" (and {len(pulls) - 1} more)" if len(pulls) > 1 else ""
        wanted = " or ".join(f'"{name}"' for name in sorted(names))
        private = any(in_function_org(image, ctx) for _, image in pulls)
        yield Violation(
            detail=f"{container.label} pulls {image.image}{more}, but imagePullSecrets does not list {wanted}",
            pointer=f"{pod.spec_pointer}/imagePullSecrets" if "imagePullSecrets" in pod.spec else pod.spec_pointer,
            severity=None if private else Severity.WARNING,
        )


def fix(obj: dict[str, Any], ctx: RuleContext) -> Fix:
    names = secret_names(ctx)

    def build(patch: Patch) -> None:
        for pod in pods_of(obj):
            if names and _unreferenced(pod, names):
                patch.append(f"{pod.spec_pointer}/imagePullSecrets", {"name": names[0]})

    return repair(obj, build)


RULE = ObjectRule(
    id="image-pull-secret-reference",
    title="Pods pulling from NGC reference NVCF's pull secret",
    reason="NGC image without NVCF's pull secret",
    severity=Severity.ERROR,
    remediation="Add `imagePullSecrets: [{name: {{ .Values.ngcImagePullSecretName }}}]` to the pod spec "
    "(`.Values.global.ngcImagePullSecretName` in subcharts).",
    check=check,
    doc=__doc__ or "",
    pods=True,
    reference="NVCF docs, Helm-Based Function Creation > Secret Management",
    fix=fix,
)
