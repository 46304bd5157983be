"""The one call into the embedded Helm v4 engine (``helm-python-sdk``), and Helm's errors worded
for the user (one line, the chart path the user gave, a hint)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..chart import ChartSource, require_dependencies
from ..errors import RenderError
from ..values_schema import validate_values
from . import worker

#: The Kubernetes version the embedded engine assumes when none is given (Helm v4.2 SDK);
#: a test keeps this equal to the engine's own default.
ENGINE_DEFAULT_KUBE_VERSION = "v1.36.0"


@dataclass
class RenderOptions:
    """What ``helm template`` is told besides values."""

    release_name: str = "mini-service"
    namespace: str = "default"
    kube_version: str | None = None
    api_versions: list[str] = field(default_factory=list)


class HelmEngineError(Exception):
    """The Helm engine refused a chart; ``detail`` is Helm's message, ``loading`` whether it was
    refused while loading (before any template ran)."""

    def __init__(self, detail: str, loading: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.loading = loading


#: What a caller checks between loading and rendering, as Helm does: the chart's dependencies
#: (``found``: the subcharts the engine loaded) and the values against the values schemas
#: (``values``: the coalesced values). It raises to stop the render.
BeforeRender = Callable[[ChartSource, list[Any], dict[str, Any]], None]


def engine_render(
    chart: ChartSource, values: dict[str, Any], options: RenderOptions, before_render: BeforeRender
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The one call into the embedded Helm engine, in the engine worker (time and memory
    limits, ``worker.py``): load the packaged chart (without its schemas), let ``before_render``
    check it, render ``{template name: text}`` and collect the ``crds/`` files. The CLI and the
    helm-reval API word Helm's errors each their own way (HelmEngineError)."""
    native_options: dict[str, Any] = {
        "name": options.release_name,
        "namespace": options.namespace,
        "is_install": True,
        "kube_version": options.kube_version or ENGINE_DEFAULT_KUBE_VERSION,
    }
    if options.api_versions:
        native_options["api_versions"] = list(options.api_versions)
    try:
        found = worker.call("render", chart.engine_archive(), values, native_options, chart.tree.has_values_schema)
    except worker.EngineFailed as exc:
        raise HelmEngineError(exc.detail, loading=True) from None
    before_render(chart, found["dependencies"], found["values"])
    if found["error"] is not None:
        raise HelmEngineError(found["error"], loading=False)
    return found["templates"], found["crds"]


def _check_chart(chart: ChartSource, found: list[Any], values: dict[str, Any]) -> None:
    """chartguard's checks before rendering: dependencies present, values valid for the schemas."""
    require_dependencies(chart, found)
    validate_values(chart.tree, values, chart.display)


class EmbeddedHelm:
    """The Helm v4 engine in-process (``helm-python-sdk``); no binary, no cluster."""

    name = "embedded"

    def render(
        self, chart: ChartSource, values: dict[str, Any], options: RenderOptions
    ) -> tuple[dict[str, str], list[tuple[str, str]]]:
        try:
            return engine_render(chart, values, options, _check_chart)
        except HelmEngineError as exc:
            if exc.loading:
                raise RenderError(f"{chart.display}: {one_line(exc.detail)}") from None
            raise RenderError(chart_paths(chart, one_line(exc.detail)), hint=render_hint(exc.detail)) from None


def one_line(message: str) -> str:
    """Join Helm's multi-line errors (``file:line:col`` / ``executing ...:`` / ``nil pointer ...``,
    schema violations as ``- at '/x': ...``) into one readable line."""
    joined = ""
    for line in (part.strip() for part in message.splitlines()):
        if not line:
            continue
        separator = " " if not joined or joined.endswith(":") else "; " if line.startswith("- ") else ": "
        joined = f"{joined}{separator}{line}" if joined else line
    return " ".join(joined.split())


def chart_paths(chart: ChartSource, message: str) -> str:
    """Rewrite Helm's ``<chart name>/templates/x.yaml`` references to the path the user gave."""
    prefix = re.escape(chart.name) + "/"
    return re.sub(rf"(?<![\w./-]){prefix}[\w./-]+", lambda m: chart.display_path(m.group(0)), message)


def render_hint(message: str) -> str:
    if "required" in message or "nil pointer" in message:
        return "the chart needs a value: pass it with --set, -f or --configuration"
    if "values don't meet the specifications" in message:
        return "fix the values named above (values.schema.json)"
    return ""
