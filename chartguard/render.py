"""Render a chart into Helm's release manifest stream.

Two renderers produce ``{template name: rendered text}``: ``EmbeddedHelm`` (the in-process Helm v4
engine of ``helm-python-sdk``, default) and ``HelmBinary`` (``helm template`` from PATH). The rest
is chartguard's job, done the same way for both: CRDs from ``crds/`` first, partials and empty
renders dropped, NOTES kept apart, hook objects (``helm.sh/hook``, test hooks included) kept apart,
and the remaining objects in Helm's install order (stable by kind, unknown kinds last).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .chart import ChartSource, require_dependencies
from .errors import RenderError, UsageError
from .manifests import Manifest, parse_stream, parse_template_output
from .semver import parse_version, satisfies

#: The Kubernetes version the embedded engine assumes when none is given (Helm v4.2 SDK);
#: a test keeps this equal to the engine's own default.
ENGINE_DEFAULT_KUBE_VERSION = "v1.36.0"

#: Helm's InstallOrder (pkg/release/util/kind_sorter.go).
INSTALL_ORDER = (
    "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
    "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
    "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
    "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
    "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
    "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
)  # fmt: skip
_ORDER = {kind: i for i, kind in enumerate(INSTALL_ORDER)}
#: Helm's release name rule (pkg/chart/common/util: ValidateReleaseName), at most 53 characters.
_RELEASE_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
#: A Kubernetes namespace name (RFC 1123 label), at most 63 characters.
_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


@dataclass
class RenderOptions:
    """What ``helm template`` is told besides values."""

    release_name: str = "mini-service"
    namespace: str = "default"
    kube_version: str | None = None
    api_versions: list[str] = field(default_factory=list)


@dataclass
class Rendered:
    """A rendered release: objects in install order (CRDs first), hooks and NOTES apart."""

    manifests: list[Manifest]
    hooks: list[Manifest]
    notes: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # the values given to Helm (chart defaults aside)

    def stream(self, include_hooks: bool = False) -> str:
        """The manifest stream as ``helm template`` prints it (``---`` + ``# Source:`` per object)."""
        chunks = []
        for manifest in self.manifests + (self.hooks if include_hooks else []):
            text = manifest.text
            if not text.startswith("# Source:") and manifest.template:
                text = f"# Source: {manifest.template}\n{text}"
            chunks.append(f"---\n{text}\n")
        return "".join(chunks)


class Renderer(Protocol):
    """Turns a chart and merged user values into ``{template name: text}`` plus CRD files."""

    name: str

    def render(
        self, chart: ChartSource, values: dict[str, Any], options: RenderOptions
    ) -> tuple[dict[str, str], list[tuple[str, str]]]: ...


class HelmEngineError(Exception):
    """The Helm engine refused a chart; ``detail`` is Helm's message, ``loading`` whether it was
    refused while loading (before any template ran)."""

    def __init__(self, detail: str, loading: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.loading = loading


def engine_render(
    chart: ChartSource,
    values: dict[str, Any],
    options: RenderOptions,
    check_dependencies: Callable[[ChartSource, list[Any]], None],
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The one call into the embedded Helm engine: load ``chart``, let ``check_dependencies`` see
    the subcharts it found, render ``{template name: text}`` and collect the ``crds/`` files.
    The CLI and the helm-reval API word Helm's errors each their own way (HelmEngineError)."""
    import helm_python as helm  # deferred: loading the engine costs ~100 ms, only renders need it
    from helm_python import _native  # deferred: the Helm engine (~100 ms) loads only when a chart is rendered

    try:
        loaded = helm.Chart.load_archive(chart.archive) if chart.archive else helm.Chart.load(str(chart.directory))
    except helm.HelmError as exc:
        raise HelmEngineError(exc.detail, loading=True) from None
    with loaded:
        check_dependencies(chart, loaded.dependencies)
        native_options: dict[str, Any] = {
            "name": options.release_name,
            "namespace": options.namespace,
            "is_install": True,
            "kube_version": options.kube_version or ENGINE_DEFAULT_KUBE_VERSION,
        }
        if options.api_versions:
            native_options["api_versions"] = list(options.api_versions)
        try:
            # Chart.render does not expose kube_version/api_versions; the native call does.
            raw = _native.call_string("helm_render", loaded._raw(), json.dumps(values), json.dumps(native_options))
        except helm.HelmError as exc:
            raise HelmEngineError(exc.detail, loading=False) from None
        templates: dict[str, str] = json.loads(raw)
        crds = [(c.get("filename") or c.get("name", ""), c.get("data", "")) for c in loaded.crds]
    return templates, crds


def install_order_key(kind: str) -> tuple[int, str]:
    """Helm's sort key for a manifest of ``kind``: InstallOrder, unknown kinds last by name."""
    return (_ORDER.get(kind, len(_ORDER)), "" if kind in _ORDER else kind)


class EmbeddedHelm:
    """The Helm v4 engine in-process (``helm-python-sdk``); no binary, no cluster."""

    name = "embedded"

    def render(
        self, chart: ChartSource, values: dict[str, Any], options: RenderOptions
    ) -> tuple[dict[str, str], list[tuple[str, str]]]:
        try:
            return engine_render(chart, values, options, lambda source, found: require_dependencies(source, found))
        except HelmEngineError as exc:
            if exc.loading:
                raise RenderError(f"{chart.display}: {_one_line(exc.detail)}") from None
            raise RenderError(_chart_paths(chart, _one_line(exc.detail)), hint=_render_hint(exc.detail)) from None


class HelmBinary:
    """``helm template`` from PATH, for users who want their own Helm version."""

    name = "helm"

    def __init__(self, executable: str = "helm") -> None:
        self.executable = executable

    def render(
        self, chart: ChartSource, values: dict[str, Any], options: RenderOptions
    ) -> tuple[dict[str, str], list[tuple[str, str]]]:
        import shutil  # deferred: only --renderer helm runs a process
        import subprocess  # deferred: only --renderer helm runs a process
        import tempfile  # deferred: only --renderer helm runs a process

        binary = shutil.which(self.executable)
        if binary is None:
            raise UsageError(
                f"--renderer helm: no {self.executable!r} executable on PATH",
                hint="install Helm, or use the embedded engine (the default, --renderer embedded)",
            )
        with tempfile.TemporaryDirectory(prefix="chartguard-") as tmp:
            values_file = os.path.join(tmp, "values.json")
            with open(values_file, "w", encoding="utf-8") as handle:
                json.dump(values, handle)
            target = os.fspath(chart.directory) if chart.directory else os.path.join(tmp, "chart.tgz")
            if chart.directory is None:
                with open(target, "wb") as handle:
                    handle.write(chart.archive or b"")
            command = [binary, "template", options.release_name, os.fspath(target), "--namespace", options.namespace,
                       "--values", values_file, "--include-crds"]  # fmt: skip
            if options.kube_version:
                command += ["--kube-version", options.kube_version]
            for api_version in options.api_versions:
                command += ["--api-versions", api_version]
            result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            message = _one_line(result.stderr.replace("Error: ", "", 1)) or f"helm exited {result.returncode}"
            raise RenderError(_chart_paths(chart, message), hint=_render_hint(result.stderr))
        return templates_from_stream(result.stdout)


RENDERERS: dict[str, type] = {"embedded": EmbeddedHelm, "helm": HelmBinary}


def templates_from_stream(stream: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Regroup ``helm template`` output (CRDs, manifests, hooks; each document headed by
    ``# Source: <template>``) into ``{template: text}`` and CRD files, as the engine returns them."""
    templates: dict[str, str] = {}
    crds: list[tuple[str, str]] = []
    for manifest in parse_stream(stream, source="`helm template` output"):
        text = _strip_source(manifest.text)
        if manifest.kind == "CustomResourceDefinition" and "/crds/" in f"/{manifest.template}":
            crds.append((manifest.template, text))
        else:
            previous = templates.get(manifest.template)
            templates[manifest.template] = f"{previous}\n---\n{text}" if previous else text
    return templates, crds


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


def assemble(
    templates: dict[str, str],
    crds: list[tuple[str, str]],
    chart_name: str,
    display: Callable[[str], str] | None = None,
) -> Rendered:
    """Build Helm's release from rendered templates: CRDs first, then install order; hooks apart.

    ``display`` maps a template name to the path errors show (the chart path the user gave).
    """
    show = display or (lambda name: name)
    manifests: list[Manifest] = []
    for name, text in crds:
        manifests.extend(parse_template_output(name, text, display=show(name)))
    generic: list[Manifest] = []
    hooks: list[Manifest] = []
    notes = ""
    for name in sorted(templates):
        text = templates[name]
        base = posixpath.basename(name)
        if base == "NOTES.txt":
            if name == f"{chart_name}/templates/NOTES.txt":
                notes = text
            continue
        if base.startswith("_") or not text.strip():
            continue
        for manifest in parse_template_output(name, text, display=show(name)):
            (hooks if manifest.hook is not None else generic).append(manifest)
    generic.sort(key=lambda m: install_order_key(m.kind))
    ordered = manifests + generic
    number_manifests(ordered + hooks)
    return Rendered(manifests=ordered, hooks=hooks, notes=notes)


def number_manifests(manifests: list[Manifest]) -> None:
    """Give each manifest its index and its line in the stream ``Rendered.stream`` prints."""
    line = 1
    for i, manifest in enumerate(manifests):
        manifest.index = i
        header = 1 + (0 if manifest.text.startswith("# Source:") or not manifest.template else 1)
        manifest.stream_line = line + header
        line += header + manifest.text.count("\n") + 1


def _strip_source(text: str) -> str:
    return re.sub(r"\A# Source: .*\n?", "", text)


def _one_line(message: str) -> str:
    """Join Helm's multi-line errors (``file:line:col`` / ``executing ...:`` / ``nil pointer ...``,
    schema violations as ``- at '/x': ...``) into one readable line."""
    joined = ""
    for line in (part.strip() for part in message.splitlines()):
        if not line:
            continue
        separator = " " if not joined or joined.endswith(":") else "; " if line.startswith("- ") else ": "
        joined = f"{joined}{separator}{line}" if joined else line
    return " ".join(joined.split())


def _chart_paths(chart: ChartSource, message: str) -> str:
    """Rewrite Helm's ``<chart name>/templates/x.yaml`` references to the path the user gave."""
    prefix = re.escape(chart.name) + "/"
    return re.sub(rf"(?<![\w./-]){prefix}[\w./-]+", lambda m: chart.display_path(m.group(0)), message)


def _render_hint(message: str) -> str:
    if "required" in message or "nil pointer" in message:
        return "the chart needs a value: pass it with --set, -f or --configuration"
    if "values don't meet the specifications" in message:
        return "fix the values named above (values.schema.json)"
    return ""
