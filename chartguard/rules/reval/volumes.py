"""helm-reval: pod volumes are configMap, secret, persistentVolumeClaim, emptyDir or projected
configMap/secret only.

One message per pod spec lists the offending volumes by name; a projected volume is listed once
per source that is not a configMap or secret (so it can appear twice):
``volumes not of allowed types ["emptyDir" "configMap" "projected.sources[*].configMap" "secret"
"projected.sources[*].secret" "persistentVolumeClaim"]: ["data"]`` (Default policy).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...findings import Severity
from ...gofmt import go_quote_list
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation
from .common import POD_KINDS, mapping, pod_spec, text

ALLOWED = (
    "emptyDir",
    "configMap",
    "projected.sources[*].configMap",
    "secret",
    "projected.sources[*].secret",
    "persistentVolumeClaim",
)
_PLAIN = ("configMap", "secret", "persistentVolumeClaim", "emptyDir")


def bad_volume_names(volumes: Any) -> list[str]:
    """Names of the volumes (repeated per bad projected source) helm-reval refuses."""
    bad = []
    for volume in volumes if isinstance(volumes, list) else []:
        volume = mapping(volume)
        if any(volume.get(source) is not None for source in _PLAIN):
            continue
        projected = volume.get("projected")
        if projected is not None:
            sources = mapping(projected).get("sources")
            for source in sources if isinstance(sources, list) else []:
                source = mapping(source)
                if source.get("configMap") is None and source.get("secret") is None:
                    bad.append(text(volume.get("name")))
            continue
        bad.append(text(volume.get("name")))
    return bad


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    found = pod_spec(manifest)
    if found is None:
        return
    spec, pointer = found
    bad = bad_volume_names(spec.get("volumes"))
    if bad:
        yield Violation(
            detail=f"volumes not of allowed types {go_quote_list(ALLOWED)}: {go_quote_list(bad)}", pointer=f"{pointer}/volumes"
        )


RULE = ObjectRule(
    id="reval-volumes",
    title="helm-reval: allowed volume types",
    reason="volume type not allowed",
    severity=Severity.ERROR,
    remediation="Use configMap, secret, persistentVolumeClaim, emptyDir or projected configMap/secret volumes.",
    check=check,
    doc=__doc__ or "",
    kinds=POD_KINDS,
    reference="helm-reval reval/run.go validateVolumes",
    category="helm-reval",
)
