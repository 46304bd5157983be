"""Render a chart into Helm's release manifest stream (``engine.py``: the only call into the embedded
Helm engine; ``binary.py``: ``helm template`` from PATH; ``stream.py``: the install-order stream).

Two renderers produce ``{template name: rendered text}``: ``EmbeddedHelm`` (the in-process Helm v4
engine of ``helm-python-sdk``, default) and ``HelmBinary`` (``helm template`` from PATH). The rest
is chartguard's job, done the same way for both: CRDs from ``crds/`` first, partials and empty
renders dropped, NOTES kept apart, hook objects (``helm.sh/hook``, test hooks included) kept apart,
and the remaining objects in Helm's install order (stable by kind, unknown kinds last).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from ..chart import ChartSource
from ..errors import RenderError, UsageError
from ..semver import parse_version, satisfies
from .binary import HelmBinary
from .engine import ENGINE_DEFAULT_KUBE_VERSION, EmbeddedHelm, HelmEngineError, RenderOptions, engine_render
from .stream import INSTALL_ORDER, Rendered, assemble, install_order_key, number_manifests, templates_from_stream

__all__ = [
    "ENGINE_DEFAULT_KUBE_VERSION",
    "INSTALL_ORDER",
    "RENDERERS",
    "EmbeddedHelm",
    "HelmBinary",
    "HelmEngineError",
    "RenderOptions",
    "Rendered",
    "Renderer",
    "assemble",
    "engine_render",
    "install_order_key",
    "number_manifests",
    "render_release",
    "templates_from_stream",
]

#: Helm's release name rule (pkg/chart/common/util: ValidateReleaseName), at most 53 characters.
_RELEASE_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")

#: A Kubernetes namespace name (RFC 1123 label), at most 63 characters.
_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


class Renderer(Protocol):
    """Turns a chart and merged user values into ``{template name: text}`` plus CRD files."""

    name: str

    def render(
        self, chart: ChartSource, values: dict[str, Any], options: RenderOptions
    ) -> tuple[dict[str, str], list[tuple[str, str]]]: ...


RENDERERS: dict[str, type] = {"embedded": EmbeddedHelm, "helm": HelmBinary}


def render_release(
    chart: ChartSource, values: dict[str, Any], options: RenderOptions, renderer: Renderer | None = None
) -> Rendered:
    """Render ``chart`` and assemble Helm's release stream."""
    check_release_name(options.release_name)
    check_namespace(options.namespace)
    check_kube_version(chart, options.kube_version or ENGINE_DEFAULT_KUBE_VERSION)
    templates, crds = (renderer or EmbeddedHelm()).render(chart, values, options)
    return assemble(templates, crds, chart.name, chart.display_path)


def check_release_name(name: str) -> None:
    """Reject a release name Helm would refuse (chartutil.ValidateReleaseName)."""
    if len(name) > 53 or not _RELEASE_NAME.fullmatch(name):
        raise UsageError(
            f"--release-name {name!r}: invalid release name (Helm needs lowercase letters, digits, '-' and '.',"
            " starting and ending with a letter or digit, at most 53 characters)"
        )


def check_namespace(namespace: str) -> None:
    """Reject a namespace Kubernetes would refuse (an RFC 1123 label)."""
    if len(namespace) > 63 or not _NAMESPACE.fullmatch(namespace):
        raise UsageError(
            f"--namespace {namespace!r}: invalid namespace (lowercase letters, digits and '-',"
            " starting and ending with a letter or digit, at most 63 characters)"
        )


def check_kube_version(chart: ChartSource, kube_version: str) -> None:
    """Fail as Helm does when Chart.yaml's ``kubeVersion`` excludes the target Kubernetes."""
    if parse_version(kube_version) is None:
        raise UsageError(f"--kube-version: could not parse {kube_version!r} as a Kubernetes version")
    constraint = chart.metadata.get("kubeVersion")
    if not constraint:
        return
    where = chart.chart_yaml_location("kubeVersion")
    try:
        compatible = satisfies(kube_version, str(constraint))
    except ValueError as exc:
        raise RenderError(f"{where.path}:{where.line}: invalid kubeVersion {constraint!r} ({exc})") from None
    if not compatible:
        raise RenderError(
            f"{where.path}:{where.line}: chart requires kubeVersion: {constraint} which is incompatible with"
            f" Kubernetes {kube_version}",
            hint="NVCF renders for Kubernetes v1.20.0; pass --kube-version to render for another version",
        )
