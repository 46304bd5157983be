"""Measure an object from an untrusted caller against :class:`~chartguard.limits.Limits`, before any rule runs.

The admission webhook reviews whatever a caller sends, so the size of the work must not be the
caller's choice: :func:`over_limit` takes time bounded by the limits themselves (the walk is
iterative and stops at the first bound it crosses) and names the first limit the object exceeds,
cheapest check first: ``max_containers`` (init, regular and ephemeral containers of one pod or pod
template), ``max_object_depth`` (objects and arrays inside one another: ``{"a": {"b": 1}}`` has
depth 2; deeper objects would make recursive code fail), ``max_object_nodes`` (JSON values:
every object, array, string, number...), ``max_object_bytes`` (compact JSON).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from .limits import DEFAULT_LIMITS, Limits
from .workloads import CONTAINER_LISTS, as_mapping, templates_of

__all__ = ["OverLimit", "compact_json_size", "over_limit"]


@dataclass(frozen=True)
class OverLimit:
    """The first limit an object exceeds: its name (``max-object-depth``) and what was found."""

    limit: str
    detail: str


def over_limit(obj: Any, limits: Limits = DEFAULT_LIMITS) -> OverLimit | None:
    """The first of ``limits`` that ``obj`` (a decoded JSON value) exceeds, or None."""
    if isinstance(obj, dict):
        for path, template in templates_of(obj):
            spec = as_mapping(as_mapping(template).get("spec"))
            count = sum(len(spec[name]) for name in CONTAINER_LISTS if isinstance(spec.get(name), list))
            if count > limits.max_containers:
                where = "/".join(path) or "the pod"
                return OverLimit("max-containers", f"{count:,} containers in {where}, limit {limits.max_containers:,}")
    found = _walk(obj, limits.max_object_depth, limits.max_object_nodes)
    if found is not None:
        return found
    size = compact_json_size(obj)
    if size > limits.max_object_bytes:
        return OverLimit("max-object-bytes", f"{size:,} bytes of JSON, limit {limits.max_object_bytes:,}")
    return None


def _walk(value: Any, max_depth: int, max_nodes: int) -> OverLimit | None:
    """Depth and node count, level by level (no recursion), stopping at the first bound crossed."""
    level = [value] if isinstance(value, dict | list) else []
    depth = nodes = 0
    while level:
        depth += 1
        if depth > max_depth:
            return OverLimit("max-object-depth", f"nested deeper than {max_depth:,} levels")
        deeper: list[Any] = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            nodes += len(children)
            if nodes > max_nodes:
                return OverLimit("max-object-nodes", f"more than {max_nodes:,} JSON values")
            deeper.extend(child for child in children if isinstance(child, dict | list))
        level = deeper
    return None


def compact_json_size(value: Any) -> int:
    """Bytes of ``value`` as compact JSON (orjson; ``json`` for what orjson refuses, e.g. huge integers)."""
    try:
        return len(orjson.dumps(value))
    except TypeError:
        return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8", "replace"))
