"""What the engine worker runs (``worker.call(op, ...)``), in the worker process only: the
embedded Helm v4 engine of ``helm-python-sdk``, loaded there on first use."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import helm_python as helm
from helm_python import _native


def render(archive: bytes, values: dict[str, Any], options: dict[str, Any], coalesce: bool) -> dict[str, Any]:
    """Load a packaged chart and render it: ``{dependencies, values, templates, crds, error}``.

    A render failure is returned as ``error`` (Helm's message) with the chart's dependencies and
    coalesced values, so that the caller checks dependencies and the values schema first, as Helm does.
    """
    with helm.Chart.load_archive(archive) as chart:
        found: dict[str, Any] = {"dependencies": chart.dependencies, "error": None, "templates": {}, "crds": []}
        found["values"] = chart.merge_values(values) if coalesce else {}  # for the values schemas only
        try:
            # Chart.render does not expose kube_version/api_versions; the native call does.
            raw = _native.call_string("helm_render", chart._raw(), json.dumps(values), json.dumps(options))
        except helm.HelmError as exc:
            found["error"] = exc.detail
            return found
        found["templates"] = json.loads(raw)
        found["crds"] = [(c.get("filename") or c.get("name", ""), c.get("data", "")) for c in chart.crds]
    return found


def parse_set(flag: str, expression: str) -> dict[str, Any]:
    """Helm's ``--set``/``--set-string``/``--set-json``/``--set-literal`` parser for ``flag``."""
    parsers: dict[str, Callable[[str], dict[str, Any]]] = {
        "--set-json": helm.parse_set_json,
        "--set": helm.parse_set_string,
        "--set-string": helm.parse_set_string_values,
        "--set-literal": helm.parse_set_literal,
    }
    return parsers[flag](expression)


OPERATIONS: dict[str, Callable[..., Any]] = {"render": render, "parse_set": parse_set}
