"""Render a chart into the manifest stream helm-reval decodes (Helm's release manifest).

helm-reval runs Helm's install action client-only with release ``mini-service``, ``DisableHooks``
and ``IncludeCRDs``, and reads ``release.Manifest``: every file of every ``crds/`` directory first
(``---\\n# Source: <file>\\n<data>\\n``, unrendered), then the template manifests sorted in Helm's
install order, each as ``---\\n# Source: <template>\\n<document>\\n``. Hooks, NOTES.txt, partials and
empty renders are not in it. chartguard renders with its embedded Helm engine and rebuilds that
stream byte for byte, so that document sizes and indexes are helm-reval's.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

from ..chart import ChartSource, chart_from_archive, load_chart, missing_dependencies
from ..errors import ChartguardError, RenderError
from ..gofmt import json_kind
from ..manifests import split_documents
from ..render import HelmEngineError, RenderOptions, engine_render, install_order_key
from ..rules.reval import goyaml
from ..semver import satisfies
from ..values_schema import validate_values
from .fetch import fetch_chart

_MANIFEST_EXTENSIONS = (".yaml", ".yml", ".json")
DEFAULT_KUBE_VERSION = "v1.20.0"


class RenderFailed(Exception):
    """A fetch/load/render failure: helm-reval reports ``run helm template: <message>``."""


@dataclass
class RenderInput:
    """What helm-reval gives Helm besides the chart."""

    values: dict[str, Any] = field(default_factory=dict)
    namespace: str = "mini-service"
    release_name: str = "mini-service"
    kube_version: str = DEFAULT_KUBE_VERSION
    api_versions: Sequence[str] = ()


def load_source(chart_ref: str, request: Mapping[str, Any], settings: Any) -> ChartSource:
    """The chart named by ``helmChart``: a local directory or ``.tgz``, a ``file://`` URL, or an
    ``https://``/``oci://`` URL fetched by :func:`chartguard.helmreval.fetch.fetch_chart`."""
    try:
        if is_remote(chart_ref):
            data = fetch_chart(chart_ref, request, settings)
            return chart_from_archive(data, chart_ref)
        return load_chart(local_path(chart_ref))
    except ChartguardError as exc:
        raise RenderFailed(exc.message) from None
    except RenderFailed:
        raise
    except Exception as exc:  # the fetcher's FetchError and friends carry helm-reval's message
        message = getattr(exc, "message", None) or str(exc)
        raise RenderFailed(message) from None


def is_remote(chart_ref: str) -> bool:
    """``https://`` and ``oci://`` charts are fetched; everything else is local."""
    return chart_ref.startswith(("https://", "oci://"))


