"""Helm's release stream from rendered templates: CRDs first, partials and empty renders dropped,
NOTES and hooks kept apart, the rest in Helm's install order; and back from a printed stream."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..manifests import Manifest, parse_stream, parse_template_output

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


def install_order_key(kind: str) -> tuple[int, str]:
    """Helm's sort key for a manifest of ``kind``: InstallOrder, unknown kinds last by name."""
    return (_ORDER.get(kind, len(_ORDER)), "" if kind in _ORDER else kind)


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


def _strip_source(text: str) -> str:
    return re.sub(r"\A# Source: .*\n?", "", text)
