"""What helm-reval's object rules share: which objects are typed, where their pod spec is.

helm-reval validates the pod spec of six kinds only, and only when the object decoded into its
Go type (exact group/version/kind): ``v1 Pod`` (``spec``), ``apps/v1`` Deployment, ReplicaSet and
StatefulSet and ``batch/v1`` Job (``spec.template.spec``), ``batch/v1`` CronJob
(``spec.jobTemplate.spec.template.spec``). An object whose fields do not fit the Go types is
decoded unstructured instead and no object rule sees it (the type allowlist rejects it).
"""

from __future__ import annotations

from typing import Any

from ...manifests import Manifest
from . import gotypes, goyaml

#: (apiVersion, kind) → path from the object to its pod template (a Pod is its own template).
POD_TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("v1", "Pod"): (),
    ("apps/v1", "Deployment"): ("spec", "template"),
    ("apps/v1", "ReplicaSet"): ("spec", "template"),
    ("apps/v1", "StatefulSet"): ("spec", "template"),
    ("batch/v1", "Job"): ("spec", "template"),
    ("batch/v1", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
}
POD_KINDS = frozenset(kind for _, kind in POD_TEMPLATES)


def reval_view(manifest: Manifest) -> tuple[str | None, dict[str, Any]]:
    """``(Go type or None, data)``: the object as helm-reval decodes it (typed data is the Go
    encoding, with Go's zero values); computed once per manifest."""
    if manifest.go_view is None:
        manifest.go_view = _decode(manifest)
    return manifest.go_view


def _decode(manifest: Manifest) -> tuple[str | None, dict[str, Any]]:

    value: Any = manifest.obj
    if manifest.text:
        try:
            value = goyaml.load(manifest.text)
        except goyaml.GoYAMLError:
            value = manifest.obj
    if not isinstance(value, dict):
        return None, manifest.obj
    api_version, kind = value.get("apiVersion"), value.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None, value
    type_name = gotypes.type_of(api_version, kind) if api_version.count("/") <= 1 else None
    if type_name is None:
        return None, value
    try:
        return type_name, gotypes.normalize(type_name, value)
    except gotypes.Mismatch:
        return None, value


def pod_template(manifest: Manifest) -> tuple[dict[str, Any], str] | None:
    """The pod template (``{metadata, spec}``) of a typed Pod/workload and its JSON pointer."""
    path = POD_TEMPLATES.get((manifest.api_version, manifest.kind))
    if path is None:
        return None
    type_name, data = reval_view(manifest)
    if type_name is None:
        return None
    node: Any = data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return None
    return node, "".join(f"/{part}" for part in path)


def pod_spec(manifest: Manifest) -> tuple[dict[str, Any], str] | None:
    """The pod spec helm-reval validates, and its JSON pointer; None for other objects."""
    found = pod_template(manifest)
    if found is None:
        return None
    template, pointer = found
    spec = template.get("spec")
    return (spec, f"{pointer}/spec") if isinstance(spec, dict) else None


def containers(
    spec: dict[str, Any], lists: tuple[str, ...] = ("initContainers", "containers")
) -> list[tuple[str, int, dict[str, Any]]]:
    """``(list name, index, container)`` for the init containers then the containers."""
    out = []
    for list_name in lists:
        entries = spec.get(list_name)
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            out.append((list_name, i, entry if isinstance(entry, dict) else {}))
    return out


def text(value: Any) -> str:
    """A Go string field's value ("" when unset or not a string)."""
    return value if isinstance(value, str) else ""


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def is_typed(manifest: Manifest, api_version: str, kind: str) -> bool:
    """Whether the object is a typed ``api_version`` ``kind``."""
    return manifest.api_version == api_version and manifest.kind == kind and reval_view(manifest)[0] is not None
