"""Pods may use only the volume types NVCF allows.

The current rules allow ``configMap``, ``secret``, ``emptyDir``, ``projected`` volumes whose every
source is a ``configMap`` or ``secret``, and ``persistentVolumeClaim`` on the GFN backend only.
Anything else (hostPath, nfs, csi, ephemeral, downwardAPI, a projected service-account token ...)
is reported with the volume's name and type. Without ``--backend``, backend-only types are
warnings that say which backends allow them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...findings import Severity
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation, backend_only_schema, backend_verdict, params_schema, string_list


def volume_type(volume: dict[str, Any]) -> str:
    """The source type of a volume (its one key besides ``name``), or ``"none"``."""
    types = [key for key in volume if key != "name"]
    return types[0] if len(types) == 1 else ("none" if not types else "+".join(sorted(types)))


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    allowed = set(ctx.params["allowed"])
    projected_sources = set(ctx.params["projected_sources"])
    for pod in ctx.pods(manifest):
        volumes = pod.spec.get("volumes")
        for i, volume in enumerate(volumes if isinstance(volumes, list) else []):
            if not isinstance(volume, dict):
                continue
            name = volume.get("name", "")
            kind = volume_type(volume)
            where = f"{pod.spec_pointer}/volumes/{i}"
            if kind == "projected" and "projected" in allowed:
                yield from _projected(volume, name, where, projected_sources)
            elif kind not in allowed:
                yield from _disallowed(name, kind, where, ctx)


def _projected(volume: dict[str, Any], name: str, where: str, allowed: set[str]) -> Iterable[Violation]:
    projected = volume.get("projected")
    sources = projected.get("sources") if isinstance(projected, dict) else None
    for j, source in enumerate(sources if isinstance(sources, list) else []):
        kinds = [k for k in source if k in allowed] if isinstance(source, dict) else []
        bad = [k for k in (source if isinstance(source, dict) else {}) if k not in allowed]
        if bad or not kinds:
            yield Violation(
                detail=f'volume "{name}": projected source {"+".join(bad) or "none"}',
                pointer=f"{where}/projected/sources/{j}",
            )


def _disallowed(name: str, kind: str, where: str, ctx: RuleContext) -> Iterable[Violation]:
    allowed, backends = backend_verdict(kind, ctx.params["backend_only"], ctx.backend)
    if allowed:
        return
    if backends and ctx.backend is None:
        yield Violation(
            detail=f'volume "{name}": {kind} is allowed only on backend {backends}; pass --backend to check',
            reason="volume type allowed only on some backends",
            severity=Severity.WARNING,
            pointer=where,
        )
        return
    on = f" on backend {ctx.backend}" if ctx.backend and backends else ""
    yield Violation(detail=f'volume "{name}": {kind}{on}', pointer=f"{where}/{kind}" if kind != "none" else where)


RULE = ObjectRule(
    id="volume-types",
    title="Only allowed pod volume types",
    reason="volume type not allowed",
    severity=Severity.ERROR,
    remediation="Use configMap, secret, emptyDir or projected configMap/secret volumes "
    "(persistentVolumeClaim on GFN only); move host data into the image or a ConfigMap.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema=params_schema(
        allowed=string_list("volume types allowed on every backend (projected: see projected_sources)"),
        projected_sources=string_list("source types a projected volume may combine"),
        backend_only=backend_only_schema("volume types"),
    ),
    defaults={"allowed": [], "projected_sources": ["configMap", "secret"], "backend_only": {}},
    reference="NVCF docs, Security Constraints > Restrictions (The only allowed Pod or Pod template volume types)",
)