def is_url(chart_ref: str) -> bool:
    """Whether ``helmChart`` is a URL (``scheme://``) rather than a local path."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", chart_ref) is not None


def local_path(chart_ref: str) -> str:
    """A local path from ``helmChart`` (``file:///x`` → ``/x``)."""
    if chart_ref.startswith("file://"):
        parsed = urlparse(chart_ref)
        return unquote((parsed.netloc if parsed.netloc not in ("", "localhost") else "") + parsed.path)
    return chart_ref


def render_stream(source: ChartSource, render: RenderInput) -> str:
    """Render ``source`` and return Helm's release manifest, failing with helm-reval's messages."""
    chart_type = str(source.metadata.get("type") or "")
    if chart_type not in ("", "application"):
        raise RenderFailed(f"{chart_type} charts are not installable")
    options = RenderOptions(render.release_name, render.namespace, render.kube_version, list(render.api_versions))
    try:
        templates, crds = engine_render(source, render.values, options, _check_helm_reval_prerequisites(render))
    except HelmEngineError as exc:
        raise RenderFailed(_one_line(exc.detail)) from None
    except RenderError as exc:  # the engine worker overran its time or memory limit
        raise RenderFailed(exc.message) from None
    return release_manifest(templates, crds, source.name)


def _check_helm_reval_prerequisites(render: RenderInput) -> Callable[[ChartSource, list[Any], dict[str, Any]], None]:
    """What Helm's install action checks before rendering, worded as helm-reval reports it."""

    def check(source: ChartSource, found: list[Any], values: dict[str, Any]) -> None:
        declared = source.metadata.get("dependencies")
        if isinstance(declared, list) and declared:
            missing = missing_dependencies(declared, found)
            if missing:
                raise RenderFailed(
                    "an error occurred while checking for chart dependencies. You may need to run `helm dependency build`"
                    f" to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {', '.join(missing)}"
                )
        constraint = source.metadata.get("kubeVersion")
        if constraint:
            try:
                compatible = satisfies(render.kube_version, str(constraint))
            except ValueError:
                compatible = False
            if not compatible:
                raise RenderFailed(
                    f"chart requires kubeVersion: {constraint} which is incompatible with Kubernetes {render.kube_version}"
                )
        try:
            validate_values(source.tree, values, source.name)
        except RenderError as exc:
            raise RenderFailed(exc.message.removeprefix(f"{source.name}: ")) from None

    return check


def release_manifest(templates: dict[str, str], crds: list[tuple[str, str]], chart_name: str) -> str:
    """Helm's ``renderResources`` output: CRD files, then sorted manifests; hooks and NOTES out."""
    out = [f"---\n# Source: {name}\n{data}\n" for name, data in crds if name.endswith(_MANIFEST_EXTENSIONS)]
    manifests: list[tuple[str, str, str]] = []  # (template, content, kind)
    for name in sorted(templates):
        if name.endswith("NOTES.txt"):
            continue
        text = templates[name]
        if posixpath.basename(name).startswith("_") or not text.strip():
            continue
        for _, content in split_documents(text):
            head = simple_head(content, name)
            if head is None:  # a hook: DisableHooks drops it
                continue
            manifests.append((name, content, head))
    manifests.sort(key=lambda m: install_order_key(m[2]))
    out.extend(f"---\n# Source: {name}\n{content}\n" for name, content, _ in manifests)
    return "".join(out)


def simple_head(content: str, template: str) -> str | None:
    """The kind of a manifest as Helm's ``SimpleHead`` reads it; None for a hook.

    Helm fails the render when the head does not parse (``YAML parse error on <template>: …``).
    """
    try:
        value = goyaml.load(content)
    except goyaml.GoYAMLError as exc:
        raise RenderFailed(f"YAML parse error on {template}: error converting YAML to JSON: {exc}") from None
    if value is None:
        return ""
    if not isinstance(value, dict):
        raise RenderFailed(
            f"YAML parse error on {template}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal"
            f" {json_kind(value)} into Go value of type releaseutil.SimpleHead"
        )
    for key in ("apiVersion", "kind"):
        if value.get(key) is not None and not isinstance(value.get(key), str):
            raise _head_error(template, value.get(key), f"SimpleHead.{key}", "string")
    metadata = value.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise _head_error(
            template,
            metadata,
            "SimpleHead.metadata",
            'struct { Name string "json:\\"name\\""; Annotations map[string]string "json:\\"annotations\\"" }',
        )
    annotations = (metadata or {}).get("annotations")
    if metadata and metadata.get("name") is not None and not isinstance(metadata.get("name"), str):
        raise _head_error(template, metadata.get("name"), "SimpleHead.metadata.name", "string")
    if annotations is not None:
        if not isinstance(annotations, dict):
            raise _head_error(template, annotations, "SimpleHead.metadata.annotations", "map[string]string")
        for item in annotations.values():
            if item is not None and not isinstance(item, str):
                raise _head_error(template, item, "SimpleHead.metadata.annotations", "string")
        if "helm.sh/hook" in annotations:
            return None
    kind = value.get("kind")
    return kind if isinstance(kind, str) else ""


def _head_error(template: str, value: Any, where: str, go_type: str) -> RenderFailed:
    return RenderFailed(
        f"YAML parse error on {template}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal"
        f" {json_kind(value)} into Go struct field {where} of type {go_type}"
    )


def _one_line(message: str) -> str:
    return " ".join(part.strip() for part in message.splitlines() if part.strip())


def values_file_error(configuration: Any) -> str | None:
    """Helm's error reading ``configuration`` as a values file (it must be a map or null)."""
    if configuration is None or isinstance(configuration, dict):
        return None
    return (
        f"failed to parse {os.path.join('<request dir>', 'values.json')}: error unmarshaling JSON: while decoding JSON:"
        f" json: cannot unmarshal {json_kind(configuration)} into Go value of type map[string]interface {{}}"
    )
