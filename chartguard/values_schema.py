"""Validate the values against the charts' ``values.schema.json`` files, as Helm does before it
renders, but with references resolved inside the chart only.

Helm's engine would fetch a ``$ref`` to ``http://…`` and read a ``file:///…`` one: a chart could
make chartguard (and the helm-reval API) call internal URLs or read the host's files. So the
engine never sees the schemas (``chart_tree.engine_archive``) and they are checked here with
``jsonschema``: a relative ``$ref`` reaches another file of the same chart, a ``#/…`` pointer its
own document; any other reference is an error naming it. Each chart of the tree is checked with
its values, as Helm does: the chart with the coalesced values, a subchart with the values under
its name (or alias), unless its ``condition`` turns it off.
"""

from __future__ import annotations

import json
import posixpath
from typing import TYPE_CHECKING, Any

from .chart_tree import SCHEMA_FILE, ChartTree
from .errors import RenderError
from .manifests import safe_load

if TYPE_CHECKING:
    import referencing

#: The base URI chartguard gives a chart's own files, so that relative references resolve inside it
#: (a reserved ``.invalid`` host: nothing is ever fetched, ``_retrieve`` serves the chart's files).
_BASE = "https://chart.invalid/"


def validate_values(tree: ChartTree, values: dict[str, Any], display: str) -> None:
    """RenderError listing the first violations (Helm's wording), or naming a reference outside
    the chart; ``values`` are the chart's coalesced values (defaults and the user's)."""
    if not tree.has_values_schema:
        return
    problems: list[str] = []
    for folder, chart_values in _charts_with_values(tree, "", values):
        path = posixpath.join(folder, SCHEMA_FILE)
        if path not in tree.files:
            continue
        name = _chart_name(tree, folder)
        for message in _violations(tree, path, chart_values, display):
            problems.append(f"{name}: {message}")
    if problems:
        shown = "; ".join(problems[:5]) + (f"; ... ({len(problems) - 5} more)" if len(problems) > 5 else "")
        raise RenderError(
            f"{display}: values don't meet the specifications of the schema(s) in the following chart(s): {shown}",
            hint="fix the values named above (values.schema.json)",
        )


def _chart_name(tree: ChartTree, folder: str) -> str:
    metadata = _yaml(tree.files.get(posixpath.join(folder, "Chart.yaml"), b""))
    return str(metadata.get("name") or posixpath.basename(folder) or "chart")


def _charts_with_values(tree: ChartTree, folder: str, values: Any) -> list[tuple[str, Any]]:
    """``(chart folder, its values)`` for the chart at ``folder`` and its enabled subcharts."""
    found = [(folder, values)]
    metadata = _yaml(tree.files.get(posixpath.join(folder, "Chart.yaml"), b""))
    dependencies = [d for d in metadata.get("dependencies") or [] if isinstance(d, dict)]
    prefix = posixpath.join(folder, "charts") + "/"
    below = [path[len(prefix) :] for path in tree.files if path.startswith(prefix)]
    subfolders = sorted({path.split("/", 1)[0] for path in below if "/" in path})
    for sub in subfolders:
        sub_folder = prefix + sub
        name = _chart_name(tree, sub_folder)
        declared = next((d for d in dependencies if d.get("name") == name), {})
        key = str(declared.get("alias") or name)
        if not _enabled(declared.get("condition"), values):
            continue
        sub_values = values.get(key) if isinstance(values, dict) else None
        found.extend(_charts_with_values(tree, sub_folder, sub_values if isinstance(sub_values, dict) else {}))
    return found


def _enabled(condition: Any, values: Any) -> bool:
    """Helm's dependency ``condition``: the first of its comma-separated paths that holds a
    boolean decides; none (or no condition) means enabled."""
    if not isinstance(condition, str) or not condition.strip():
        return True
    for path in condition.split(","):
        node: Any = values
        for part in path.strip().split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, bool):
            return node
    return True


def _violations(tree: ChartTree, path: str, values: Any, display: str) -> list[str]:
    schema = _json(tree.files[path], f"{display}: {path}")
    if not isinstance(schema, (dict, bool)):
        raise RenderError(f"{display}: {path}: a values schema must be a JSON object")
    import jsonschema  # deferred: jsonschema (~50 ms) loads only for charts that ship a values schema
    import referencing  # deferred with jsonschema
    import referencing.exceptions  # deferred with jsonschema
    import referencing.jsonschema  # deferred with jsonschema

    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    resource = referencing.Resource.from_contents(schema, default_specification=referencing.jsonschema.DRAFT7)
    retrieve = lambda uri: _retrieve(tree, uri, display)  # noqa: E731
    registry: referencing.Registry[Any] = referencing.Registry(retrieve=retrieve).with_resource(_BASE + path, resource)  # type: ignore[call-arg]
    validator = validator_class({"$ref": _BASE + path}, registry=registry)  # the chart's own URI: relative refs stay inside
    try:
        errors = sorted(validator.iter_errors(values), key=lambda e: list(e.absolute_path))
    except referencing.exceptions.Unresolvable as exc:
        raise RenderError(
            f"{display}: {path}: $ref {getattr(exc, 'ref', exc)!s} is not a file of the chart",
            hint="chartguard follows schema references inside the chart only (no network, no files elsewhere)",
        ) from None
    return [f"- at '{''.join(f'/{p}' for p in error.absolute_path)}': {_helm_wording(error)}" for error in errors]


_JSON_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number", dict: "object", list: "array", type(None): "null"}


def _helm_wording(error: Any) -> str:
    """Helm's wording for the common violations (``got string, want integer``, ``missing
    property 'x'``); jsonschema's message for the rest."""
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, str) else ", ".join(error.validator_value)
        return f"got {_JSON_TYPES.get(type(error.instance), 'value')}, want {wanted}"
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        return f"missing property {missing[0]!r}" if len(missing) == 1 else f"missing properties {', '.join(map(repr, missing))}"
    return str(error.message)


def _retrieve(tree: ChartTree, uri: str, display: str) -> referencing.Resource[Any]:
    """A referenced file of the chart; anything outside it cannot be resolved."""
    import referencing  # deferred with jsonschema (see _violations)
    import referencing.exceptions  # deferred with jsonschema
    import referencing.jsonschema  # deferred with jsonschema

    if not uri.startswith(_BASE):
        raise referencing.exceptions.NoSuchResource(uri)
    relative = posixpath.normpath(uri[len(_BASE) :])
    if relative.startswith("..") or relative not in tree.files:
        raise referencing.exceptions.NoSuchResource(uri)
    return referencing.Resource.from_contents(
        _json(tree.files[relative], f"{display}: {relative}"), default_specification=referencing.jsonschema.DRAFT7
    )


def _json(data: bytes, where: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise RenderError(f"{where}: invalid JSON ({exc})") from None


def _yaml(data: bytes) -> dict[str, Any]:
    try:
        value = safe_load(data.decode("utf-8", "replace"))
    except Exception:  # noqa: BLE001 - a broken subchart Chart.yaml is the engine's to report
        return {}
    return value if isinstance(value, dict) else {}
